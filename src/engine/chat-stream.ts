// A streamed turn: metadata once the turn is decided, the reply's deltas as produced, the commit when the reply ends.
import type { Context } from './chat-context.ts'
import type { LlmInput, TurnStream } from './chat-types.ts'
import { startTurn, type PipelineDeps } from './chat-pipeline.ts'
import type { SessionQueue } from './session-queue.ts'

/**
 * Starts a streamed turn. Resolves once the turn is decided (any earlier failure rejects: the route
 * answers a JSON error); the session's slot is held until the commit or the failure of the reply.
 */
export async function streamTurn (deps: PipelineDeps & { queue: SessionQueue }, ctx: Context, a: LlmInput & { message: string }, startedAt: number): Promise<TurnStream> {
  const release = await deps.queue.acquire(ctx.queueKey)
  let started
  try {
    started = await startTurn(deps, ctx, a, true, startedAt)
  } catch (err) {
    release()
    throw err
  }
  const done = (async () => {
    try {
      return await started.finish()
    } finally {
      release()
    }
  })()
  // The route may never await `done` (client gone): its rejection must not go unhandled.
  done.catch(() => {})
  return { metadata: deps.turns.metadataOf(ctx, started.turn), textStream: started.textStream, done }
}
