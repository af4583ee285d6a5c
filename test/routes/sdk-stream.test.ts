// SDK streaming (SPEC §7): the playthrough event by event, JSON errors before the stream, live delivery and disconnects over a real socket.
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { testAppConfig } from '../helpers/build.ts'
import { chatResponse, chatSetup, llmHeaders, type ChatSetup } from '../helpers/chat.ts'
import { parseSse, sseReader } from '../helpers/sse.ts'

function init (c: ChatSetup, userSessionId: string, machineId?: string) {
  return c.sdk('POST', `/chat/${c.persona.id}/init-session${machineId ? `?machine_id=${machineId}` : ''}`, { user_session_id: userSessionId, player_name: 'Ada', player_gender: 'female' })
}

async function stream (c: ChatSetup, userSessionId: string, message: string, machineId?: string) {
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream${machineId ? `?machine_id=${machineId}` : ''}`, { user_session_id: userSessionId, message })
  return { res, events: res.statusCode === 200 ? parseSse(res.body) : [] }
}

/** The metadata event: a ChatResponse without its message. */
function meta (sessionId: string, fields: Record<string, unknown>) {
  const { message: _message, ...rest } = chatResponse(sessionId, fields)
  return rest
}

/** metadata, one text_delta per chunk, done: the exact event list of a streamed turn. */
function expected (sessionId: string, chunks: string[], fields: Record<string, unknown>) {
  const m = meta(sessionId, fields)
  return [
    { event: 'metadata', data: m },
    ...chunks.map((text) => ({ event: 'text_delta', data: { text } })),
    { event: 'done', data: { message: chunks.join(''), ...m } }
  ]
}

t.test('Vex is played end to end over the stream endpoint, event by event', async (t) => {
  const c = await chatSetup(t)
  const vip = c.machine('vip')
  const sessionId = (await init(c, 'p1')).json().session_id

  const steps: Array<[string | { follow_up: true } | null, Record<string, unknown>]> = [
    ['door:approach->approach:redirect', { score: -1, decision: 'redirect', redirect_count: 1 }],
    [null, { score: -1, redirect_count: 1 }],
    ['door:approach->guest_list:pass', { current_state: 'guest_list', score: 0, decision: 'pass' }],
    [{ follow_up: true }, { current_state: 'guest_list', follow_up: true }],
    ['door:guest_list->approach:reject', { score: -2, decision: 'reject' }],
    ['door:approach->guest_list:pass', { current_state: 'guest_list', score: -1, decision: 'pass' }],
    ['door:guest_list->vibe_check:pass', { current_state: 'vibe_check', score: 1, decision: 'pass' }],
    ['door:vibe_check->inside:pass', {
      current_state: 'inside',
      score: 3,
      decision: 'pass',
      outcome: 'ACCEPT',
      machine_completed: true,
      unlocked_machines: [{ machine_id: vip.machine_id, machine_key: 'vip', name: 'The Back Room', is_auto_advance: true }]
    }]
  ]
  let n = 0
  for (const [answer, fields] of steps) {
    n++
    const chunks = ['Turn ', `${n} `, 'reply.']
    c.evaluate(answer)
    c.reply({ chunks })
    const { res, events } = await stream(c, 'p1', `message ${n}`)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
    t.same(events, expected(sessionId, chunks, fields), `turn ${n}`)
  }
  t.ok(c.requestsOf('reply').slice(1).every((r) => r.stream), 'replies were streamed from the provider')

  const history = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()
  t.equal(history.messages.length, 17)
  t.same(history.messages.filter((m: { role: string }) => m.role === 'assistant').slice(1).map((m: { content: string }) => m.content),
    steps.map((_, i) => `Turn ${i + 1} reply.`), 'the streamed replies were committed')

  const ended = await stream(c, 'p1', 'hello?')
  t.equal(ended.res.statusCode, 400, 'an ended session is a JSON error, not a stream')
  t.equal(ended.res.headers['content-type'], 'application/json; charset=utf-8')
  t.same(ended.res.json(), { error: { message: 'The conversation has ended; start a new session' } })

  c.reply('The back room.')
  const vipSession = (await init(c, 'p1', vip.machine_id)).json().session_id
  c.evaluate('vip:bar->burned:reject')
  c.reply({ chunks: ['Get ', 'out.'] })
  const burned = await stream(c, 'p1', 'I work for the police.', vip.machine_id)
  t.same(burned.events, expected(vipSession, ['Get ', 'out.'], {
    scoring_mode: 'pass_fail', current_state: 'burned', score: -1, decision: 'reject', outcome: 'REJECT', machine_completed: true
  }), 'pass_fail reject ends REJECT')
})

t.test('errors before the evaluation succeeded are JSON errors with their status', async (t) => {
  const c = await chatSetup(t)
  const none = await stream(c, 'nobody', 'hi')
  t.equal(none.res.statusCode, 404)
  t.same(none.res.json(), { error: { message: 'Session not found: call init-session first' } })

  const bad = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: { message: 'body.message is required' } })

  const locked = await c.sdk('POST', `/chat/${c.persona.id}/message/stream?machine_id=${c.machine('vip').machine_id}`, { user_session_id: 'p1', message: 'hi' })
  t.equal(locked.statusCode, 403)
  t.same(locked.json(), { error: { message: 'Machine is locked for this player' } })

  await init(c, 'p1')
  c.evaluate({ status: 401 })
  const rejected = await stream(c, 'p1', 'hi')
  t.equal(rejected.res.statusCode, 401)
  t.same(rejected.res.json(), { error: { message: 'The LLM provider rejected the LLM API key (X-LLM-API-Key)' } })
  t.equal(rejected.res.headers['x-ratelimit-limit'], '30')
})

/** Listens on a real port; the app is built with a short heartbeat. */
async function listening (c: ChatSetup) {
  await c.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = c.app.server.address() as { port: number }
  return (path: string, body: object, signal?: AbortSignal) => fetch(`http://127.0.0.1:${port}/api/v1/sdk${path}`, {
    method: 'POST',
    headers: { 'x-api-key': c.key, 'content-type': 'application/json', ...llmHeaders },
    body: JSON.stringify(body),
    signal
  })
}

t.test('over a real socket the first text_delta arrives while the provider is still sending', async (t) => {
  const c = await chatSetup(t)
  const post = await listening(c)
  t.teardown(() => c.app.server.closeAllConnections())
  await init(c, 'p1')
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: ['First ', 'second ', 'third.'], chunkDelayMs: 400 })
  const res = await post(`/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'I am on the list' })
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
  t.equal(res.headers.get('cache-control'), 'no-cache')
  t.equal(res.headers.get('x-accel-buffering'), 'no')
  t.equal(res.headers.get('x-ratelimit-limit'), '30')
  t.ok(res.headers.get('x-ratelimit-remaining'))
  const reader = sseReader(res)
  const first = await reader.next()
  t.equal(first?.event, 'metadata')
  t.same(await reader.next(), { event: 'text_delta', data: { text: 'First ' } })
  const mid = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()
  t.equal(mid.messages.length, 1, 'the turn is not committed while its reply is still streaming')
  t.equal(mid.current_state, 'approach')
  const rest = []
  for (let e = await reader.next(); e !== null; e = await reader.next()) rest.push(e)
  t.same(rest.map((e) => e.event), ['text_delta', 'text_delta', 'done'])
  t.equal(rest[2].data.message, 'First second third.')
  t.equal((await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json().messages.length, 3)
})

t.test('a client that disconnects mid-stream aborts the provider call and commits nothing', async (t) => {
  const c = await chatSetup(t)
  const post = await listening(c)
  t.teardown(() => c.app.server.closeAllConnections())
  await init(c, 'p1')
  const before = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()

  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: ['One ', 'two ', 'three ', 'four.'], chunkDelayMs: 500 })
  const controller = new AbortController()
  const res = await post(`/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'I am on the list' }, controller.signal)
  const reader = sseReader(res)
  t.equal((await reader.next())?.event, 'metadata')
  t.same(await reader.next(), { event: 'text_delta', data: { text: 'One ' } })
  controller.abort()
  // The reply the player saw, and a speculated one the pass discarded (when the pipeline speculates).
  const turnReplies = c.requestsOf('reply').slice(1)
  t.equal(turnReplies.length, c.pipeline.speculativeReply ? 2 : 1)
  await c.fake.waitForAborted(turnReplies.length)
  t.ok(turnReplies.every((r) => r.aborted), 'every provider call of the turn was aborted')

  await c.app.chat.drain()
  const after = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()
  t.same(after, before, 'session and history unchanged')

  // The session's turn slot was released: the same message can be sent again.
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Welcome.')
  const again = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'I am on the list' })
  t.equal(again.statusCode, 200)
  t.equal(again.json().current_state, 'guest_list')
})

t.test('a client that disconnects during the evaluation aborts it and commits nothing', async (t) => {
  const c = await chatSetup(t)
  const post = await listening(c)
  t.teardown(() => c.app.server.closeAllConnections())
  await init(c, 'p1')
  const before = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()
  c.evaluate({ json: { transition_id: c.tid('door:approach->guest_list:pass'), follow_up: false, reason: 'ok' }, delayMs: 5000 })
  const controller = new AbortController()
  const pending = post(`/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'I am on the list' }, controller.signal)
  while (c.requestsOf('evaluate').length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  controller.abort()
  await t.rejects(pending)
  await c.fake.waitForAborted(1)
  await c.settled()
  t.same((await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json(), before)
  t.equal(c.answeredOf('reply').length, 1, 'no reply answered but the greeting')
  t.ok(c.requestsOf('reply').slice(1).every((r) => r.aborted), 'a speculated reply was aborted upstream')
})

t.test('idle streams get a heartbeat comment', async (t) => {
  const c = await chatSetup(t)
  // A second app on the same fake with a 30 ms heartbeat, sharing nothing else.
  const app = await buildApp(await testAppConfig(t, { OPENAI_BASE_URL: `${c.fake.url}/openai/v1` }), { streamHeartbeatMs: 30 })
  t.teardown(() => app.close())
  const owner = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'hb@example.com', password: 'correct horse' } })
  const token = owner.json().token
  const { example } = await import('../helpers/examples.ts')
  const saved = (await app.inject({ method: 'POST', url: '/api/v1/creator/save', headers: { authorization: `Bearer ${token}` }, payload: example('vex-bouncer') })).json()
  const web = (method: 'POST', url: string, payload: object) => app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}`, ...llmHeaders }, payload })
  t.equal((await web('POST', `/chat/${saved.persona.id}/init-session`, { user_session_id: 'p', player_name: 'A', player_gender: 'male' })).statusCode, 200)
  c.evaluate(null)
  c.reply({ chunks: ['Slow ', 'reply.'], firstTokenDelayMs: 200 })
  const res = await web('POST', `/chat/${saved.persona.id}/message/stream`, { user_session_id: 'p', message: 'hi' })
  t.equal(res.statusCode, 200)
  const blocks = res.body.split('\n\n').filter((b) => b !== '')
  t.match(blocks[0], /^event: metadata\n/)
  const firstText = blocks.findIndex((b) => b.startsWith('event: text_delta'))
  t.ok(blocks.slice(1, firstText).length >= 2, 'heartbeats while waiting for the first token')
  t.ok(blocks.slice(1, firstText).every((b) => b === ': ping'))
  t.same(parseSse(res.body).map((e) => e.event), ['metadata', 'text_delta', 'text_delta', 'done'], 'clients ignore the comments')
})
