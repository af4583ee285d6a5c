// Work after a turn's commit, off the reply's critical path: rolling summaries and output-variable extraction.
import { setMaxListeners } from 'node:events'
import type { StepConfig } from '../llm/client.ts'
import type { SessionRecord, SessionsRepository } from '../repositories/sessions-repository.ts'
import { playerOf, toChat, type Context } from './chat-context.ts'
import { appendMemory } from './prompts.ts'
import { createLocalLocks, type BackgroundLocks } from './session-queue.ts'
import type { Steps } from './steps.ts'

export interface BackgroundOptions {
  repos: { sessions: SessionsRepository }
  steps: Steps
  log: { warn: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }
  /** Unsummarized messages a prompt may see; more are folded into the summary until `keep` remain. */
  window: number
  keep: number
  /** One summary / extraction per session at a time (default: in this process only). */
  locks?: BackgroundLocks
}

/**
 * Background tasks of the chat service. Each is tracked (so close can wait for it), never fails a
 * turn, and is retried on a later turn when it fails; one summary / extraction per session at a time.
 */
export function createBackground ({ repos, steps, log, window, keep, locks = createLocalLocks() }: BackgroundOptions) {
  const tasks = new Set<Promise<void>>()
  const closing = new AbortController()
  // Every running summary or extraction listens on this one signal (its LLM call does): many at once
  // is the normal case under load, not a leaked listener, so Node's default warning at 11 is lifted.
  setMaxListeners(0, closing.signal)

  function track (task: () => Promise<void>) {
    if (closing.signal.aborted) return
    // Tracked at once (drain and close see it), started on the next turn of the event loop: its first
    // queries and its LLM request are then off the path of the response that triggered it.
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => { if (!closing.signal.aborted) await task() })
      .catch((err) => log.error({ err }, 'chat background task failed'))
    tasks.add(p)
    p.finally(() => tasks.delete(p)).catch(() => {})
  }

  async function summarize (ctx: Context, sessionId: string, step: StepConfig) {
    // seq runs 1..message_count and summarized_count is the last folded seq: count before reading.
    const due = (s: SessionRecord | null): s is SessionRecord => s !== null && s.message_count - s.summarized_count > window
    if (!due(await repos.sessions.findById(sessionId))) return
    const release = await locks.tryLock(`summary:${sessionId}`)
    if (release === null) return
    try {
      // Read again under the lock: another instance may have folded these messages meanwhile.
      const session = await repos.sessions.findById(sessionId)
      if (!due(session)) return
      const unsummarized = await repos.sessions.messagesAfter(sessionId, session.summarized_count)
      const folded = unsummarized.slice(0, unsummarized.length - keep)
      const { summary } = await steps.summarize(step, {
        persona: ctx.persona,
        machine: ctx.machine,
        player: playerOf(session),
        previousSummary: session.summary,
        folded: toChat(folded)
      }, closing.signal)
      await repos.sessions.saveSummary(sessionId, session.summarized_count, summary, folded[folded.length - 1].seq)
    } catch (err) {
      log.warn({ err, sessionId }, 'rolling summary failed; retried on a later turn')
    } finally {
      release()
    }
  }

  async function extractPending (ctx: Context, userSessionId: string, step: StepConfig) {
    for (const pending of await repos.sessions.pendingExtractions(ctx.scope, ctx.persona.id, userSessionId)) {
      const machine = ctx.graph.machines.find((m) => m.machine_id === pending.machine_id)
      if (machine === undefined || pending.outcome === null) continue
      const release = await locks.tryLock(`extract:${pending.session_id}`)
      if (release === null) continue
      try {
        // Read again under the lock: another instance may have extracted it meanwhile.
        const session = await repos.sessions.findById(pending.session_id)
        if (session === null || !session.extraction_pending || session.outcome === null) continue
        const unsummarized = await repos.sessions.messagesAfter(session.session_id, session.summarized_count)
        const result = await steps.extract(step, {
          persona: ctx.persona,
          machine,
          player: playerOf(session),
          outcome: session.outcome,
          conversation: { summary: session.summary, recent: toChat(unsummarized.slice(-2 * window)) }
        }, closing.signal)
        if (result === null) log.warn({ sessionId: session.session_id }, 'output-variable extraction gave no valid answer; skipped')
        await repos.sessions.saveExtraction(session.session_id, { scope: ctx.scope, personaId: ctx.persona.id, userSessionId }, {
          variables: result?.variables ?? {},
          mergeMemory: (previous) => result === null || result.memory === '' ? previous : appendMemory(previous, `${machine.name}: ${result.memory}`),
          traceStep: result?.trace ?? null
        })
      } catch (err) {
        log.warn({ err, sessionId: pending.session_id }, 'output-variable extraction failed; retried on a later turn')
      } finally {
        release()
      }
    }
  }

  /** Waits (at most timeoutMs) until no background task is left. */
  async function drain (timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    // A task may start another (a summary after an extraction), so wait until none is left.
    while (tasks.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...tasks]),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, deadline - Date.now()) })
      ])
      clearTimeout(timer)
    }
  }

  return {
    /** After a turn's commit: the session's summary and the player's pending extractions. */
    afterCommit (ctx: Context, sessionId: string, step: StepConfig) {
      track(() => summarize(ctx, sessionId, step))
      track(() => extractPending(ctx, ctx.key.userSessionId, step))
    },
    /** After an init: extractions a previous machine of this player still owes. */
    afterInit (ctx: Context, userSessionId: string, step: StepConfig) {
      track(() => extractPending(ctx, userSessionId, step))
    },
    drain,
    /** Drains, then aborts what is still running and starts no more background work. */
    async close (timeoutMs = 5000) {
      await drain(timeoutMs)
      // Whatever is still running is cut off: it is retried on a later turn after a restart.
      closing.abort()
    }
  }
}

export type Background = ReturnType<typeof createBackground>
