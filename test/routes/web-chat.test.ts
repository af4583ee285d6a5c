// Web chat (SPEC §3): the chat endpoints under /chat/{persona_id} with JWT — owner preview, guests, traces, limits — and migrate-progress.
import t from 'tap'
import type { RapportApp } from '../../src/app.ts'
import { bearer, register } from '../helpers/build.ts'
import { chatSetup, llmHeaders } from '../helpers/chat.ts'
import { example, save } from '../helpers/examples.ts'
import { parseSse } from '../helpers/sse.ts'

interface Who { token: string, id: string }

async function guest (app: RapportApp): Promise<Who> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  if (res.statusCode !== 201) throw new Error(res.body)
  return { token: res.json().token, id: res.json().user.id }
}

function web (app: RapportApp, who: Who | null, method: 'GET' | 'POST', url: string, payload?: object) {
  return app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { ...(who ? bearer(who) : {}), ...llmHeaders },
    ...(payload === undefined ? {} : { payload })
  })
}

const player = { user_session_id: 'web', player_name: 'Ada', player_gender: 'female' }

t.test('the owner previews an unpublished persona; other users and guests get 403', async (t) => {
  const c = await chatSetup(t, { publish: false })
  const base = `/chat/${c.persona.id}`
  c.reply('Hello, creator.')
  const started = await web(c.app, c.owner, 'POST', `${base}/init-session`, player)
  t.equal(started.statusCode, 200)
  t.same(started.json(), {
    session_id: started.json().session_id,
    user_session_id: 'web',
    persona_name: 'Vex',
    persona_description: c.persona.description,
    player_name: 'Ada',
    player_gender: 'female',
    message: 'Hello, creator.',
    machine_id: c.machine('door').machine_id
  })
  c.evaluate('door:approach->guest_list:pass')
  const msg = await web(c.app, c.owner, 'POST', `${base}/message`, { user_session_id: 'web', message: 'On the list.' })
  t.equal(msg.statusCode, 200)
  t.equal(msg.json().current_state, 'guest_list')

  const other = await register(c.app)
  const g = await guest(c.app)
  for (const who of [other, g]) {
    const res = await web(c.app, who, 'POST', `${base}/init-session`, player)
    t.equal(res.statusCode, 403)
    t.same(res.json(), { error: { message: 'Persona is not published' } })
    t.equal((await web(c.app, who, 'GET', `${base}/machines?user_session_id=web`)).statusCode, 403)
  }

  const anonymous = await web(c.app, null, 'POST', `${base}/init-session`, player)
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), { error: { message: 'Missing Authorization: Bearer <token> header' } })
})

t.test('previewing a draft whose machine has no initial state answers 400 before any LLM call and starts nothing', async (t) => {
  const c = await chatSetup(t, { publish: false })
  const body = example('vex-bouncer')
  body.machines[0].states.forEach((s: { is_initial_state: boolean }) => { s.is_initial_state = false })
  t.equal((await save(c.app, c.owner, body, c.persona.id)).statusCode, 200, 'a draft may be saved without one')
  const res = await web(c.app, c.owner, 'POST', `/chat/${c.persona.id}/init-session`, player)
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: { message: 'Machine "door" has no initial state' } })
  t.equal(c.fake.requests.length, 0, 'no greeting was asked for')
  t.equal((await web(c.app, c.owner, 'GET', `/chat/${c.persona.id}/session?user_session_id=web`)).statusCode, 404, 'no session was started')
})

t.test('guests and other users chat with a published persona in their own sessions', async (t) => {
  const c = await chatSetup(t)
  const base = `/chat/${c.persona.id}`
  const g = await guest(c.app)
  const other = await register(c.app)

  const mine = (await web(c.app, g, 'POST', `${base}/init-session`, player)).json()
  const theirs = (await web(c.app, other, 'POST', `${base}/init-session`, player)).json()
  t.not(mine.session_id, theirs.session_id, 'same user_session_id, different users, different sessions')

  c.evaluate('door:approach->approach:redirect')
  c.reply({ chunks: ['Not ', 'yet.'] })
  const streamed = await web(c.app, g, 'POST', `${base}/message/stream`, { user_session_id: 'web', message: 'Please?' })
  t.equal(streamed.statusCode, 200)
  t.same(parseSse(streamed.body).map((e) => e.event), ['metadata', 'text_delta', 'text_delta', 'done'])
  t.equal(parseSse(streamed.body).at(-1)!.data.message, 'Not yet.')

  const status = (await web(c.app, g, 'GET', `${base}/session?user_session_id=web`)).json()
  t.same([status.session_id, status.score, status.current_state], [mine.session_id, -1, 'approach'])
  t.equal((await web(c.app, other, 'GET', `${base}/session?user_session_id=web`)).json().score, 0)

  const reset = await web(c.app, g, 'POST', `${base}/reset?user_session_id=web`)
  t.same(reset.json(), { session_id: mine.session_id, message: 'Session reset' })
  t.equal((await web(c.app, other, 'GET', `${base}/session?user_session_id=web`)).statusCode, 200, 'the other user\'s session is untouched')

  const sdkSide = await c.sdk('GET', `/chat/${c.persona.id}/session?user_session_id=web`)
  t.equal(sdkSide.statusCode, 404, 'web sessions are not the SDK owner\'s sessions')
})

t.test('web history carries traces for the persona owner only', async (t) => {
  const c = await chatSetup(t)
  const base = `/chat/${c.persona.id}`
  const other = await register(c.app)
  for (const who of [c.owner, other]) {
    await web(c.app, who, 'POST', `${base}/init-session`, player)
    c.evaluate('door:approach->guest_list:pass')
    await web(c.app, who, 'POST', `${base}/message`, { user_session_id: 'web', message: 'On the list.' })
  }
  const ownerHistory = (await web(c.app, c.owner, 'GET', `${base}/history?user_session_id=web`)).json()
  t.equal(ownerHistory.messages.length, 3)
  t.match(ownerHistory.messages[2].trace, { transition_id: c.tid('door:approach->guest_list:pass'), decision: 'pass', fallback: false })
  const otherHistory = (await web(c.app, other, 'GET', `${base}/history?user_session_id=web`)).json()
  t.equal(otherHistory.messages.length, 3)
  t.ok(otherHistory.messages.every((m: object) => !('trace' in m)), 'no trace for a player who is not the owner')
})

t.test('web chat uses the Chat rate category for turns and General for the rest', async (t) => {
  const c = await chatSetup(t, { env: { RATE_LIMIT_CHAT: '3', RATE_LIMIT_GENERAL: '50' } })
  const base = `/chat/${c.persona.id}`
  const first = await web(c.app, c.owner, 'POST', `${base}/init-session`, player)
  t.equal(first.headers['x-ratelimit-limit'], '3')
  const machines = await web(c.app, c.owner, 'GET', `${base}/machines?user_session_id=web`)
  t.equal(machines.headers['x-ratelimit-limit'], '50')
  t.same(machines.json().map((m: { machine_key: string, has_session: boolean }) => [m.machine_key, m.has_session]), [['door', true]])
  await web(c.app, c.owner, 'POST', `${base}/message`, { user_session_id: 'web', message: 'one' })
  await web(c.app, c.owner, 'POST', `${base}/message/stream`, { user_session_id: 'web', message: 'two' })
  const limited = await web(c.app, c.owner, 'POST', `${base}/message`, { user_session_id: 'web', message: 'three' })
  t.equal(limited.statusCode, 429)
  // The wait is what is left of the minute the first turn opened (less than 60 s on a slow machine).
  const wait = Number(limited.headers['retry-after'])
  t.ok(wait >= 1 && wait <= 60, `retry-after ${wait} is within the window`)
  t.same(limited.json(), { error: { message: `Rate limit exceeded: 3 requests per minute allowed. Retry after ${wait} seconds` } })
  t.equal((await web(c.app, c.owner, 'GET', `${base}/history?user_session_id=web`)).statusCode, 200, 'General is a separate bucket')
})

t.test('web chat validates like the SDK: bad persona id, bad gender, unknown persona', async (t) => {
  const c = await chatSetup(t)
  const bad = await web(c.app, c.owner, 'GET', '/chat/123/session?user_session_id=web')
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: { message: 'params.persona_id must be a valid UUID' } })
  const gender = await web(c.app, c.owner, 'POST', `/chat/${c.persona.id}/init-session`, { ...player, player_gender: 'x' })
  t.same(gender.json(), { error: { message: 'body.player_gender must be one of: female, male, non-binary' } })
  const missing = await web(c.app, c.owner, 'POST', '/chat/00000000-0000-4000-8000-000000000000/init-session', player)
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: { message: 'Persona not found' } })
})

t.test('POST /auth/migrate-progress moves a guest\'s sessions and progress to the signed-in user', async (t) => {
  const c = await chatSetup(t)
  const base = `/chat/${c.persona.id}`
  const g = await guest(c.app)
  // The guest finishes the door (unlocking the back room) and starts a second player id.
  const door = (await web(c.app, g, 'POST', `${base}/init-session`, player)).json()
  for (const tr of ['door:approach->vibe_check:pass', 'door:vibe_check->inside:pass']) {
    c.evaluate(tr)
    t.equal((await web(c.app, g, 'POST', `${base}/message`, { user_session_id: 'web', message: 'go' })).statusCode, 200)
  }
  await web(c.app, g, 'POST', `${base}/init-session`, { ...player, user_session_id: 'second' })
  const guestHistory = (await web(c.app, g, 'GET', `${base}/history?user_session_id=web`)).json()

  const user = await register(c.app)
  const migrated = await web(c.app, user, 'POST', '/auth/migrate-progress', { old_session_id: g.id })
  t.equal(migrated.statusCode, 200)
  t.same(migrated.json(), { sessions_moved: 2, progress_moved: 1 }, 'two sessions; progress exists only where the door was completed')

  const history = (await web(c.app, user, 'GET', `${base}/history?user_session_id=web`)).json()
  t.same(history, guestHistory, 'the session moved with its messages')
  t.equal(history.session_id, door.session_id)
  const machines = (await web(c.app, user, 'GET', `${base}/machines?user_session_id=web`)).json()
  t.same(machines.map((m: { machine_key: string, session_outcome: string | null }) => [m.machine_key, m.session_outcome]), [['door', 'ACCEPT'], ['vip', null]], 'the unlock moved too')
  t.equal((await web(c.app, g, 'GET', `${base}/session?user_session_id=web`)).statusCode, 404, 'nothing is left with the guest')

  const again = await web(c.app, user, 'POST', '/auth/migrate-progress', { old_session_id: g.id })
  t.same(again.json(), { sessions_moved: 0, progress_moved: 0 })
})

t.test('migrate-progress: unknown account 404, not a guest 400, guests 403, bad id 400, no token 401', async (t) => {
  const c = await chatSetup(t)
  const user = await register(c.app)
  const g = await guest(c.app)
  const cases: Array<[Who | null, unknown, number, string]> = [
    [user, { old_session_id: '00000000-0000-4000-8000-000000000000' }, 404, 'No guest account with this old_session_id'],
    [user, { old_session_id: c.owner.id }, 400, 'old_session_id is not a guest account'],
    [user, { old_session_id: 'abc' }, 400, 'body.old_session_id must be a valid UUID'],
    [user, {}, 400, 'body.old_session_id is required'],
    [g, { old_session_id: g.id }, 403, 'Guest accounts cannot do this: register an account'],
    [null, { old_session_id: g.id }, 401, 'Missing Authorization: Bearer <token> header']
  ]
  for (const [who, body, status, message] of cases) {
    const res = await web(c.app, who, 'POST', '/auth/migrate-progress', body as object)
    t.equal(res.statusCode, status, message)
    t.same(res.json(), { error: { message } })
  }
})
