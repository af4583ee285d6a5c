// Idempotency-Key (SPEC §10): a repeated request gets the stored result without a second turn or LLM call.
import t, { type Test } from 'tap'
import { bearer, createKey, register } from '../helpers/build.ts'
import { chatSetup, llmHeaders, type ChatSetup } from '../helpers/chat.ts'
import { example } from '../helpers/examples.ts'
import { parseSse } from '../helpers/sse.ts'

const REUSED = 'This Idempotency-Key was already used with a different request (another route, session or body) in the last 24 hours: send a new key for a new request'

async function started (t: Test) {
  const c = await chatSetup(t)
  c.reply('Hi.')
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })).statusCode, 200)
  return c
}

const messageCount = async (c: ChatSetup) => (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json().messages.length
const idem = (key: string) => ({ 'idempotency-key': key })

t.test('SDK message: the same key and body answers the stored result once, without a second turn or LLM call', async (t) => {
  const c = await started(t)
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Come in.')
  const first = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'On the list.' }, idem('k-1'))
  t.equal(first.statusCode, 200)
  const calls = c.fake.requests.length
  const again = await c.sdk('POST', `/chat/${c.persona.id}/message`, { message: 'On the list.', user_session_id: 'p1' }, idem('k-1'))
  t.equal(again.statusCode, 200)
  t.equal(again.body, first.body, 'the same body, whatever the key order of the request')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(first.headers['idempotent-replayed'], undefined)
  t.equal(c.fake.requests.length, calls, 'no LLM call')
  t.equal(await messageCount(c), 3, 'greeting + one turn')

  const other = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Something else.' }, idem('k-1'))
  t.equal(other.statusCode, 400)
  t.same(other.json(), { error: { message: REUSED } })
  const otherRoute = await c.sdk('POST', `/chat/${c.persona.id}/reset?user_session_id=p1`, undefined, idem('k-1'))
  t.same([otherRoute.statusCode, otherRoute.json()], [400, { error: { message: REUSED } }])
  t.equal(await messageCount(c), 3, 'neither ran')

  const bad = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'x' }, idem('has space'))
  t.same([bad.statusCode, bad.json()], [400, { error: { message: 'Idempotency-Key must be 1 to 255 visible ASCII characters' } }])
})

t.test('the scope is the API key\'s owner: another key of the owner replays, another owner runs its own request', async (t) => {
  const c = await started(t)
  c.reply('Hello again.')
  const body = { user_session_id: 'p2', player_name: 'Bo', player_gender: 'male' }
  const first = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, body, idem('same'))
  const secondKey = await createKey(c.app, c.owner, 'second')
  const viaOtherKey = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, body, { ...idem('same'), 'x-api-key': secondKey })
  t.equal(viaOtherKey.body, first.body)

  const stranger = await register(c.app)
  const strangerKey = await createKey(c.app, stranger)
  const theirs = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, body, { ...idem('same'), 'x-api-key': strangerKey })
  t.equal(theirs.statusCode, 403, 'their own request ran (and is refused on its own merits)')
})

t.test('stream: a repeated key gets metadata, one text_delta with the whole message, and done', async (t) => {
  const c = await started(t)
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: ['Come ', 'in ', 'then.'] })
  const first = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'On the list.' }, idem('s-1'))
  const events = parseSse(first.body)
  t.same(events.map((e) => e.event), ['metadata', 'text_delta', 'text_delta', 'text_delta', 'done'])
  const calls = c.fake.requests.length
  const again = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'On the list.' }, idem('s-1'))
  t.equal(again.statusCode, 200)
  t.equal(again.headers['content-type'], 'text/event-stream; charset=utf-8')
  const replayed = parseSse(again.body)
  t.same(replayed, [events[0], { event: 'text_delta', data: { text: 'Come in then.' } }, events.at(-1)])
  t.equal(c.fake.requests.length, calls, 'no LLM call')
  t.equal(await messageCount(c), 3)
})

t.test('stream: a result that cannot be stored (the database fails) is no unhandled rejection; the committed turn still streams and the server stays up', async (t) => {
  const c = await started(t)
  const repo = c.app.repos.idempotency
  const store = repo.complete
  repo.complete = async () => { throw new Error('disk full') }
  t.teardown(() => { repo.complete = store })
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Come in.')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'On the list.' }, idem('s-fail'))
  t.equal(parseSse(res.body).at(-1)?.event, 'done')
  // The store runs after the stream's last frame; give it a moment to fail (an unhandled rejection fails this file).
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(await messageCount(c), 3, 'the turn is committed')
  c.reply('Still here.')
  t.equal((await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).statusCode, 200, 'the server still answers')
})

t.test('a duplicate arriving while the first runs waits for it and returns its result', async (t) => {
  const c = await started(t)
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ text: 'Slowly, come in.', delayMs: 300 })
  const send = () => c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'On the list.' }, idem('w-1'))
  const [a, b] = await Promise.all([send(), send()])
  t.same([a.statusCode, b.statusCode], [200, 200])
  t.equal(a.body, b.body)
  t.equal(a.json().message, 'Slowly, come in.')
  await c.settled()
  t.equal(c.answeredOf('reply').length, 2, 'greeting + one reply')
  t.equal(c.requestsOf('reply').length, c.pipeline.speculativeReply ? 3 : 2, 'and a speculated reply the pass discarded, when the pipeline speculates')
  t.ok(c.requestsOf('reply').every((r) => r.aborted === !c.answeredOf('reply').includes(r)))
  t.equal(c.requestsOf('evaluate').length, 1)
  t.equal(await messageCount(c), 3)
})

t.test('a failed request frees its key: the retry with the same key runs and is then stored', async (t) => {
  const c = await started(t)
  c.failing('reply', { status: 500 })
  c.evaluate('door:approach->guest_list:pass')
  const failed = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'On the list.' }, idem('f-1'))
  t.equal(failed.statusCode, 500)
  c.failing('reply', null)
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Come in.')
  const retried = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'On the list.' }, idem('f-1'))
  t.same([retried.statusCode, retried.json().message], [200, 'Come in.'])
  const replay = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'On the list.' }, idem('f-1'))
  t.equal(replay.body, retried.body)
  t.equal(await messageCount(c), 3)

  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: ['Cut ', 'here'], cutAfterChunks: 1, truncate: 'clean' })
  const cut = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Again.' }, idem('f-2'))
  t.equal(parseSse(cut.body).at(-1)?.event, 'error')
  // the retry is the same turn: the same evaluation, then a reply that completes
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Fine.')
  const afterCut = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Again.' }, idem('f-2'))
  t.equal(parseSse(afterCut.body).at(-1)?.data.message, 'Fine.', 'a stream that failed freed its key too')
})

t.test('reset, web chat and creator/save replay their stored result', async (t) => {
  const c = await started(t)
  const reset = await c.sdk('POST', `/chat/${c.persona.id}/reset?user_session_id=p1`, undefined, idem('r-1'))
  t.equal(reset.statusCode, 200)
  const resetAgain = await c.sdk('POST', `/chat/${c.persona.id}/reset?user_session_id=p1`, undefined, idem('r-1'))
  t.same([resetAgain.statusCode, resetAgain.body], [200, reset.body], 'not a 404 for the session already gone')

  const web = (key: string) => c.app.inject({
    method: 'POST',
    url: `/api/v1/chat/${c.persona.id}/init-session`,
    headers: { ...bearer(c.owner), ...llmHeaders, ...idem(key) },
    payload: { user_session_id: 'w1', player_name: 'Ada', player_gender: 'female' }
  })
  c.reply('Web hello.')
  const w1 = await web('r-1')
  t.equal(w1.statusCode, 200, 'the web scope (the user) is not the SDK scope (the key owner)')
  const calls = c.fake.requests.length
  t.equal((await web('r-1')).body, w1.body)
  t.equal(c.fake.requests.length, calls)

  const save = () => c.app.inject({ method: 'POST', url: '/api/v1/creator/save', headers: { ...bearer(c.owner), ...idem('save-1') }, payload: example('tam-toll-keeper') })
  const saved = await save()
  t.equal(saved.statusCode, 201)
  const savedAgain = await save()
  t.same([savedAgain.statusCode, savedAgain.json().persona.id], [201, saved.json().persona.id])
  const mine = await c.app.inject({ method: 'GET', url: '/api/v1/personas?my_personas=true', headers: bearer(c.owner) })
  t.equal(mine.json().filter((p: { name: string }) => p.name === saved.json().persona.name).length, 1, 'one persona created')
})
