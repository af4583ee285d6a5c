// A streamed turn: metadata once the turn is decided, the reply's deltas as produced, the commit when the reply ends.
import type { Context } from './chat-context.ts'
import type { LlmInput, TurnStream } from './chat-types.ts'
import type { PreparedTurn, Turns } from './chat-turn.ts'
import type { SessionQueue } from './session-queue.ts'
import { stepTrace, type Steps } from './steps.ts'

/**
 * Starts a streamed turn. Resolves once the turn is decided (any earlier failure rejects: the route
 * answers a JSON error); the session's slot is held until the commit or the failure of the reply.
 */
export async function streamTurn (deps: { steps: Steps, turns: Turns, queue: SessionQueue }, ctx: Context, a: LlmInput & { message: string }): Promise<TurnStream> {
  const { steps, turns, queue } = deps
  const release = await queue.acquire(ctx.queueKey)
  let turn: PreparedTurn
  let stream: ReturnType<typeof steps.streamReply>
  try {
    turn = await turns.prepare(ctx, a)
    stream = steps.streamReply(turn.configs.response, turn.replyInput, a.signal)
  } catch (err) {
    release()
    throw err
  }
  const done = (async () => {
    try {
      const final = await stream.final
      return turns.commit(ctx, turn, final.text.trim(), stepTrace(final.model, final.usage, final.latencyMs), turn.configs.summarization)
    } finally {
      release()
    }
  })()
  // The route may never await `done` (client gone): its rejection must not go unhandled.
  done.catch(() => {})
  return { metadata: turns.metadataOf(ctx, turn), textStream: stream.textStream, done }
}
