// One turn's pieces around the LLM calls: prepare (session, keys, evaluation, decision, reply input), the metadata, the single commit.
import { Errors } from '../errors.ts'
import type { StepConfig } from '../llm/client.ts'
import type { StepConfigs } from '../llm/keys.ts'
import { StaleSessionError, type NewMessage, type SessionRecord, type SessionsRepository } from '../repositories/sessions-repository.ts'
import type { Background } from './chat-background.ts'
import { playerOf, progressSnapshot, SESSION_NOT_FOUND, toChat, type Context, type Resolver } from './chat-context.ts'
import type { ChatResponse, LlmInput, StepTrace, TurnTrace, UnlockedMachineInfo } from './chat-types.ts'
import { applyEvaluation, outgoingTransitions, type TurnDecision } from './core.ts'
import type { Conversation, ReplyInput } from './prompts.ts'
import type { EvaluationResult, Steps } from './steps.ts'

/** A turn decided and ready for its reply. */
export interface PreparedTurn {
  session: SessionRecord
  configs: StepConfigs
  evaluation: EvaluationResult
  decision: TurnDecision
  replyInput: ReplyInput
  message: string
}

export interface TurnOptions {
  repos: { sessions: SessionsRepository }
  steps: Steps
  resolver: Resolver
  background: Background
  window: number
}

/** The turn's steps before and after the reply (SPEC §6). */
export function createTurns ({ repos, steps, resolver, background, window }: TurnOptions) {
  function conversationOf (session: SessionRecord): Conversation {
    const unsummarized = repos.sessions.messagesAfter(session.session_id, session.summarized_count)
    return { summary: session.summary, recent: toChat(unsummarized.slice(-window)) }
  }

  /** Checks the session, resolves keys, evaluates and decides: everything before the reply. */
  async function prepare (ctx: Context, a: LlmInput & { message: string }): Promise<PreparedTurn> {
    const session = resolver.activeSession(ctx)
    const configs = resolver.stepConfigs(ctx, a.headers)
    const { machine, persona } = ctx
    const progress = repos.sessions.progress(ctx.scope, persona.id, session.user_session_id)
    const conversation = conversationOf(session)
    const player = playerOf(session)
    const state = resolver.stateOf(machine, session.current_state)
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
    const next = resolver.stateOf(machine, decision.current_state)
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
    background.afterCommit(ctx, session.session_id, summarization)
    return { message: reply, ...metadataOf(ctx, turn) }
  }

  return { prepare, metadataOf, commit }
}

export type Turns = ReturnType<typeof createTurns>
