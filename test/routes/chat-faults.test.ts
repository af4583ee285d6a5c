// Provider faults during chat turns: each maps to its status (or a stream `error` event) and leaves the session and history exactly as before.
import t, { type Test } from 'tap'
import { chatSetup, type ChatSetup, type Role } from '../helpers/chat.ts'
import type { FakeScript } from '../helpers/fake-llm.ts'
import { parseSse } from '../helpers/sse.ts'

// About 30 tests, each with its own app and accounts: on a loaded 2-core machine more than tap's 240 s per file.
t.setTimeout(600_000)

interface Fault {
  name: string
  script: FakeScript
  status: number
  message: string | RegExp
  retryAfter?: string
  /** Provider calls of the failing step (a retried fault is called twice), under every pipeline: the non-streamed route's reply, speculated or not, is a whole call. */
  calls: number
}

const KEY_REJECTED = 'The LLM provider rejected the LLM API key (X-LLM-API-Key)'

const FAULTS: Fault[] = [
  { name: '401 invalid key', script: { status: 401 }, status: 401, message: KEY_REJECTED, calls: 1 },
  { name: '429 with a retry hint', script: { status: 429, retryAfter: 7 }, status: 429, message: 'The LLM provider rate-limited the request; retry later', retryAfter: '7', calls: 1 },
  { name: '500 outage', script: { status: 500 }, status: 500, message: 'LLM provider error: the provider answered 500', calls: 2 },
  { name: '400 unknown model', script: { status: 404 }, status: 400, message: /^The LLM provider rejected the request: The model `gpt-4o-mini` does not exist/, calls: 1 },
  { name: 'slow first token (timeout)', script: { firstTokenDelayMs: 3000, text: 'late' }, status: 500, message: 'LLM provider error: timed out', calls: 0 },
  { name: 'connection cut mid-way', script: { cutAfterChunks: 1, text: 'cut off here' }, status: 500, message: 'LLM provider error: could not reach the provider or the connection was interrupted', calls: 2 },
  { name: 'malformed response', script: { malformed: true }, status: 500, message: 'LLM provider error: the provider sent an invalid response', calls: 0 }
]

async function setup (t: Test) {
  // 1.5 s: short enough for the slow-first-token fault (3 s), long enough for a loaded machine.
  const c = await chatSetup(t, { env: { LLM_TIMEOUT_MS: '1500' } })
  c.reply('Hi.')
  const started = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })
  t.equal(started.statusCode, 200)
  c.evaluate('door:approach->approach:redirect')
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'first' })).statusCode, 200)
  return c
}

const snapshot = async (c: ChatSetup) => {
  await c.app.chat.drain()
  return (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1&include_trace=true`)).json()
}

/** Calls of a step whose answer the engine took (a discarded speculative reply is aborted, so it does not count). */
async function count (c: ChatSetup, role: Role) {
  await c.settled()
  return c.answeredOf(role).length
}

async function retryAfterFault (t: Test, c: ChatSetup) {
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Welcome.')
  const ok = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'again' })
  t.equal(ok.statusCode, 200, 'the same session takes the next message')
  t.same([ok.json().current_state, ok.json().score, ok.json().redirect_count], ['guest_list', 0, 0], 'from the state before the fault')
}

for (const step of ['evaluate', 'reply'] as const) {
  for (const fault of FAULTS) {
    t.test(`POST /sdk/chat/:id/message with ${fault.name} on the ${step} step answers ${fault.status} and commits nothing`, async (t) => {
      const c = await setup(t)
      const before = await snapshot(c)
      const calls = await count(c, step)
      c.failing(step, fault.script)
      const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'second' })
      c.failing(step, null)
      t.equal(res.statusCode, fault.status)
      t.match(res.json(), { error: { message: fault.message } })
      t.same(Object.keys(res.json()), ['error'])
      t.same(Object.keys(res.json().error), ['message'])
      if (fault.retryAfter) t.equal(res.headers['retry-after'], fault.retryAfter)
      if (fault.calls > 0) t.equal(await count(c, step) - calls, fault.calls, `${fault.calls} provider call(s) of the step`)
      if (step === 'evaluate') {
        t.equal(await count(c, 'reply'), 2, 'no reply answered after a failed evaluation')
        t.ok(c.requestsOf('reply').slice(2).every((r) => r.aborted), 'a speculated reply was aborted upstream')
      }
      t.notMatch(res.body, 'sk-test', 'the LLM key is never echoed')
      t.same(await snapshot(c), before, 'session and history unchanged')
      await retryAfterFault(t, c)
    })
  }
}

for (const fault of FAULTS) {
  t.test(`stream: ${fault.name} on the evaluation is a JSON ${fault.status}`, async (t) => {
    const c = await setup(t)
    const before = await snapshot(c)
    c.failing('evaluate', fault.script)
    const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'second' })
    c.failing('evaluate', null)
    t.equal(res.statusCode, fault.status)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.match(res.json(), { error: { message: fault.message } })
    if (fault.retryAfter) t.equal(res.headers['retry-after'], fault.retryAfter)
    t.same(await snapshot(c), before)
    await retryAfterFault(t, c)
  })

  t.test(`stream: ${fault.name} on the reply is an error event after metadata`, async (t) => {
    const c = await setup(t)
    const before = await snapshot(c)
    c.evaluate('door:approach->guest_list:pass')
    c.failing('reply', fault.script)
    const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'second' })
    c.failing('reply', null)
    t.equal(res.statusCode, 200)
    const events = parseSse(res.body)
    t.equal(events[0].event, 'metadata')
    t.equal(events[0].data.current_state, 'guest_list', 'metadata announced the decided turn')
    const last = events.at(-1)!
    t.equal(last.event, 'error')
    t.match(last.data, { error: { message: fault.message } })
    t.same(Object.keys(last.data.error), ['message'])
    t.notOk(events.some((e) => e.event === 'done'), 'no done event')
    t.ok(events.slice(1, -1).every((e) => e.event === 'text_delta'), 'only text deltas in between')
    if (fault.script.cutAfterChunks) t.same(events[1], { event: 'text_delta', data: { text: 'cut ' } }, 'the text before the cut was forwarded')
    t.same(await snapshot(c), before, 'nothing committed')
    await retryAfterFault(t, c)
  })
}

t.test('an invalid evaluator answer is repaired once, then the turn runs as "no transition"', async (t) => {
  const c = await setup(t)
  c.evaluate({ text: 'I think the player should pass.' })
  c.evaluate({ json: { transition_id: 42 } })
  c.reply('Hm.')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'second' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { decision: null, current_state: 'approach', score: -1, redirect_count: 1, follow_up: false })
  const trace = (await snapshot(c)).messages.at(-1).trace
  t.match(trace, { transition_id: null, decision: null, fallback: true })
})

t.test('a server-side error after the stream began is masked in the error event', async (t) => {
  const c = await setup(t)
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: ['All ', 'good.'] })
  const original = c.app.repos.sessions.commitTurn
  c.app.repos.sessions.commitTurn = () => { throw new Error('SQLITE_BUSY: database is locked at /data/rapport.db') }
  t.teardown(() => { c.app.repos.sessions.commitTurn = original })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'second' })
  c.app.repos.sessions.commitTurn = original
  const events = parseSse(res.body)
  t.same(events.map((e) => e.event), ['metadata', 'text_delta', 'text_delta', 'error'])
  t.same(events.at(-1)!.data, { error: { message: 'Internal server error' } })
  t.notMatch(res.body, 'SQLITE')
})
