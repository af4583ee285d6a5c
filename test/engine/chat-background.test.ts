// Background work after commits: many summaries running at once share the close signal without a listener warning.
import t from 'tap'
import { createBackground } from '../../src/engine/chat-background.ts'
import type { Context } from '../../src/engine/chat-context.ts'
import type { StepConfig } from '../../src/llm/client.ts'
import type { SessionRecord, SessionsRepository, StoredMessage } from '../../src/repositories/sessions-repository.ts'
import type { Steps } from '../../src/engine/steps.ts'

const RUNNING = 15

t.test(`${RUNNING} summaries in flight at once: each listens on the close signal, no MaxListenersExceededWarning, close aborts them all`, async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error) => { warnings.push(w.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })

  const session = (id: string): SessionRecord => ({ session_id: id, message_count: 30, summarized_count: 0, summary: '', player_name: 'Ada', player_gender: 'female' }) as SessionRecord
  const message = (seq: number): StoredMessage => ({ seq, role: seq % 2 === 0 ? 'user' : 'assistant', content: `m${seq}` }) as StoredMessage
  let started = 0
  let allStarted = () => {}
  const everyoneIn = new Promise<void>((resolve) => { allStarted = resolve })
  const aborted: string[] = []
  const steps = {
    // Like the LLM client: one abort listener per call on the signal it is given, held until it ends.
    summarize: async (_step: unknown, _input: unknown, signal?: AbortSignal) => {
      if (++started === RUNNING) allStarted()
      return await new Promise<never>((_resolve, reject) => {
        signal?.addEventListener('abort', () => { aborted.push('summary'); reject(new Error('aborted')) }, { once: true })
      })
    },
    extract: async () => null
  } as unknown as Steps
  const sessions = {
    findById: async (id: string) => session(id),
    messagesAfter: async () => Array.from({ length: 30 }, (_, i) => message(i + 1)),
    saveSummary: async () => { throw new Error('a held summary never finishes') },
    pendingExtractions: async () => []
  } as unknown as SessionsRepository
  const logged: string[] = []
  const background = createBackground({
    repos: { sessions },
    steps,
    log: { warn: (_o, msg) => { logged.push(msg) }, error: (_o, msg) => { logged.push(msg) } },
    window: 16,
    keep: 8
  })
  const ctx = { key: { userSessionId: 'player' }, scope: 'sdk:u', persona: { id: 'p' }, machine: {}, graph: { machines: [] } } as unknown as Context
  for (let i = 0; i < RUNNING; i++) background.afterCommit(ctx, `session-${i}`, {} as StepConfig)
  await everyoneIn
  await new Promise((resolve) => setImmediate(resolve))
  t.strictSame(warnings, [], 'no warning while they run')

  await background.close(10)
  await background.drain(1000)
  t.equal(aborted.length, RUNNING, 'close aborted every running summary')
  t.equal(logged.filter((m) => m.startsWith('rolling summary failed')).length, RUNNING, 'each is logged, to be retried on a later turn')
  // close waited for its deadline with a timer of the time left (a timer past 2^31 ms would warn and fire at once).
  t.strictSame(warnings, [], 'no warning at close either')
})
