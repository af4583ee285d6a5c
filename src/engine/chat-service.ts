// The chat service: access and machine checks, the turn (evaluate → apply → reply → commit), streaming, background summaries.
import { Errors } from '../errors.ts'
import type { Config } from '../config.ts'
import type { ChatMessage, LlmClient, StepConfig } from '../llm/client.ts'
import { resolveStepConfigs, type StepConfigs } from '../llm/keys.ts'
import type { LoadedGraph, PersonasRepository, PersonaView, StoredMachine } from '../repositories/personas-repository.ts'
import {
  sessionStatus,
  StaleSessionError,
  type NewMessage,
  type ProgressRecord,
  type SessionKey,
  type SessionRecord,
  type SessionsRepository,
  type StoredMessage
} from '../repositories/sessions-repository.ts'
import { applyEvaluation, initialState, isMachineAvailable, outgoingTransitions, type PlayerProgressSnapshot, type TurnDecision } from './core.ts'
import type { GraphState } from './graph.ts'
import { appendMemory, type Conversation, type PromptPlayer, type ReplyInput } from './prompts.ts'
import { createSessionQueue } from './session-queue.ts'
import { createSteps, stepTrace, type EvaluationResult } from './steps.ts'
import type {
  ChatHistory,
  ChatResponse,
  ChatService,
  HistoryMessage,
  LlmInput,
  MachineInfo,
  StepTrace,
  Target,
  TurnTrace,
  UnlockedMachineInfo,
  Viewer
} from './chat-types.ts'

export interface ChatServiceOptions {
  repos: { personas: PersonasRepository, sessions: SessionsRepository }
  llm: LlmClient
  llm_config: Pick<Config['llm'], 'defaultModel' | 'serverKey' | 'allowServerKeyForSdk'>
  log: { warn: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }
  /**
   * Unsummarized messages a prompt may see; once a session has more, the oldest are folded into
   * its rolling summary until `keepAfterSummary` remain (default 16 and 8).
   */
  window?: number
  keepAfterSummary?: number
}

/** Everything resolved about a target before any LLM call. */
interface Context {
  persona: PersonaView
  graph: LoadedGraph['graph']
  machine: StoredMachine
  scope: string
  key: SessionKey
  /** The session queue key: scope|persona|machine|user_session_id. */
  queueKey: string
  viewer: Viewer
}

/** A turn decided and ready for its reply. */
interface PreparedTurn {
  session: SessionRecord
  configs: StepConfigs
  evaluation: EvaluationResult
  decision: TurnDecision
  replyInput: ReplyInput
  message: string
}

const SESSION_NOT_FOUND = 'Session not found: call init-session first'

/** The scope of a viewer's sessions: all API keys of one owner share sessions; web users have their own. */
export function scopeOf (viewer: Viewer): string {
  return viewer.kind === 'sdk' ? `sdk:${viewer.ownerId}` : `user:${viewer.userId}`
}

function progressSnapshot (progress: ProgressRecord): PlayerProgressSnapshot {
  return { unlocked_machine_keys: progress.unlocked_machine_keys, completed: progress.completed }
}

function toChat (messages: StoredMessage[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content }))
}

/**
 * Builds the chat service (SPEC §4, §6, §7). Turns of one session run one at a time through a
 * per-session queue; a turn writes nothing until its single commit; summaries and extractions run
 * after the commit and never fail a turn.
 */
export function createChatService (options: ChatServiceOptions): ChatService {
  const { repos, llm, log } = options
  const window = options.window ?? 16
  const keep = Math.min(options.keepAfterSummary ?? 8, window)
  const steps = createSteps(llm)
  const queue = createSessionQueue()
  const background = new Set<Promise<void>>()
  const busy = new Set<string>()
  const closing = new AbortController()

  // ----------------------------------------------------------------------------- checks

  function checkAccess (persona: PersonaView, viewer: Viewer) {
    if (viewer.kind === 'sdk') {
      if (persona.owner_id !== viewer.ownerId) throw new Errors.Forbidden('This persona belongs to another account')
      if (!persona.is_published) throw new Errors.Forbidden('Persona is not published')
      return
    }
    if (persona.is_published) return
    // Editor preview: the owner may chat with an unpublished persona (guests own nothing).
    if (viewer.role !== 'guest' && persona.owner_id === viewer.userId) return
    throw new Errors.Forbidden('Persona is not published')
  }

  /** Persona (404) → access (403), without a machine. */
  function loadPersona (a: { viewer: Viewer, personaId: string }): LoadedGraph {
    const loaded = repos.personas.loadGraph(a.personaId)
    if (loaded === null) throw new Errors.NotFound('Persona not found')
    checkAccess(loaded.persona, a.viewer)
    return loaded
  }

  /** Persona (404) → access (403) → machine (404) → availability for this player (403). */
  function resolve (a: Target): Context {
    const { persona, graph } = loadPersona(a)
    const machine = a.machineId === null
      ? graph.machines.find((m) => m.is_entry)
      : graph.machines.find((m) => m.machine_id === a.machineId)
    if (machine === undefined) {
      throw new Errors.NotFound(a.machineId === null ? 'Machine not found: the persona has no entry machine' : 'Machine not found')
    }
    const scope = scopeOf(a.viewer)
    const progress = repos.sessions.progress(scope, persona.id, a.userSessionId)
    if (!isMachineAvailable(machine.machine_key, graph, progressSnapshot(progress))) {
      throw new Errors.Forbidden('Machine is locked for this player')
    }
    const key = { scope, personaId: persona.id, machineId: machine.machine_id, userSessionId: a.userSessionId }
    return { persona, graph, machine, scope, key, queueKey: `${scope}|${persona.id}|${machine.machine_id}|${a.userSessionId}`, viewer: a.viewer }
  }

  function stepConfigs (ctx: Context, headers: LlmInput['headers']): StepConfigs {
    return resolveStepConfigs(headers, {
      defaultModel: options.llm_config.defaultModel,
      serverKey: options.llm_config.serverKey,
      allowServerKey: ctx.viewer.kind === 'web' ? true : options.llm_config.allowServerKeyForSdk
    })
  }

  function stateOf (machine: StoredMachine, stateKey: string): GraphState {
    const state = machine.states.find((s) => s.state_key === stateKey)
    if (state === undefined) {
      throw new Errors.BadRequest(`The session's state "${stateKey}" no longer exists in this machine; start a new session`)
    }
    return state
  }

  function activeSession (ctx: Context): SessionRecord {
    const session = repos.sessions.find(ctx.key)
    if (session === null) throw new Errors.NotFound(SESSION_NOT_FOUND)
    if (session.outcome !== null) throw new Errors.BadRequest('The conversation has ended; start a new session')
    return session
  }

  // ----------------------------------------------------------------------------- the turn

  function conversationOf (session: SessionRecord): Conversation {
    const unsummarized = repos.sessions.messagesAfter(session.session_id, session.summarized_count)
    return { summary: session.summary, recent: toChat(unsummarized.slice(-window)) }
  }

  function playerOf (session: SessionRecord): PromptPlayer {
    return { name: session.player_name, gender: session.player_gender }
  }

  /** Checks the session, resolves keys, evaluates and decides: everything before the reply. */
  async function prepareTurn (ctx: Context, a: LlmInput & { message: string }): Promise<PreparedTurn> {
    const session = activeSession(ctx)
    const configs = stepConfigs(ctx, a.headers)
    const { machine, persona } = ctx
    const progress = repos.sessions.progress(ctx.scope, persona.id, session.user_session_id)
    const conversation = conversationOf(session)
    const player = playerOf(session)
    const state = stateOf(machine, session.current_state)
    const evaluation = await steps.evaluate(configs.eval, {
      persona,
      machine,
      state,
      transitions: outgoingTransitions(machine, session.current_state),
      player,
      conversation,
      message: a.message
    }, a.signal)
    const decision = applyEvaluation(machine, ctx.graph.machine_links, session, evaluation, progressSnapshot(progress))
    const next = stateOf(machine, decision.current_state)
    const mode: ReplyInput['mode'] = decision.outcome !== null
      ? { kind: 'completed', outcome: decision.outcome }
      : decision.follow_up
        ? { kind: 'follow_up', condition: state.follow_up_condition ?? '' }
        : { kind: 'continue' }
    const replyInput: ReplyInput = { persona, machine, state: next, mode, player, memory: progress.memory_summary, conversation, message: a.message }
    return { session, configs, evaluation, decision, replyInput, message: a.message }
  }

  function unlockedInfo (ctx: Context, decision: TurnDecision): UnlockedMachineInfo[] | null {
    const list = decision.unlocked.flatMap((u) => {
      const m = ctx.graph.machines.find((x) => x.machine_key === u.machine_key)
      return m === undefined ? [] : [{ machine_id: m.machine_id, machine_key: m.machine_key, name: m.name, is_auto_advance: u.is_auto_advance }]
    })
    return list.length > 0 ? list : null
  }

  function metadataOf (ctx: Context, turn: PreparedTurn): Omit<ChatResponse, 'message'> {
    const d = turn.decision
    return {
      current_state: d.current_state,
      score: d.score,
      outcome: d.outcome,
      decision: d.decision,
      follow_up: d.follow_up,
      session_id: turn.session.session_id,
      scoring_mode: ctx.machine.scoring_mode,
      redirect_count: d.redirect_count,
      machine_completed: d.machine_completed,
      unlocked_machines: unlockedInfo(ctx, d)
    }
  }

  /** The single commit of a turn; then the background work. */
  function commit (ctx: Context, turn: PreparedTurn, reply: string, replyTrace: StepTrace, summarization: StepConfig): ChatResponse {
    const { session, decision, evaluation } = turn
    const trace: TurnTrace = {
      transition_id: decision.transition?.transition_id ?? null,
      decision: decision.decision,
      evaluator_reason: evaluation.reason,
      fallback: evaluation.fallback,
      steps: { ...(evaluation.trace ? { evaluate: evaluation.trace } : {}), reply: replyTrace }
    }
    const userMessage: NewMessage = {
      role: 'user',
      content: turn.message,
      state_key_at_time: session.current_state,
      score_at_time: session.score,
      decision: null,
      follow_up_triggered: false,
      trace: null
    }
    const assistantMessage: NewMessage = {
      role: 'assistant',
      content: reply,
      state_key_at_time: decision.current_state,
      score_at_time: decision.score,
      decision: decision.decision,
      follow_up_triggered: decision.follow_up,
      trace
    }
    try {
      repos.sessions.commitTurn({
        sessionId: session.session_id,
        expectedMessageCount: session.message_count,
        userMessage,
        assistantMessage,
        state: { current_state: decision.current_state, score: decision.score, redirect_count: decision.redirect_count, outcome: decision.outcome },
        progress: {
          scope: ctx.scope,
          personaId: ctx.persona.id,
          userSessionId: session.user_session_id,
          unlock: decision.unlocked.map((u) => u.machine_key),
          completed: decision.outcome !== null ? { machineKey: ctx.machine.machine_key, outcome: decision.outcome } : null
        },
        tokens: {
          in: (evaluation.trace?.tokens_in ?? 0) + replyTrace.tokens_in,
          out: (evaluation.trace?.tokens_out ?? 0) + replyTrace.tokens_out
        }
      })
    } catch (err) {
      // Only a reset or re-init racing this turn gets here (turns themselves are serialized).
      if (err instanceof StaleSessionError) {
        if (repos.sessions.findById(session.session_id) === null) throw new Errors.NotFound(SESSION_NOT_FOUND)
        throw new Errors.BadRequest('The session changed while this message was processed; send it again')
      }
      throw err
    }
    afterCommit(ctx, session.session_id, summarization)
    return { message: reply, ...metadataOf(ctx, turn) }
  }

  // ----------------------------------------------------------------------------- background

  function track (task: () => Promise<void>) {
    const p = task().catch((err) => log.error({ err }, 'chat background task failed'))
    background.add(p)
    p.finally(() => background.delete(p)).catch(() => {})
  }

  /** Summaries of this session and pending extractions of this player; both retried on later turns. */
  function afterCommit (ctx: Context, sessionId: string, step: StepConfig) {
    if (closing.signal.aborted) return
    track(() => summarize(ctx, sessionId, step))
    track(() => extractPending(ctx, ctx.key.userSessionId, step))
  }

  async function summarize (ctx: Context, sessionId: string, step: StepConfig) {
    const lock = `summary:${sessionId}`
    if (busy.has(lock)) return
    const session = repos.sessions.findById(sessionId)
    // seq runs 1..message_count and summarized_count is the last folded seq: count before reading.
    if (session === null || session.message_count - session.summarized_count <= window) return
    const unsummarized = repos.sessions.messagesAfter(sessionId, session.summarized_count)
    const folded = unsummarized.slice(0, unsummarized.length - keep)
    busy.add(lock)
    try {
      const { summary } = await steps.summarize(step, {
        persona: ctx.persona,
        machine: ctx.machine,
        player: playerOf(session),
        previousSummary: session.summary,
        folded: toChat(folded)
      }, closing.signal)
      repos.sessions.saveSummary(sessionId, session.summarized_count, summary, folded[folded.length - 1].seq)
    } catch (err) {
      log.warn({ err, sessionId }, 'rolling summary failed; retried on a later turn')
    } finally {
      busy.delete(lock)
    }
  }

  async function extractPending (ctx: Context, userSessionId: string, step: StepConfig) {
    for (const session of repos.sessions.pendingExtractions(ctx.scope, ctx.persona.id, userSessionId)) {
      const lock = `extract:${session.session_id}`
      if (busy.has(lock)) continue
      const machine = ctx.graph.machines.find((m) => m.machine_id === session.machine_id)
      if (machine === undefined || session.outcome === null) continue
      busy.add(lock)
      try {
        const unsummarized = repos.sessions.messagesAfter(session.session_id, session.summarized_count)
        const result = await steps.extract(step, {
          persona: ctx.persona,
          machine,
          player: playerOf(session),
          outcome: session.outcome,
          conversation: { summary: session.summary, recent: toChat(unsummarized.slice(-2 * window)) }
        }, closing.signal)
        if (result === null) log.warn({ sessionId: session.session_id }, 'output-variable extraction gave no valid answer; skipped')
        repos.sessions.saveExtraction(session.session_id, { scope: ctx.scope, personaId: ctx.persona.id, userSessionId }, {
          variables: result?.variables ?? {},
          mergeMemory: (previous) => result === null || result.memory === '' ? previous : appendMemory(previous, `${machine.name}: ${result.memory}`),
          traceStep: result?.trace ?? null
        })
      } catch (err) {
        log.warn({ err, sessionId: session.session_id }, 'output-variable extraction failed; retried on a later turn')
      } finally {
        busy.delete(lock)
      }
    }
  }

  /** Waits (at most timeoutMs) until no background task is left. */
  async function drain (timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    // A task may start another (a summary after an extraction), so wait until none is left.
    while (background.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...background]),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, deadline - Date.now()) })
      ])
      clearTimeout(timer)
    }
  }

  // ----------------------------------------------------------------------------- the service

  function historyMessage (m: StoredMessage, withTrace: boolean): HistoryMessage {
    const { seq: _seq, trace, ...rest } = m
    return withTrace ? { ...rest, trace } : rest
  }

  function existing (ctx: Context): SessionRecord {
    const session = repos.sessions.find(ctx.key)
    if (session === null) throw new Errors.NotFound(SESSION_NOT_FOUND)
    return session
  }

  return {
    async initSession (a) {
      const ctx = resolve(a)
      const configs = stepConfigs(ctx, a.headers)
      let start: GraphState
      try {
        start = initialState(ctx.machine)
      } catch {
        throw new Errors.BadRequest(`Machine "${ctx.machine.machine_key}" has no initial state`)
      }
      return queue.run(ctx.queueKey, async () => {
        const progress = repos.sessions.progress(ctx.scope, ctx.persona.id, a.userSessionId)
        const player = { name: a.playerName, gender: a.playerGender }
        const greeting = await steps.greeting(configs.response, { persona: ctx.persona, machine: ctx.machine, state: start, player, memory: progress.memory_summary }, a.signal)
        const reply = stepTrace(greeting.model, greeting.usage, greeting.latencyMs)
        const session = repos.sessions.replace(ctx.key, {
          playerName: a.playerName,
          playerGender: a.playerGender,
          initialState: start.state_key,
          greeting: {
            role: 'assistant',
            content: greeting.text,
            state_key_at_time: start.state_key,
            score_at_time: 0,
            decision: null,
            follow_up_triggered: false,
            trace: { transition_id: null, decision: null, evaluator_reason: null, fallback: false, steps: { reply } }
          },
          tokens: { in: reply.tokens_in, out: reply.tokens_out }
        })
        if (!closing.signal.aborted) track(() => extractPending(ctx, a.userSessionId, configs.summarization))
        return {
          session_id: session.session_id,
          user_session_id: a.userSessionId,
          persona_name: ctx.persona.name,
          persona_description: ctx.persona.description,
          player_name: a.playerName,
          player_gender: a.playerGender,
          message: greeting.text,
          machine_id: ctx.machine.machine_id
        }
      })
    },

    async sendMessage (a) {
      const ctx = resolve(a)
      return queue.run(ctx.queueKey, async () => {
        const turn = await prepareTurn(ctx, a)
        const reply = await steps.reply(turn.configs.response, turn.replyInput, a.signal)
        return commit(ctx, turn, reply.text, stepTrace(reply.model, reply.usage, reply.latencyMs), turn.configs.summarization)
      })
    },

    async streamMessage (a) {
      const ctx = resolve(a)
      // The slot is held from evaluation until the commit (or the failure) of the streamed reply.
      const release = await queue.acquire(ctx.queueKey)
      let turn: PreparedTurn
      let stream: ReturnType<typeof steps.streamReply>
      try {
        turn = await prepareTurn(ctx, a)
        stream = steps.streamReply(turn.configs.response, turn.replyInput, a.signal)
      } catch (err) {
        release()
        throw err
      }
      const done = (async () => {
        try {
          const final = await stream.final
          return commit(ctx, turn, final.text.trim(), stepTrace(final.model, final.usage, final.latencyMs), turn.configs.summarization)
        } finally {
          release()
        }
      })()
      // The route may never await `done` (client gone): its rejection must not go unhandled.
      done.catch(() => {})
      return { metadata: metadataOf(ctx, turn), textStream: stream.textStream, done }
    },

    getSession (a) {
      return sessionStatus(existing(resolve(a)))
    },

    getHistory (a) {
      const ctx = resolve(a)
      const session = existing(ctx)
      const withTrace = a.includeTrace && (ctx.viewer.kind === 'sdk' || ctx.persona.owner_id === ctx.viewer.userId)
      const history: ChatHistory = {
        ...sessionStatus(session),
        messages: repos.sessions.messagesAfter(session.session_id, 0).map((m) => historyMessage(m, withTrace))
      }
      return history
    },

    reset (a) {
      const ctx = resolve(a)
      const session = existing(ctx)
      repos.sessions.delete(session.session_id)
      return { session_id: session.session_id, message: 'Session reset' }
    },

    listMachines (a) {
      const { persona, graph } = loadPersona(a)
      const scope = scopeOf(a.viewer)
      const progress = progressSnapshot(repos.sessions.progress(scope, persona.id, a.userSessionId))
      const sessions = new Map(repos.sessions.listForPlayer(scope, persona.id, a.userSessionId).map((s) => [s.machine_id, s]))
      const linked = new Set(graph.machine_links.map((l) => l.to_machine_key))
      return graph.machines
        .filter((m) => isMachineAvailable(m.machine_key, graph, progress))
        .map((m): MachineInfo => ({
          machine_id: m.machine_id,
          machine_key: m.machine_key,
          name: m.name,
          description: m.description,
          has_session: sessions.has(m.machine_id),
          session_outcome: sessions.get(m.machine_id)?.outcome ?? null,
          is_linked: linked.has(m.machine_key)
        }))
    },

    migrateProgress (a) {
      return repos.sessions.migrate(`user:${a.fromUserId}`, `user:${a.toUserId}`)
    },

    drain,

    async close (timeoutMs = 5000) {
      await drain(timeoutMs)
      // Whatever is still running is cut off: it is retried on a later turn after a restart.
      closing.abort()
    }
  }
}
