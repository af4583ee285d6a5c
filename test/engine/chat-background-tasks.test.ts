// Background summaries and extractions over stand-in repositories, steps and locks: when each runs, what it reads and saves, what it skips and logs.
import t from 'tap'
import { createBackground } from '../../src/engine/chat-background.ts'
import type { Context } from '../../src/engine/chat-context.ts'
import type { StepConfig } from '../../src/llm/client.ts'
import type { BackgroundLocks } from '../../src/engine/session-queue.ts'

const WINDOW = 4
const KEEP = 2
const STEP = { model: 'openai/gpt-4o-mini', apiKey: 'sk-test' } as StepConfig
const ctx = {
  key: { userSessionId: 'player' },
  scope: 'sdk:u',
  persona: { id: 'p', name: 'Vex' },
  machine: { machine_key: 'door', name: 'The Door' },
  graph: { machines: [{ machine_id: 'm1', machine_key: 'door', name: 'The Door' }] }
} as unknown as Context

interface Session { session_id: string, message_count: number, summarized_count: number, summary: string, extraction_pending: boolean, outcome: string | null, player_name: string, player_gender: string }
const session = (over: Partial<Session> = {}): Session => ({
  session_id: 's1', message_count: 20, summarized_count: 0, summary: 'So far.', extraction_pending: true, outcome: 'ACCEPT', player_name: 'Ada', player_gender: 'female', ...over
})

function world (opts: { sessions?: Record<string, Session | null>, pending?: Array<{ session_id: string, machine_id: string, outcome: string | null }>, extract?: (input: any) => unknown, summarize?: () => unknown, held?: string[], findFails?: boolean, onLock?: (key: string) => void }) {
  const sessions = opts.sessions ?? { s1: session() }
  const calls: { extract: any[], summarize: any[], saved: any[], summaries: any[], locked: string[], released: string[], logs: Array<[string, string, object]> } =
    { extract: [], summarize: [], saved: [], summaries: [], locked: [], released: [], logs: [] }
  const repos = {
    sessions: {
      async findById (id: string) { if (opts.findFails === true) throw new Error('database gone'); return sessions[id] ?? null },
      async messagesAfter (_id: string, after: number) {
        const count = sessions.s1?.message_count ?? 0
        return Array.from({ length: count - after }, (_, i) => ({ seq: after + i + 1, role: (after + i) % 2 === 0 ? 'user' : 'assistant', content: `m${after + i + 1}` }))
      },
      async pendingExtractions () { return opts.pending ?? [] },
      async saveExtraction (id: string, key: unknown, result: { variables: unknown, mergeMemory: (m: string) => string, traceStep: unknown }) {
        calls.saved.push({ id, key, variables: result.variables, memory: result.mergeMemory('Earlier.'), traceStep: result.traceStep })
      },
      async saveSummary (...args: unknown[]) { calls.summaries.push(args) }
    }
  }
  const steps = {
    async extract (_step: unknown, input: any) { calls.extract.push(input); return opts.extract ? await opts.extract(input) : { variables: { name: 'Ada' }, memory: 'They met.', trace: { model: 'm' } } },
    async summarize (_step: unknown, input: any) { calls.summarize.push(input); return opts.summarize ? await opts.summarize() : { summary: 'Shorter.' } }
  }
  const locks: BackgroundLocks = {
    async tryLock (key: string) {
      if (opts.held?.includes(key)) return null
      calls.locked.push(key)
      opts.onLock?.(key)
      return () => { calls.released.push(key) }
    }
  } as BackgroundLocks
  const log = { warn: (obj: object, msg: string) => { calls.logs.push(['warn', msg, obj]) }, error: (obj: object, msg: string) => { calls.logs.push(['error', msg, obj]) } }
  const background = createBackground({ repos: repos as never, steps: steps as never, log, window: WINDOW, keep: KEEP, locks })
  return { background, calls }
}

t.test('an extraction reads the session under its lock and saves the variables, the memory and the trace', async (t) => {
  const { background, calls } = world({ pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }] })
  background.afterInit(ctx, 'player', STEP)
  await background.drain()
  t.same(calls.locked, ['extract:s1'])
  t.same(calls.released, ['extract:s1'])
  t.equal(calls.extract.length, 1)
  const input = calls.extract[0]
  t.equal(input.outcome, 'ACCEPT')
  t.same(input.player, { name: 'Ada', gender: 'female' })
  t.equal(input.machine.name, 'The Door')
  t.equal(input.conversation.summary, 'So far.')
  t.same(input.conversation.recent.map((m: { content: string }) => m.content), ['m13', 'm14', 'm15', 'm16', 'm17', 'm18', 'm19', 'm20'], 'the last 2 × window messages')
  t.same(calls.saved, [{ id: 's1', key: { scope: 'sdk:u', personaId: 'p', userSessionId: 'player' }, variables: { name: 'Ada' }, memory: 'Earlier.\n\nThe Door: They met.', traceStep: { model: 'm' } }])
  t.same(calls.logs, [])
})

t.test('an extraction is skipped for an unknown machine, a session without outcome, one already done, gone or locked elsewhere', async (t) => {
  const cases: Array<[string, Parameters<typeof world>[0]]> = [
    ['a machine the persona no longer has', { pending: [{ session_id: 's1', machine_id: 'gone', outcome: 'ACCEPT' }] }],
    ['a pending row without outcome', { pending: [{ session_id: 's1', machine_id: 'm1', outcome: null }] }],
    ['a session deleted meanwhile', { sessions: { s1: null }, pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }] }],
    ['a session already extracted by another instance', { sessions: { s1: session({ extraction_pending: false }) }, pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }] }],
    ['a session whose outcome was reset', { sessions: { s1: session({ outcome: null }) }, pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }] }],
    ['a session another instance is extracting', { held: ['extract:s1'], pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }] }]
  ]
  for (const [name, opts] of cases) {
    const { background, calls } = world(opts)
    background.afterInit(ctx, 'player', STEP)
    await background.drain()
    t.same([calls.extract.length, calls.saved.length], [0, 0], name)
    t.same(calls.logs, [], `${name}: skipped without a warning`)
    t.same(calls.released, calls.locked, `${name}: every lock taken is released`)
  }
})

t.test('an answer that stays invalid is saved as nothing (logged); an empty memory leaves the memory as it was', async (t) => {
  const invalid = world({ pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'REJECT' }], extract: () => null })
  invalid.background.afterInit(ctx, 'player', STEP)
  await invalid.background.drain()
  t.same(invalid.calls.saved, [{ id: 's1', key: { scope: 'sdk:u', personaId: 'p', userSessionId: 'player' }, variables: {}, memory: 'Earlier.', traceStep: null }])
  t.same(invalid.calls.logs, [['warn', 'output-variable extraction gave no valid answer; skipped', { sessionId: 's1' }]])

  const silent = world({ pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }], extract: () => ({ variables: { x: '1' }, memory: '', trace: null }) })
  silent.background.afterInit(ctx, 'player', STEP)
  await silent.background.drain()
  t.same(silent.calls.saved.map((c: { variables: unknown, memory: string }) => [c.variables, c.memory]), [[{ x: '1' }, 'Earlier.']])
  t.same(silent.calls.logs, [])
})

t.test('a failed extraction is logged, its lock released, and left pending for a later turn', async (t) => {
  const failure = new Error('provider down')
  const { background, calls } = world({ pending: [{ session_id: 's1', machine_id: 'm1', outcome: 'ACCEPT' }], extract: () => { throw failure } })
  background.afterCommit(ctx, 'other-session', STEP)
  await background.drain()
  t.same(calls.saved, [])
  t.same(calls.released, ['extract:s1'])
  t.same(calls.logs, [['warn', 'output-variable extraction failed; retried on a later turn', { err: failure, sessionId: 's1' }]])
})

t.test('a summary runs only when more than window messages are unsummarized, under its lock, folding all but keep', async (t) => {
  for (const [count, summarized, due] of [[10, 6, false], [10, 5, true], [24, 20, false], [5, 0, true]] as const) {
    const { background, calls } = world({ sessions: { s1: session({ message_count: count, summarized_count: summarized }) } })
    background.afterCommit(ctx, 's1', STEP)
    await background.drain()
    t.equal(calls.summarize.length, due ? 1 : 0, `${count} messages, ${summarized} summarized: ${due ? '' : 'not '}due`)
    if (due) {
      t.same(calls.summaries, [['s1', summarized, 'Shorter.', count - KEEP]], 'saved from its count, up to the last folded message')
      t.same(calls.summarize[0].folded.map((m: { content: string }) => m.content), Array.from({ length: count - summarized - KEEP }, (_, i) => `m${summarized + i + 1}`))
      t.equal(calls.summarize[0].previousSummary, 'So far.')
      t.same(calls.locked.filter((k) => k.startsWith('summary:')), ['summary:s1'])
    }
  }
  const held = world({ held: ['summary:s1'] })
  held.background.afterCommit(ctx, 's1', STEP)
  await held.background.drain()
  t.equal(held.calls.summarize.length, 0, 'another instance holds the summary lock')

  // Due when first read, but another instance folded the messages before this one got the lock.
  const sessions = { s1: session({ message_count: 10, summarized_count: 0 }) }
  const folded = world({ sessions, onLock: (key) => { if (key === 'summary:s1') sessions.s1.summarized_count = 8 } })
  folded.background.afterCommit(ctx, 's1', STEP)
  await folded.background.drain()
  t.same([folded.calls.summarize.length, folded.calls.summaries.length], [0, 0], 'read again under the lock: no longer due, nothing folded twice')
  t.same(folded.calls.released, folded.calls.locked, 'its lock released')
  t.same(folded.calls.logs, [])
})

t.test('a failed summary is logged with its session, its lock released, nothing saved', async (t) => {
  const failure = new Error('provider down')
  const { background, calls } = world({ sessions: { s1: session({ message_count: 10, summarized_count: 0 }) }, summarize: () => { throw failure } })
  background.afterCommit(ctx, 's1', STEP)
  await background.drain()
  t.same(calls.summaries, [])
  t.same(calls.released.filter((k) => k.startsWith('summary:')), ['summary:s1'])
  t.same(calls.logs, [['warn', 'rolling summary failed; retried on a later turn', { err: failure, sessionId: 's1' }]])
})

t.test('after close no task starts, even one queued just before; a task that throws before its own guard is logged', async (t) => {
  const queued = world({})
  queued.background.afterCommit(ctx, 's1', STEP)
  await queued.background.close(0)
  await queued.background.drain()
  queued.background.afterCommit(ctx, 's1', STEP)
  await queued.background.drain()
  t.same([queued.calls.summarize.length, queued.calls.locked.length], [0, 0])

  const broken = world({ findFails: true })
  broken.background.afterCommit(ctx, 's1', STEP)
  await broken.background.drain()
  t.match(broken.calls.logs, [['error', 'chat background task failed', { err: { message: 'database gone' } }]])
})
