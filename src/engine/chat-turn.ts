// One turn's pieces around the LLM calls: what it reads, the decision and its reply input, the metadata, the single commit.
import { Errors } from '../errors.ts'
import type { StepConfigs } from '../llm/keys.ts'
import { StaleSessionError, type NewMessage, type ProgressRecord, type SessionRecord, type SessionsRepository } from '../repositories/sessions-repository.ts'
import type { Background } from './chat-background.ts'
import { playerOf, progressSnapshot, SESSION_NOT_FOUND, toChat, type Context, type Resolver } from './chat-context.ts'
import type { ChatResponse, LlmInput, StepTrace, TurnTimeline, TurnTrace, UnlockedMachineInfo } from './chat-types.ts'
import { applyEvaluation, outgoingTransitions, type Evaluation, type TurnDecision } from './core.ts'
import type { GraphState } from './graph.ts'
import type { Conversation, EvaluationInput, ReplyInput, ReplyMode } from './prompts.ts'
import type { EvaluationResult } from './steps.ts'

/** Everything a turn reads before its LLM calls. */
export interface TurnBasis {
  session: SessionRecord
  configs: StepConfigs
  progress: ProgressRecord
  /** The current state (before the turn). */
  state: GraphState
  evaluationInput: EvaluationInput
  message: string
}

/** A turn decided and ready for its reply. */
export interface PreparedTurn extends TurnBasis {
  decision: TurnDecision
  replyInput: ReplyInput
}

/** How the turn ran, kept in its trace. */
export interface TurnRun {
  timeline: TurnTimeline
  /** Tokens of a speculative reply that was discarded (0 when none was). */
  wasted: { in: number, out: number }
}

export interface TurnOptions {
  repos: { sessions: SessionsRepository }
  resolver: Resolver
  background: Background
  window: number
}

/** The turn's steps before and after the reply (SPEC §6). */
export function createTurns ({ repos, resolver, background, window }: TurnOptions) {
  async function conversationOf (session: SessionRecord): Promise<Conversation> {
    const unsummarized = await repos.sessions.messagesAfter(session.session_id, session.summarized_count)
    return { summary: session.summary, recent: toChat(unsummarized.slice(-window)) }
  }

  /** Checks the session and resolves keys; reads what the evaluation and the reply need. */
  async function begin (ctx: Context, a: LlmInput & { message: string }): Promise<TurnBasis> {
    const session = await resolver.activeSession(ctx)
    const configs = resolver.stepConfigs(ctx, a.headers)
    const { machine, persona } = ctx
    const progress = await repos.sessions.progress(ctx.scope, persona.id, session.user_session_id)
    const state = resolver.stateOf(machine, session.current_state)
    const evaluationInput: EvaluationInput = {
      persona,
      machine,
      state,
      transitions: outgoingTransitions(machine, session.current_state),
      player: playerOf(session),
      conversation: await conversationOf(session),
      message: a.message
    }
    return { session, configs, progress, state, evaluationInput, message: a.message }
  }

  function replyInputOf (basis: TurnBasis, state: GraphState, mode: ReplyMode): ReplyInput {
    const { persona, machine, player, conversation } = basis.evaluationInput
    return { persona, machine, state, mode, player, memory: basis.progress.memory_summary, conversation, message: basis.message }
  }

  /** The reply input of the turn if its decision leaves the state and the mode as they are. */
  function unchangedReplyInput (basis: TurnBasis): ReplyInput {
    return replyInputOf(basis, basis.state, { kind: 'continue' })
  }

  /** Applies the evaluator's decision (pure core) and derives the reply input. */
  function decide (ctx: Context, basis: TurnBasis, evaluation: Evaluation): PreparedTurn {
    const decision = applyEvaluation(ctx.machine, ctx.graph.machine_links, basis.session, evaluation, progressSnapshot(basis.progress))
    const next = resolver.stateOf(ctx.machine, decision.current_state)
    const mode: ReplyMode = decision.outcome !== null
      ? { kind: 'completed', outcome: decision.outcome }
      : decision.follow_up
        ? { kind: 'follow_up', condition: basis.state.follow_up_condition ?? '' }
        : { kind: 'continue' }
    return { ...basis, decision, replyInput: replyInputOf(basis, next, mode) }
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
  async function commit (ctx: Context, turn: PreparedTurn, evaluation: EvaluationResult, reply: string, replyTrace: StepTrace, run: TurnRun): Promise<ChatResponse> {
    const { session, decision } = turn
    const trace: TurnTrace = {
      transition_id: decision.transition?.transition_id ?? null,
      decision: decision.decision,
      evaluator_reason: evaluation.reason,
      fallback: evaluation.fallback,
      steps: { ...(evaluation.trace ? { evaluate: evaluation.trace } : {}), reply: replyTrace },
      timeline: run.timeline,
      wasted_tokens: { tokens_in: run.wasted.in, tokens_out: run.wasted.out }
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
      await repos.sessions.commitTurn({
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
          in: (evaluation.trace?.tokens_in ?? 0) + replyTrace.tokens_in + run.wasted.in,
          out: (evaluation.trace?.tokens_out ?? 0) + replyTrace.tokens_out + run.wasted.out,
          wastedIn: run.wasted.in,
          wastedOut: run.wasted.out
        }
      })
    } catch (err) {
      // Only a reset or re-init racing this turn gets here (turns themselves are serialized).
      if (err instanceof StaleSessionError) {
        if (await repos.sessions.findById(session.session_id) === null) throw new Errors.NotFound(SESSION_NOT_FOUND)
        throw new Errors.BadRequest('The session changed while this message was processed; send it again')
      }
      throw err
    }
    background.afterCommit(ctx, session.session_id, turn.configs.summarization)
    return { message: reply, ...metadataOf(ctx, turn) }
  }

  return { begin, unchangedReplyInput, decide, metadataOf, commit }
}

export type Turns = ReturnType<typeof createTurns>
