// SDK chat API (SPEC §4 rows 2–9) against the fake LLM: a full playthrough, machine selection, session lifecycle, validate-llm-key, access.
import t from 'tap'
import { bearer, createKey, register } from '../helpers/build.ts'
import { chatResponse, chatSetup, LLM_KEY, llmHeaders, type ChatSetup } from '../helpers/chat.ts'
import { saveExample } from '../helpers/examples.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function init (c: ChatSetup, userSessionId: string, machineId?: string, player = { player_name: 'Ada', player_gender: 'non-binary' }) {
  return c.sdk('POST', `/chat/${c.persona.id}/init-session${machineId ? `?machine_id=${machineId}` : ''}`, { user_session_id: userSessionId, ...player })
}

function send (c: ChatSetup, userSessionId: string, message: string, machineId?: string) {
  return c.sdk('POST', `/chat/${c.persona.id}/message${machineId ? `?machine_id=${machineId}` : ''}`, { user_session_id: userSessionId, message })
}

function get (c: ChatSetup, what: 'session' | 'history' | 'machines', query: string) {
  return c.sdk('GET', `/chat/${c.persona.id}/${what}?${query}`)
}

const turn = chatResponse

t.test('Vex is played end to end through the SDK: init, redirect, no transition, pass, follow-up, reject, completion with unlock', async (t) => {
  const c = await chatSetup(t)
  const door = c.machine('door')
  const vip = c.machine('vip')

  c.reply('Name on the list, or walk.')
  const started = await init(c, 'p1')
  t.equal(started.statusCode, 200)
  const sessionId = started.json().session_id
  t.match(sessionId, UUID)
  t.same(started.json(), {
    session_id: sessionId,
    user_session_id: 'p1',
    persona_name: 'Vex',
    persona_description: c.persona.description,
    player_name: 'Ada',
    player_gender: 'non-binary',
    message: 'Name on the list, or walk.',
    machine_id: door.machine_id
  })
  t.match(c.requestsOf('reply')[0].system, /Ada/, 'the greeting prompt names the player')

  const steps: Array<[string | { follow_up: true } | null, string, Record<string, unknown>]> = [
    ['door:approach->approach:redirect', 'Come on, let me in.', { current_state: 'approach', score: -1, decision: 'redirect', redirect_count: 1 }],
    [null, 'Nice coat.', { current_state: 'approach', score: -1, decision: null, redirect_count: 1 }],
    ['door:approach->guest_list:pass', 'I am on the list.', { current_state: 'guest_list', score: 0, decision: 'pass', redirect_count: 0 }],
    [{ follow_up: true }, 'Ada.', { current_state: 'guest_list', score: 0, follow_up: true }],
    ['door:guest_list->approach:reject', 'Whatever, nobody invited me.', { current_state: 'approach', score: -2, decision: 'reject' }],
    ['door:approach->guest_list:pass', 'Marlow put me on the list.', { current_state: 'guest_list', score: -1, decision: 'pass' }],
    ['door:guest_list->vibe_check:pass', 'Ada Quill, Marlow invited me.', { current_state: 'vibe_check', score: 1, decision: 'pass' }]
  ]
  let n = 0
  for (const [answer, message, fields] of steps) {
    c.evaluate(answer)
    c.reply(`Reply ${++n}.`)
    const res = await send(c, 'p1', message)
    t.equal(res.statusCode, 200, message)
    t.same(res.json(), turn(sessionId, { message: `Reply ${n}.`, ...fields }), message)
  }

  c.evaluate('door:vibe_check->inside:pass')
  c.reply('Go on in.')
  const last = await send(c, 'p1', 'I know the DJ.')
  t.same(last.json(), turn(sessionId, {
    message: 'Go on in.',
    current_state: 'inside',
    score: 3,
    outcome: 'ACCEPT',
    decision: 'pass',
    machine_completed: true,
    unlocked_machines: [{ machine_id: vip.machine_id, machine_key: 'vip', name: 'The Back Room', is_auto_advance: true }]
  }))
  t.match(c.requestsOf('evaluate').at(-1)!.system, /^t1 \| decision: /m, 'the evaluator sees the transitions, under handles')

  const ended = await send(c, 'p1', 'One more thing.')
  t.equal(ended.statusCode, 400)
  t.same(ended.json(), { error: { message: 'The conversation has ended; start a new session' } })

  const status = await get(c, 'session', 'user_session_id=p1')
  t.equal(status.statusCode, 200)
  const s = status.json()
  t.match(s, { started_at: ISO, last_message_at: ISO })
  t.same(s, {
    session_id: sessionId,
    persona_id: c.persona.id,
    machine_id: door.machine_id,
    current_state: 'inside',
    score: 3,
    outcome: 'ACCEPT',
    player_name: 'Ada',
    player_gender: 'non-binary',
    started_at: s.started_at,
    last_message_at: s.last_message_at
  })

  const history = (await get(c, 'history', 'user_session_id=p1')).json()
  const { messages, ...rest } = history
  t.same(rest, s, 'history carries the session fields')
  t.equal(messages.length, 1 + 2 * 8)
  t.same(messages[0], {
    id: messages[0].id,
    role: 'assistant',
    content: 'Name on the list, or walk.',
    state_key_at_time: 'approach',
    score_at_time: 0,
    decision: null,
    follow_up_triggered: false,
    created_at: messages[0].created_at
  }, 'the greeting comes first, without a trace')
  t.same(messages.slice(1).map((m: { role: string }) => m.role), Array.from({ length: 16 }, (_, i) => i % 2 === 0 ? 'user' : 'assistant'))
  t.same(messages[1], { id: messages[1].id, role: 'user', content: 'Come on, let me in.', state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, created_at: messages[1].created_at })
  t.same(messages.filter((m: { role: string }) => m.role === 'assistant').map((m: Record<string, unknown>) => [m.content, m.state_key_at_time, m.score_at_time, m.decision, m.follow_up_triggered]), [
    ['Name on the list, or walk.', 'approach', 0, null, false],
    ['Reply 1.', 'approach', -1, 'redirect', false],
    ['Reply 2.', 'approach', -1, null, false],
    ['Reply 3.', 'guest_list', 0, 'pass', false],
    ['Reply 4.', 'guest_list', 0, null, true],
    ['Reply 5.', 'approach', -2, 'reject', false],
    ['Reply 6.', 'guest_list', -1, 'pass', false],
    ['Reply 7.', 'vibe_check', 1, 'pass', false],
    ['Go on in.', 'inside', 3, 'pass', false]
  ])
  t.ok(messages.every((m: object) => !('trace' in m)), 'no trace unless asked for')

  const traced = (await get(c, 'history', 'user_session_id=p1&include_trace=true')).json().messages
  t.match(traced.at(-1).trace, {
    transition_id: c.tid('door:vibe_check->inside:pass'),
    decision: 'pass',
    evaluator_reason: 'Chose door:vibe_check->inside:pass.',
    fallback: false,
    steps: { evaluate: { model: 'gpt-4o-mini' }, reply: { model: 'gpt-4o-mini' } }
  })
  t.ok(Number.isInteger(traced.at(-1).trace.steps.reply.tokens_in))
  t.equal(traced[1].trace, null, 'player messages have a null trace')

  const machines = await get(c, 'machines', 'user_session_id=p1')
  t.equal(machines.statusCode, 200)
  t.same(machines.json(), [
    { machine_id: door.machine_id, machine_key: 'door', name: 'The Door', description: door.description, has_session: true, session_outcome: 'ACCEPT', is_linked: false },
    { machine_id: vip.machine_id, machine_key: 'vip', name: 'The Back Room', description: vip.description, has_session: false, session_outcome: null, is_linked: true }
  ])

  // The unlocked machine: pass_fail mode, with a follow-up and a terminal ACCEPT.
  c.reply('Back room. Sit.')
  const vipStart = await init(c, 'p1', vip.machine_id)
  t.equal(vipStart.statusCode, 200)
  const vipSession = vipStart.json().session_id
  t.not(vipSession, sessionId)
  t.equal(vipStart.json().machine_id, vip.machine_id)
  c.evaluate('vip:bar->the_ask:pass')
  t.same((await send(c, 'p1', 'Thanks.', vip.machine_id)).json(),
    turn(vipSession, { current_state: 'the_ask', score: 1, decision: 'pass', scoring_mode: 'pass_fail' }))
  c.evaluate({ follow_up: true })
  t.same((await send(c, 'p1', 'Maybe.', vip.machine_id)).json(),
    turn(vipSession, { current_state: 'the_ask', score: 1, follow_up: true, scoring_mode: 'pass_fail' }))
  c.evaluate('vip:the_ask->trusted:pass')
  t.same((await send(c, 'p1', 'Yes, I will.', vip.machine_id)).json(),
    turn(vipSession, { current_state: 'trusted', score: 3, decision: 'pass', scoring_mode: 'pass_fail', outcome: 'ACCEPT', machine_completed: true }))

  t.ok(c.fake.requests.every((r) => r.headers.authorization === `Bearer ${LLM_KEY}`), 'every provider call used the caller\'s LLM key')
})

t.test('kick_out ends the door with KICK_OUT and unlocks nothing; a reject into a terminal state below the threshold ends REJECT', async (t) => {
  const c = await chatSetup(t)
  const started = (await init(c, 'p2')).json()
  c.evaluate('door:approach->turned_away:kick_out')
  c.reply('Out.')
  const res = await send(c, 'p2', 'Move, or else.')
  t.same(res.json(), turn(started.session_id, { message: 'Out.', current_state: 'turned_away', score: -5, outcome: 'KICK_OUT', decision: 'kick_out', machine_completed: true }))
  t.same((await send(c, 'p2', 'Sorry!')).json(), { error: { message: 'The conversation has ended; start a new session' } })
  const machines = (await get(c, 'machines', 'user_session_id=p2')).json()
  t.same(machines.map((m: { machine_key: string, session_outcome: string }) => [m.machine_key, m.session_outcome]), [['door', 'KICK_OUT']], 'nothing unlocked')

  const locked = await init(c, 'p2', c.machine('vip').machine_id)
  t.equal(locked.statusCode, 403)
  t.same(locked.json(), { error: { message: 'Machine is locked for this player' } })

  // A scoring-mode reject below the fail threshold ends REJECT.
  const p3 = (await init(c, 'p3')).json()
  c.evaluate('door:approach->approach:redirect')
  await send(c, 'p3', 'Please.')
  c.evaluate('door:approach->vibe_check:pass')
  await send(c, 'p3', 'I like the music.')
  c.evaluate('door:vibe_check->turned_away:reject')
  const rejected = await send(c, 'p3', 'This place is lame.')
  t.same(rejected.json(), turn(p3.session_id, { current_state: 'turned_away', score: -2, outcome: 'REJECT', decision: 'reject', machine_completed: true }))
})

t.test('machine selection: default entry machine, unknown machine 404, bad ids 400', async (t) => {
  const c = await chatSetup(t)
  const unknown = await init(c, 'p1', '00000000-0000-4000-8000-000000000000')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { error: { message: 'Machine not found' } })

  const badMachine = await init(c, 'p1', 'nope')
  t.equal(badMachine.statusCode, 400)
  t.same(badMachine.json(), { error: { message: 'querystring.machine_id must be a valid UUID' } })

  const badPersona = await c.sdk('POST', '/chat/not-a-uuid/init-session', { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })
  t.equal(badPersona.statusCode, 400)
  t.same(badPersona.json(), { error: { message: 'params.persona_id must be a valid UUID' } })

  const noPersona = await c.sdk('POST', '/chat/00000000-0000-4000-8000-000000000000/init-session', { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })
  t.equal(noPersona.statusCode, 404)
  t.same(noPersona.json(), { error: { message: 'Persona not found' } })
  t.equal(c.fake.requests.length, 0, 'no provider call for a refused request')
})

t.test('input validation answers 400 naming the field', async (t) => {
  const c = await chatSetup(t)
  const cases: Array<[string, 'GET' | 'POST', string, object | undefined, string]> = [
    ['bad gender', 'POST', 'init-session', { user_session_id: 'p', player_name: 'A', player_gender: 'robot' }, 'body.player_gender must be one of: female, male, non-binary'],
    ['missing player_name', 'POST', 'init-session', { user_session_id: 'p', player_gender: 'male' }, 'body.player_name is required'],
    ['empty player_name', 'POST', 'init-session', { user_session_id: 'p', player_name: '', player_gender: 'male' }, 'body.player_name must NOT have fewer than 1 characters'],
    ['long player_name', 'POST', 'init-session', { user_session_id: 'p', player_name: 'x'.repeat(101), player_gender: 'male' }, 'body.player_name must NOT have more than 100 characters'],
    ['long user_session_id', 'POST', 'init-session', { user_session_id: 'x'.repeat(201), player_name: 'A', player_gender: 'male' }, 'body.user_session_id must NOT have more than 200 characters'],
    ['no body', 'POST', 'message', undefined, 'body.message is required'],
    ['empty message', 'POST', 'message', { user_session_id: 'p', message: '' }, 'body.message must NOT have fewer than 1 characters'],
    ['long message', 'POST', 'message', { user_session_id: 'p', message: 'x'.repeat(4001) }, 'body.message must NOT have more than 4000 characters'],
    ['message not a string', 'POST', 'message', { user_session_id: 'p', message: 42 }, 'body.message must be string'],
    ['session without user_session_id', 'GET', 'session', undefined, 'querystring.user_session_id is required'],
    ['history without user_session_id', 'GET', 'history', undefined, 'querystring.user_session_id is required'],
    ['machines without user_session_id', 'GET', 'machines', undefined, 'querystring.user_session_id is required'],
    ['reset without user_session_id', 'POST', 'reset', undefined, 'querystring.user_session_id is required']
  ]
  for (const [name, method, path, body, message] of cases) {
    const res = await c.sdk(method, `/chat/${c.persona.id}/${path}`, body)
    t.equal(res.statusCode, 400, name)
    t.same(res.json(), { error: { message } }, name)
  }
  const badTrace = await get(c, 'history', 'user_session_id=p&include_trace=maybe')
  t.equal(badTrace.statusCode, 400)
  t.same(badTrace.json(), { error: { message: 'querystring.include_trace must be boolean' } })
  t.equal(c.fake.requests.length, 0)
})

t.test('unknown body fields are ignored', async (t) => {
  const c = await chatSetup(t)
  const res = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female', avatar: 'cat', debug: true })
  t.equal(res.statusCode, 200)
  t.notOk('avatar' in res.json())
  const msg = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'hi', temperature: 2 })
  t.equal(msg.statusCode, 200)
})

t.test('a request exactly as the Foil SDKs send it works', async (t) => {
  const c = await chatSetup(t)
  const sdkHeaders = {
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': 'foil-engine-csharp/1.0.0',
    'x-llm-api-key': 'sk-general-key-0123456789',
    'x-llm-model': 'gpt-4o-mini',
    'x-llm-eval-model': 'openai/gpt-4o',
    'x-llm-response-model': 'gpt-4o-mini',
    'x-llm-summarization-model': 'gpt-4o-mini',
    'x-llm-eval-api-key': 'sk-eval-key-0123456789',
    'x-llm-response-api-key': 'sk-response-key-0123456789',
    'x-llm-summarization-api-key': 'sk-summary-key-0123456789'
  }
  const call = (method: 'GET' | 'POST', path: string, payload?: string) => c.app.inject({
    method, url: `/api/v1/sdk${path}`, headers: { 'x-api-key': c.key, ...sdkHeaders }, payload
  })
  const base = `/chat/${c.persona.id}`

  const list = await call('GET', '/personas', '')
  t.equal(list.statusCode, 200)
  t.same(list.json().map((p: { id: string }) => p.id), [c.persona.id])

  const started = await call('POST', `${base}/init-session`, JSON.stringify({ user_session_id: 'player-42', player_name: 'Ada', player_gender: 'female' }))
  t.equal(started.statusCode, 200)
  c.evaluate('door:approach->approach:redirect')
  const res = await call('POST', `${base}/message`, JSON.stringify({ message: 'Let me in', user_session_id: 'player-42' }))
  t.equal(res.statusCode, 200)
  // Exact text: integers without a decimal point, null fields present (the C# client deserializes by name and type).
  t.equal(res.body, JSON.stringify(turn(started.json().session_id, { score: -1, decision: 'redirect', redirect_count: 1 })))
  t.match(res.body, /"score":-1,/)
  t.match(res.body, /"outcome":null,/)
  t.match(res.body, /"unlocked_machines":null}$/)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(res.headers['x-ratelimit-limit'], '30')

  const evalCall = c.requestsOf('evaluate')[0]
  const replies = c.requestsOf('reply')
  t.equal(evalCall.headers.authorization, 'Bearer sk-eval-key-0123456789', 'the eval step used its own key')
  t.equal(evalCall.model, 'gpt-4o', 'and its own model')
  t.ok(replies.every((r) => r.headers.authorization === 'Bearer sk-response-key-0123456789'), 'greeting and reply used the response key')

  for (const what of ['session', 'history', 'machines']) {
    const got = await call('GET', `${base}/${what}?user_session_id=player-42`, '')
    t.equal(got.statusCode, 200, `GET ${what} with Content-Type: application/json and no body`)
  }
  const session = (await call('GET', `${base}/session?user_session_id=player-42`)).json()
  t.equal(session.last_message_at === null, false)

  const reset = await call('POST', `${base}/reset?user_session_id=player-42`, '')
  t.equal(reset.statusCode, 200, 'reset with an empty JSON body')
  t.same(reset.json(), { session_id: started.json().session_id, message: 'Session reset' })

  c.fake.enqueue({ text: 'OK' })
  const valid = await call('POST', '/validate-llm-key', '')
  t.equal(valid.statusCode, 200, 'validate-llm-key with an empty JSON body')
  t.same(valid.json(), { valid: true, model: 'gpt-4o-mini', error: null })
})

t.test('init on an existing session replaces it', async (t) => {
  const c = await chatSetup(t)
  const first = (await init(c, 'p1')).json()
  c.evaluate('door:approach->approach:redirect')
  await send(c, 'p1', 'hello')
  c.reply('Again, you?')
  const second = (await init(c, 'p1', undefined, { player_name: 'Bo', player_gender: 'male' })).json()
  t.not(second.session_id, first.session_id)
  const history = (await get(c, 'history', 'user_session_id=p1')).json()
  t.equal(history.session_id, second.session_id)
  t.same([history.player_name, history.player_gender, history.score, history.current_state], ['Bo', 'male', 0, 'approach'])
  t.same(history.messages.map((m: { content: string }) => m.content), ['Again, you?'], 'only the new greeting')
})

t.test('reset deletes the session and its messages, keeps the unlocked machines', async (t) => {
  const c = await chatSetup(t)
  const started = (await init(c, 'p1')).json()
  for (const tr of ['door:approach->guest_list:pass', 'door:guest_list->vibe_check:pass', 'door:vibe_check->inside:pass']) {
    c.evaluate(tr)
    t.equal((await send(c, 'p1', 'go')).statusCode, 200)
  }
  const reset = await c.sdk('POST', `/chat/${c.persona.id}/reset?user_session_id=p1`)
  t.equal(reset.statusCode, 200)
  t.same(reset.json(), { session_id: started.session_id, message: 'Session reset' })
  for (const what of ['session', 'history'] as const) {
    const gone = await get(c, what, 'user_session_id=p1')
    t.equal(gone.statusCode, 404)
    t.same(gone.json(), { error: { message: 'Session not found: call init-session first' } })
  }
  const again = await c.sdk('POST', `/chat/${c.persona.id}/reset?user_session_id=p1`)
  t.equal(again.statusCode, 404)
  const machines = (await get(c, 'machines', 'user_session_id=p1')).json()
  t.same(machines.map((m: { machine_key: string, has_session: boolean }) => [m.machine_key, m.has_session]), [['door', false], ['vip', false]], 'vip stays unlocked')
  const msg = await send(c, 'p1', 'hello?')
  t.equal(msg.statusCode, 404)
})

t.test('sessions are per user_session_id and shared by all keys of one owner', async (t) => {
  const c = await chatSetup(t)
  const started = (await init(c, 'p1')).json()
  const otherKey = await createKey(c.app, c.owner, 'second build')
  const viaOther = await c.sdk('GET', `/chat/${c.persona.id}/session?user_session_id=p1`, undefined, { 'x-api-key': otherKey })
  t.equal(viaOther.json().session_id, started.session_id)
  const otherPlayer = await get(c, 'session', 'user_session_id=p9')
  t.equal(otherPlayer.statusCode, 404)
  t.same((await get(c, 'machines', 'user_session_id=p9')).json().map((m: { machine_key: string }) => m.machine_key), ['door'])
})

t.test('SDK access: another owner\'s persona 403, unpublished 403, no or bad key 401, missing LLM key 400', async (t) => {
  const c = await chatSetup(t)
  const other = await register(c.app)
  const otherKey = await createKey(c.app, other)
  const foreign = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'A', player_gender: 'male' }, { 'x-api-key': otherKey })
  t.equal(foreign.statusCode, 403)
  t.same(foreign.json(), { error: { message: 'This persona belongs to another account' } })
  t.equal((await c.sdk('GET', `/chat/${c.persona.id}/machines?user_session_id=p1`, undefined, { 'x-api-key': otherKey })).statusCode, 403)

  const draft = await saveExample(c.app, c.owner, 'tam-toll-keeper')
  const unpublished = await c.sdk('POST', `/chat/${draft.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'A', player_gender: 'male' })
  t.equal(unpublished.statusCode, 403)
  t.same(unpublished.json(), { error: { message: 'Persona is not published' } })

  const unpublish = await c.app.inject({ method: 'POST', url: `/api/v1/personas/${c.persona.id}/unpublish`, headers: bearer(c.owner) })
  t.equal(unpublish.statusCode, 200)
  t.equal((await get(c, 'session', 'user_session_id=p1')).statusCode, 403, 'unpublishing closes the SDK at once')

  const noKey = await c.app.inject({ method: 'GET', url: `/api/v1/sdk/chat/${c.persona.id}/session?user_session_id=p1` })
  t.equal(noKey.statusCode, 401)
  t.same(noKey.json(), { error: { message: 'Missing X-API-Key header' } })
  const badKey = await c.sdk('GET', `/chat/${c.persona.id}/session?user_session_id=p1`, undefined, { 'x-api-key': 'pk_live_' + '0'.repeat(32) })
  t.equal(badKey.statusCode, 401)
  t.same(badKey.json(), { error: { message: 'Invalid API key' } })
  t.equal(c.fake.requests.length, 0)
})

t.test('a missing LLM key answers 400 before any provider call', async (t) => {
  const c = await chatSetup(t)
  const res = await c.app.inject({
    method: 'POST',
    url: `/api/v1/sdk/chat/${c.persona.id}/init-session`,
    headers: { 'x-api-key': c.key },
    payload: { user_session_id: 'p1', player_name: 'A', player_gender: 'male' }
  })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: { message: 'Missing LLM API key: send X-LLM-API-Key (or X-LLM-<Step>-API-Key for every step)' } })
  t.equal(c.fake.requests.length, 0)
})

t.test('POST /sdk/validate-llm-key', async (t) => {
  const c = await chatSetup(t)
  const validate = (payload?: object, headers?: Record<string, string>) => c.sdk('POST', '/validate-llm-key', payload, headers)

  c.fake.enqueue({ text: 'OK' })
  const ok = await validate({ model: 'openai/gpt-4o' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { valid: true, model: 'openai/gpt-4o', error: null })
  t.equal(c.fake.requests.at(-1)!.model, 'gpt-4o')
  t.equal(c.fake.requests.at(-1)!.headers.authorization, `Bearer ${LLM_KEY}`)

  c.fake.enqueue({ status: 401 })
  const rejected = await validate({})
  t.equal(rejected.statusCode, 200)
  t.same(rejected.json(), { valid: false, model: 'gpt-4o-mini', error: 'The LLM provider rejected the LLM API key (X-LLM-API-Key)' })
  t.notMatch(rejected.body, LLM_KEY)

  const unknownProvider = await validate({ model: 'acme/brain-1' })
  t.equal(unknownProvider.statusCode, 200)
  t.same(unknownProvider.json(), { valid: false, model: 'acme/brain-1', error: 'Unknown model provider "acme" in model "acme/brain-1"; use one of openai, anthropic, groq, openrouter, mistral, deepseek, together_ai, xai, gemini, ollama' })

  c.fake.enqueue({ status: 404 })
  const unknownModel = await validate({ model: 'gpt-nope' })
  t.equal(unknownModel.json().valid, false)
  t.match(unknownModel.json().error, /^The LLM provider rejected the request: /)

  c.fake.enqueue({ status: 429, retryAfter: 9 })
  const limited = await validate()
  t.equal(limited.statusCode, 429, 'a provider rate limit says nothing about the key')
  t.equal(limited.headers['retry-after'], '9')
  t.same(limited.json(), { error: { message: 'The LLM provider rate-limited the request; retry later' } })

  const noKey = await c.app.inject({ method: 'POST', url: '/api/v1/sdk/validate-llm-key', headers: { 'x-api-key': c.key, 'content-type': 'application/json' }, payload: '' })
  t.equal(noKey.statusCode, 400)
  t.same(noKey.json(), { error: { message: 'Missing LLM API key: send X-LLM-API-Key' } })

  c.fake.enqueue({ text: 'OK' })
  const headerModel = await validate(undefined, { 'x-llm-model': 'anthropic/claude-3-5-haiku-latest' })
  t.same(headerModel.json(), { valid: true, model: 'anthropic/claude-3-5-haiku-latest', error: null })
  t.equal(c.fake.requests.at(-1)!.provider, 'anthropic')

  const noApiKey = await c.app.inject({ method: 'POST', url: '/api/v1/sdk/validate-llm-key', headers: llmHeaders })
  t.equal(noApiKey.statusCode, 401)
})

t.test('concurrent messages on one session are processed one at a time, nothing lost or duplicated', async (t) => {
  const c = await chatSetup(t)
  await init(c, 'p1')
  const answers = ['door:approach->approach:redirect', null, 'door:approach->approach:redirect', null, null]
  for (const [i, answer] of answers.entries()) {
    c.evaluate(answer)
    c.reply(`R${i}`)
  }
  const results = await Promise.all(answers.map((_, i) => send(c, 'p1', `message ${i}`)))
  t.same(results.map((r) => r.statusCode), [200, 200, 200, 200, 200])
  t.same(results.map((r) => [r.json().message, r.json().score, r.json().redirect_count]),
    [['R0', -1, 1], ['R1', -1, 1], ['R2', -2, 2], ['R3', -2, 2], ['R4', -2, 2]], 'each turn saw the one before, in arrival order')
  const history = (await get(c, 'history', 'user_session_id=p1')).json()
  t.same([history.score, history.messages.length], [-2, 11])
  t.same(history.messages.slice(1).map((m: { content: string }) => m.content),
    ['message 0', 'R0', 'message 1', 'R1', 'message 2', 'R2', 'message 3', 'R3', 'message 4', 'R4'])
})
