// A reply or evaluation the provider cut short is a provider failure at every step: an `error` event (JSON 500
// when not streaming), nothing committed, and the resent message then applies exactly one turn.
import t, { type Test } from 'tap'
import { chatSetup, type ChatSetup } from '../helpers/chat.ts'
import type { FakeScript } from '../helpers/fake-llm.ts'
import { parseSse } from '../helpers/sse.ts'

const CUT = 'LLM provider error: the answer was cut short (no finish marker)'
const INTERRUPTED = 'LLM provider error: could not reach the provider or the connection was interrupted'
const REPLY = ['Come ', 'in ', 'then. ', 'Tea?']

// The three ways a provider truncates (plus the close-delimited variant of a clean close).
const MODES: [NonNullable<FakeScript['truncate']>, string][] = [['clean', CUT], ['close', CUT], ['content-length', INTERRUPTED], ['reset', INTERRUPTED]]

async function setup (t: Test, c?: ChatSetup, player = 'p1') {
  c ??= await chatSetup(t)
  c.reply('Hi.')
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: player, player_name: 'Ada', player_gender: 'female' })).statusCode, 200)
  return c
}

const history = async (c: ChatSetup, player = 'p1') => {
  await c.app.chat.drain()
  return (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=${player}&include_trace=true`)).json()
}

/** The resend succeeds from the state before the failure and applies one turn. */
async function resend (t: Test, c: ChatSetup, before: any, stream: boolean, player = 'p1') {
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: REPLY })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message${stream ? '/stream' : ''}`, { user_session_id: player, message: 'Let me in' })
  t.equal(res.statusCode, 200)
  const done = stream ? parseSse(res.body).find((e) => e.event === 'done')?.data : res.json()
  t.same([done?.message, done?.current_state], ['Come in then. Tea?', 'guest_list'], 'the whole reply, from the state before the failure')
  const after = await history(c, player)
  t.equal(after.messages.length, before.messages.length + 2, 'exactly one turn (player + character) was added')
  t.same(after.messages.slice(-2).map((m: { role: string }) => m.role), ['user', 'assistant'])
}

for (const [mode, message] of MODES) {
  t.test(`a reply or evaluation truncated by "${mode}" fails the turn, commits nothing, and the resend succeeds`, async (t) => {
    const c = await setup(t)
    await setup(t, c, 'p2')
    await setup(t, c, 'p3')

    t.test('stream: the reply ends in an error event after the deltas sent', async (t) => {
      const before = await history(c)
      c.evaluate('door:approach->guest_list:pass')
      c.reply({ chunks: REPLY, cutAfterChunks: 2, truncate: mode })
      const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Let me in' })
      t.equal(res.statusCode, 200)
      const events = parseSse(res.body)
      t.same(events.map((e) => e.event), ['metadata', 'text_delta', 'text_delta', 'error'])
      t.same(events.slice(1, 3).map((e) => e.data.text), ['Come ', 'in '])
      t.same(events[3].data, { error: { message } })
      t.same(await history(c), before, 'nothing committed')
      await resend(t, c, before, true)
    })

    t.test('POST message: the reply (cut twice) is a JSON 500', async (t) => {
      const before = await history(c, 'p2')
      c.evaluate('door:approach->guest_list:pass')
      c.failing('reply', { chunks: REPLY, cutAfterChunks: 2, truncate: mode })
      const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p2', message: 'Let me in' })
      c.failing('reply', null)
      t.equal(res.statusCode, 500)
      t.same(res.json(), { error: { message } })
      t.same(await history(c, 'p2'), before, 'nothing committed')
      await resend(t, c, before, false, 'p2')
    })

    t.test('stream: the evaluation (cut twice) is a JSON 500 before any reply', async (t) => {
      const before = await history(c, 'p3')
      const replies = c.requestsOf('reply').length
      // Cut before the decision is complete (a streamed evaluation decides on its first fields), and
      // without a speculative reply, so no reply is asked for at all.
      c.failing('evaluate', { chunks: ['{"transition_id": ', 'null, "follow_up": false, "reason": "Nothing applies."}'], cutAfterChunks: 1, truncate: mode })
      const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p3', message: 'Let me in' }, { 'x-rapport-speculative-reply': 'off' })
      c.failing('evaluate', null)
      t.equal(res.statusCode, 500)
      t.match(res.json(), { error: { message: /^LLM provider error: / } })
      t.equal(c.requestsOf('reply').length, replies, 'no reply was asked for')
      t.same(await history(c, 'p3'), before, 'nothing committed')
      await resend(t, c, before, true, 'p3')
    })
  })
}

t.test('init-session: a greeting cut short is a 500 and starts no session', async (t) => {
  const c = await chatSetup(t)
  c.failing('reply', { chunks: ['Well ', 'well ', 'well.'], cutAfterChunks: 1, truncate: 'clean' })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })
  c.failing('reply', null)
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: { message: CUT } })
  const after = await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)
  t.equal(after.statusCode, 404, 'no session was stored')
})

t.test('a reply cut at the output token limit is a 500 and commits nothing; a content filter stop is a 400', async (t) => {
  const c = await setup(t)
  const before = await history(c)
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: REPLY, finishReason: 'length' })
  const cut = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Let me in' })
  t.equal(cut.statusCode, 500)
  t.same(cut.json(), { error: { message: 'LLM provider error: the answer was cut at the output token limit' } })
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: REPLY, finishReason: 'content_filter' })
  const filtered = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Let me in' })
  t.same(parseSse(filtered.body).at(-1), { event: 'error', data: { error: { message: 'The LLM provider rejected the request: its content filter withheld the answer' } } })
  t.same(await history(c), before, 'nothing committed')
  await resend(t, c, before, false)
})

t.test('an evaluation cut at the output token limit is invalid: repaired once, then the turn runs as "no transition"', async (t) => {
  const c = await setup(t)
  // Cut inside the decision fields, so no pipeline can decide from it early.
  const cutAtLimit = { chunks: ['{"transition_id": ', '"t'], finishReason: 'length' }
  c.evaluate(cutAtLimit)
  c.evaluate(cutAtLimit)
  c.reply('Hm.')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Let me in' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { decision: null, current_state: 'approach' })
  t.match(c.requestsOf('evaluate').at(-1)!.messages.at(-1)!.content, /cut at the output token limit/, 'the repair quoted the reason')
  t.match((await history(c)).messages.at(-1).trace, { transition_id: null, fallback: true })
})
