// The turn pipeline: evaluate (whole or streamed) → decide → reply, with the reply speculated during the evaluation when enabled.
import type { Context } from './chat-context.ts'
import type { ReplyInput } from './prompts.ts'
import type { ChatResponse, LlmInput, TurnTimeline } from './chat-types.ts'
import type { PreparedTurn, TurnBasis, Turns } from './chat-turn.ts'
import { startStreamedReply, startWholeReply, replyRequest, type RunningReply } from './reply-run.ts'
import { stepTrace, type EvaluationDecision, type EvaluationResult, type Steps } from './steps.ts'

export type PipelineKind = 'sequential' | 'streamed'

export interface PipelineSettings {
  /** sequential: the whole evaluation, then the reply; streamed: decide as soon as the streamed answer holds the decision. */
  pipeline: PipelineKind
  /** Start the reply the turn gets when its reply input does not change while the evaluation runs. */
  speculativeReply: boolean
  /** With speculativeReply: also start the replies of up to this many offered transitions (priority order) that change the reply. */
  speculativeTransitions: number
}

/** Per-request override of PipelineSettings.speculativeReply: `on` or `off`. */
export const SPECULATION_HEADER = 'x-rapport-speculative-reply'

export const DEFAULT_PIPELINE: PipelineSettings = { pipeline: 'streamed', speculativeReply: true, speculativeTransitions: 0 }

function speculationWanted (settings: PipelineSettings, headers: LlmInput['headers']): boolean {
  const value = headers[SPECULATION_HEADER]
  if (value === 'on') return true
  if (value === 'off') return false
  return settings.speculativeReply
}

/**
 * The speculative replies of a turn: the unchanged-state one, then those of up to
 * `speculativeTransitions` offered transitions (priority order), then, while the streamed evaluation
 * runs, the one of each transition its answer seems to be heading for (steps.evaluateStreamed's
 * `onLikely`). Each is what the turn's own decision would produce (the same pure decide), and none
 * starts whose reply request equals one already started. A streamed turn speculates streamed replies;
 * the non-streamed route whole ones, like its own reply.
 */
function speculations (deps: PipelineDeps, ctx: Context, basis: TurnBasis, signal: AbortSignal, streamed: boolean) {
  const { steps, turns, settings } = deps
  const response = basis.configs.response
  const start = streamed ? startStreamedReply : startWholeReply
  const started: RunningReply[] = []
  let closed = false
  const add = (input: ReplyInput) => {
    if (closed) return
    const request = replyRequest(response, input)
    if (!started.some((s) => s.request() === request)) started.push(start(steps, response, input, signal))
  }
  const ofTransition = (transitionId: string | null) => turns.decide(ctx, basis, { transition_id: transitionId, follow_up: false }).replyInput
  return {
    started,
    begin () {
      add(turns.unchangedReplyInput(basis))
      for (const t of basis.evaluationInput.transitions) {
        if (started.length > settings.speculativeTransitions) break
        add(ofTransition(t.transition_id ?? null))
      }
    },
    likely (transitionId: string) { add(ofTransition(transitionId)) },
    /** No more replies start: the turn is decided (or failed). */
    close () { closed = true }
  }
}

/** A decided turn whose reply is running. */
export interface StartedTurn {
  turn: PreparedTurn
  /** The reply's deltas (the buffered ones of a speculated reply first); throws the turn's failure. */
  textStream: AsyncIterable<string>
  /** Waits for the reply and the evaluation's end, then commits; aborts what still runs on failure. */
  finish: () => Promise<ChatResponse>
}

export interface PipelineDeps {
  steps: Steps
  turns: Turns
  settings: PipelineSettings
}

/**
 * Runs a turn up to its decision and starts its reply (streamed or whole). Rejects (nothing
 * committed, nothing left running) when the turn fails before the decision.
 */
export async function startTurn (deps: PipelineDeps, ctx: Context, a: LlmInput & { message: string }, streamed: boolean, startedAt: number): Promise<StartedTurn> {
  const { steps, turns, settings } = deps
  const since = () => Math.round(performance.now() - startedAt)
  const basis = await turns.begin(ctx, a)
  // Ends whatever still runs (evaluation, replies) once the turn has failed.
  const failed = new AbortController()
  const signal = a.signal ? AbortSignal.any([a.signal, failed.signal]) : failed.signal
  const response = basis.configs.response

  const evaluationStart = since()
  const speculating = speculationWanted(settings, a.headers) && steps.needsEvaluation(basis.evaluationInput)
  const speculative = speculations(deps, ctx, basis, signal, streamed)
  const speculated = speculative.started
  // The evaluation first: it is on the critical path, the speculative replies have slack.
  const evaluation: { decision: Promise<EvaluationDecision>, result: Promise<EvaluationResult> } = settings.pipeline === 'streamed'
    ? steps.evaluateStreamed(basis.configs.eval, basis.evaluationInput, signal, speculating ? speculative.likely : undefined)
    : (() => { const whole = steps.evaluate(basis.configs.eval, basis.evaluationInput, signal); return { decision: whole, result: whole } })()
  if (speculating) speculative.begin()
  // A failure after the decision (the evaluation's rest) fails the turn at once: stop the reply too.
  let evaluationFailure: unknown = null
  evaluation.result.catch((err: unknown) => {
    evaluationFailure = err
    failed.abort()
  })

  let turn: PreparedTurn
  try {
    turn = turns.decide(ctx, basis, await evaluation.decision)
  } catch (err) {
    failed.abort()
    throw err
  } finally {
    speculative.close()
  }
  const decisionAt = performance.now()

  const decided = speculated.length === 0 ? '' : replyRequest(response, turn.replyInput)
  const match = speculated.find((s) => s.request() === decided)
  const wasted = { in: 0, out: 0 }
  for (const s of speculated) {
    if (s === match) continue
    s.abort()
    const spent = s.tokens()
    wasted.in += spent.in
    wasted.out += spent.out
  }
  const speculation: TurnTimeline['speculation'] = speculated.length === 0 ? 'off' : match !== undefined ? 'used' : 'discarded'
  const reply: RunningReply = match ??
    (streamed ? startStreamedReply(steps, response, turn.replyInput, signal) : startWholeReply(steps, response, turn.replyInput, signal))

  return {
    turn,
    textStream: {
      async * [Symbol.asyncIterator] () {
        try {
          yield * reply.textStream
        } catch (err) {
          // The reply stopped because the evaluation failed: that is the turn's failure.
          throw evaluationFailure ?? err
        }
      }
    },
    async finish () {
      try {
        const [final, result] = await Promise.all([reply.final, evaluation.result])
        const first = reply.firstTokenAt()
        const timeline: TurnTimeline = {
          pipeline: settings.pipeline,
          evaluation_start_ms: evaluationStart,
          decision_ms: Math.round(decisionAt - startedAt),
          reply_first_token_ms: first === null ? null : Math.round(Math.max(first, decisionAt) - startedAt),
          end_ms: since(),
          speculation
        }
        return await turns.commit(ctx, turn, result, final.text, stepTrace(final.model, final.usage, final.latencyMs), { timeline, wasted })
      } catch (err) {
        failed.abort()
        throw err
      }
    }
  }
}
