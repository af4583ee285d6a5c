// The speculative reply: used when the decided reply input equals the speculated one, else aborted upstream with nothing of it streamed or committed; its setting, header and cost.
import t, { type Test } from 'tap'
import { bearer, register } from '../helpers/build.ts'
import { chatSetup, roleOf, transitionHandles, type ChatSetup } from '../helpers/chat.ts'
import type { FakeScript } from '../helpers/fake-llm.ts'
import { parseSse } from '../helpers/sse.ts'
import { DEFAULT_PIPELINE } from '../../src/engine/chat-pipeline.ts'
import { loadConfig } from '../../src/config.ts'

const SPECULATED = 'Words nobody should see.'

async function setup (t: Test, env: Record<string, string> = {}): Promise<ChatSetup> {
  const c = await chatSetup(t, { env: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'true', ADMIN_EMAILS: 'root@example.com', ...env } })
  c.reply('Hi.')
  const started = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })
  t.equal(started.statusCode, 200)
  return c
}

/**
 * The evaluator answers `evaluation`; replies in the current state (approach) are slow and must never
 * be seen; a reply for any other prompt answers `text` at once.
 */
function slowUnlessMoved (c: ChatSetup, evaluation: FakeScript, text: string) {
  const approach = c.machine('door').states.find((s: { state_key: string }) => s.state_key === 'approach').prompt_instruction
  c.fake.setDefault((req) => {
    if (roleOf(req) === 'evaluate') return evaluation
    return req.system.includes(approach) ? { text: SPECULATED, firstTokenDelayMs: 20_000 } : { text }
  })
}

/** The evaluator's answer choosing `spec` (machine:from->to:decision) under its handle. */
const choosing = (c: ChatSetup, spec: string): FakeScript =>
  ({ json: { transition_id: transitionHandles(c.saved).get(c.tid(spec)), follow_up: false, reason: 'Chosen.' } })

const lastTrace = async (c: ChatSetup) =>
  (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1&include_trace=true`)).json().messages.at(-1)

t.test('a redirect leaves the reply input unchanged: the speculated reply is the turn\'s reply, nothing is aborted', async (t) => {
  const c = await setup(t)
  c.evaluate('door:approach->approach:redirect')
  c.reply('Not with that attitude.')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Let me in' })
  const events = parseSse(res.body)
  t.same(events.filter((e) => e.event === 'text_delta').map((e) => e.data.text).join(''), 'Not with that attitude.')
  t.match(events.at(-1), { event: 'done', data: { message: 'Not with that attitude.', decision: 'redirect' } })
  t.equal(c.requestsOf('reply').length, 2, 'the greeting and one reply: the speculated one')
  t.equal(c.fake.aborted, 0)
  const last = await lastTrace(c)
  t.equal(last.content, 'Not with that attitude.')
  t.match(last.trace, { decision: 'redirect', timeline: { pipeline: 'streamed', speculation: 'used' }, wasted_tokens: { tokens_in: 0, tokens_out: 0 } })
  const tl = last.trace.timeline
  t.ok(tl.evaluation_start_ms <= tl.decision_ms && tl.decision_ms <= tl.reply_first_token_ms && tl.reply_first_token_ms <= tl.end_ms, 'the timeline is in order')
})

t.test('the non-streamed route speculates a whole reply: one provider call, not streamed, used as the turn\'s reply', async (t) => {
  const c = await setup(t)
  c.evaluate('door:approach->approach:redirect')
  c.reply('Not with that attitude.')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Let me in' })
  t.match(res.json(), { message: 'Not with that attitude.', decision: 'redirect' })
  const replies = c.requestsOf('reply').slice(1)
  t.equal(replies.length, 1, 'one reply: the speculated one')
  t.equal(replies[0].stream, false, 'nobody reads its deltas, so none are asked for')
  t.equal(c.fake.aborted, 0)
  t.match((await lastTrace(c)).trace, { timeline: { speculation: 'used', reply_first_token_ms: null }, wasted_tokens: { tokens_in: 0, tokens_out: 0 } })
})

t.test('a pass changes the reply input: the speculated reply is aborted upstream, never streamed or committed, and its cost is recorded', async (t) => {
  const c = await setup(t)
  slowUnlessMoved(c, choosing(c, 'door:approach->vibe_check:pass'), 'What are we celebrating?')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'I came for the DJ' })
  await c.fake.waitForAborted(1)
  t.notOk(res.body.includes(SPECULATED))
  const events = parseSse(res.body)
  t.same(events.filter((e) => e.event === 'text_delta').map((e) => e.data.text).join(''), 'What are we celebrating?')
  t.match(events.at(-1), { event: 'done', data: { message: 'What are we celebrating?', current_state: 'vibe_check' } })
  const replies = c.requestsOf('reply').slice(1)
  t.equal(replies.length, 2, 'the speculated reply and the turn\'s reply')
  t.notSame(replies[0].system, replies[1].system)
  const last = await lastTrace(c)
  t.equal(last.content, 'What are we celebrating?')
  t.match(last.trace, { decision: 'pass', timeline: { speculation: 'discarded' }, wasted_tokens: { tokens_out: 0 } })
  t.ok(last.trace.wasted_tokens.tokens_in > 0, 'the speculated prompt counts as wasted')

  const root = await register(c.app, 'root@example.com')
  const stats = (await c.app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: bearer(root) })).json().last_24h
  t.equal(stats.speculation_wasted_tokens_in, last.trace.wasted_tokens.tokens_in)
  t.equal(stats.speculation_wasted_tokens_out, 0)
  t.ok(stats.llm_tokens_in >= last.trace.steps.evaluate.tokens_in + last.trace.steps.reply.tokens_in + last.trace.wasted_tokens.tokens_in)
})

t.test('a follow-up changes the reply prompt too; the non-streamed route discards the same way', async (t) => {
  const c = await setup(t)
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Which name?')
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'I am on the list' })).statusCode, 200)
  c.evaluate({ follow_up: true })
  const guestList = c.machine('door').states.find((s: { state_key: string }) => s.state_key === 'guest_list').prompt_instruction
  c.fake.setDefault((req) => {
    if (roleOf(req) === 'evaluate') return { json: { transition_id: null, follow_up: true, reason: 'First name only.' } }
    return /clarifying question/.test(req.system) ? { text: 'Sam who?' } : req.system.includes(guestList) ? { text: SPECULATED, firstTokenDelayMs: 20_000 } : { text: 'x' }
  })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Sam' })
  t.match(res.json(), { message: 'Sam who?', follow_up: true, current_state: 'guest_list' })
  await c.fake.waitForAborted(1)
  t.match((await lastTrace(c)).trace, { timeline: { speculation: 'discarded', reply_first_token_ms: null } })
})

t.test('an evaluation that fails aborts the speculated reply; nothing is committed', async (t) => {
  const c = await setup(t)
  const before = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()
  slowUnlessMoved(c, { status: 401 }, 'unused')
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Hello' })
  t.equal(res.statusCode, 401)
  await c.fake.waitForAborted(1)
  t.same((await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json(), before)
})

t.test('X-Rapport-Speculative-Reply overrides the setting per request; another value is a 400', async (t) => {
  const c = await setup(t, { SPECULATIVE_REPLY: 'false' })
  const send = (header?: string) => c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Hm' },
    header === undefined ? {} : { 'x-rapport-speculative-reply': header })
  t.equal((await send()).statusCode, 200)
  t.match((await lastTrace(c)).trace.timeline, { speculation: 'off' })
  t.equal((await send('on')).statusCode, 200)
  t.match((await lastTrace(c)).trace.timeline, { speculation: 'used' })
  t.equal((await send('off')).statusCode, 200)
  t.match((await lastTrace(c)).trace.timeline, { speculation: 'off' })
  const bad = await send('maybe')
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { error: { message: /x-rapport-speculative-reply/ } })

  const on = await setup(t)
  t.equal((await on.sdk('POST', `/chat/${on.persona.id}/message`, { user_session_id: 'p1', message: 'Hm' }, { 'x-rapport-speculative-reply': 'off' })).statusCode, 200)
  t.match((await lastTrace(on)).trace.timeline, { speculation: 'off' }, '"off" turns an enabled setting off for the request')
})

t.test('the sequential pipeline decides from the whole evaluation', async (t) => {
  const c = await setup(t, { CHAT_PIPELINE: 'sequential', SPECULATIVE_REPLY: 'false' })
  c.evaluate('door:approach->vibe_check:pass')
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'The DJ' })).statusCode, 200)
  t.equal(c.requestsOf('evaluate')[0].stream, false)
  t.match((await lastTrace(c)).trace.timeline, { pipeline: 'sequential', speculation: 'off' })
})

t.test('an evaluation that fails after its decision fails the streamed turn after metadata: an error event, nothing committed', async (t) => {
  const c = await setup(t)
  const before = (await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json()
  c.failing('evaluate', { chunks: ['{"transition_id": null, "follow_up": false, ', '"reason": "Nothing ', 'applies."}'], cutAfterChunks: 1 })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Hello' })
  c.failing('evaluate', null)
  t.equal(res.statusCode, 200)
  const events = parseSse(res.body)
  t.match(events[0], { event: 'metadata', data: { decision: null } })
  t.match(events.at(-1), { event: 'error', data: { error: { message: 'LLM provider error: could not reach the provider or the connection was interrupted' } } })
  t.notOk(events.some((e) => e.event === 'done'))
  t.same((await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)).json(), before)
})

t.test('SPECULATIVE_TRANSITIONS: the replies of the offered transitions are speculated too; the decided one is used, the others are aborted upstream, never streamed or committed', async (t) => {
  const c = await setup(t, { SPECULATIVE_TRANSITIONS: '3' })
  const door = c.machine('door')
  const instruction = (key: string) => door.states.find((s: { state_key: string }) => s.state_key === key).prompt_instruction
  c.fake.setDefault((req) => {
    if (roleOf(req) === 'evaluate') return choosing(c, 'door:approach->vibe_check:pass')
    // Only vibe_check's reply ever answers; the others would be seen if they were not aborted.
    return req.system.includes(instruction('vibe_check')) ? { text: 'What are we celebrating?', chunkDelayMs: 50 } : { text: SPECULATED, firstTokenDelayMs: 20_000 }
  })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'I came for the DJ' })
  const replies = c.requestsOf('reply').slice(1)
  // approach offers turned_away (kick_out), guest_list, vibe_check and a redirect: the redirect's reply is the unchanged one.
  t.equal(replies.length, 4, 'the unchanged reply and three transitions\' replies, started together')
  t.ok(['approach', 'turned_away', 'guest_list', 'vibe_check'].every((k) => replies.some((r) => r.system.includes(instruction(k)))))
  await c.fake.waitForAborted(3)
  t.same(replies.filter((r) => !r.aborted).map((r) => r.system.includes(instruction('vibe_check'))), [true], 'all but the decided one were aborted')
  t.notOk(res.body.includes(SPECULATED))
  const events = parseSse(res.body)
  t.same(events.filter((e) => e.event === 'text_delta').map((e) => e.data.text).join(''), 'What are we celebrating?')
  const last = await lastTrace(c)
  t.equal(last.content, 'What are we celebrating?')
  t.match(last.trace, { decision: 'pass', timeline: { speculation: 'used' } })
  t.ok(last.trace.wasted_tokens.tokens_in > 0, 'the three discarded prompts count as wasted')
})

t.test('a handle still arriving that only one offered transition begins with starts that transition\'s reply before the decision; the decided turn uses it', async (t) => {
  const c = await setup(t)
  const handle = transitionHandles(c.saved).get(c.tid('door:approach->vibe_check:pass'))!
  const vibeCheck = c.machine('door').states.find((s: { state_key: string }) => s.state_key === 'vibe_check').prompt_instruction
  let evaluationEnded = false
  let startedWhileEvaluating: boolean | null = null
  c.fake.setDefault((req) => {
    if (roleOf(req) === 'evaluate') {
      req.closed.then(() => { evaluationEnded = true }, () => {})
      // approach offers t1–t4, so the handle is known before its closing quote; the rest comes 1.5 s later.
      return { chunks: ['{"transition_id": "', handle, '", "follow_up": false, "reason": "The DJ."}'], chunkDelayMs: 1500 }
    }
    if (req.system.includes(vibeCheck)) {
      startedWhileEvaluating ??= !evaluationEnded
      return { text: 'What are we celebrating?' }
    }
    return { text: SPECULATED, firstTokenDelayMs: 20_000 }
  })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'I came for the DJ' })
  t.equal(startedWhileEvaluating, true, 'vibe_check\'s reply was asked for while the evaluation was still answering')
  const replies = c.requestsOf('reply').slice(1)
  t.equal(replies.length, 2, 'the unchanged reply and the likely transition\'s reply; no third reply after the decision')
  await c.fake.waitForAborted(1)
  t.same(replies.map((r) => r.aborted), [true, false], 'the unchanged reply was aborted upstream')
  t.notOk(res.body.includes(SPECULATED))
  const events = parseSse(res.body)
  t.same(events.filter((e) => e.event === 'text_delta').map((e) => e.data.text).join(''), 'What are we celebrating?')
  t.match(events.at(-1), { event: 'done', data: { current_state: 'vibe_check', decision: 'pass' } })
  const last = await lastTrace(c)
  t.match(last.trace, { decision: 'pass', timeline: { speculation: 'used' } })
  t.ok(last.trace.wasted_tokens.tokens_in > 0, 'the unchanged reply\'s prompt counts as wasted')
  const tl = last.trace.timeline
  t.ok(tl.decision_ms >= 3000, 'the decision came with the rest of the evaluation')
  t.equal(tl.reply_first_token_ms, tl.decision_ms, 'a reply that answered before the decision reaches the player at the decision')
})

t.test('a discarded reply that already answered counts its output tokens as wasted too', async (t) => {
  const c = await setup(t, { ADMIN_EMAILS: 'root@example.com' })
  c.fake.setDefault((req) => roleOf(req) === 'evaluate'
    ? { ...choosing(c, 'door:approach->vibe_check:pass'), firstTokenDelayMs: 500 }
    : { text: 'A line in whatever state this prompt is for.' })
  const root = await register(c.app, 'root@example.com')
  const statsNow = async () => (await c.app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: bearer(root) })).json().last_24h
  const before = await statsNow()
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'I came for the DJ' })
  t.equal(res.statusCode, 200)
  const replies = c.requestsOf('reply').slice(1)
  t.equal(replies.length, 2, 'the unchanged reply (answered, then discarded) and the turn\'s reply')
  const last = await lastTrace(c)
  t.match(last.trace, { decision: 'pass', timeline: { speculation: 'discarded' } })
  const { evaluate, reply } = last.trace.steps
  const wasted = last.trace.wasted_tokens
  t.ok(wasted.tokens_out > 0 && evaluate.tokens_out > 0 && reply.tokens_out > 0, 'every part spent output tokens')
  const after = await statsNow()
  t.equal(after.speculation_wasted_tokens_out - before.speculation_wasted_tokens_out, wasted.tokens_out)
  t.equal(after.llm_tokens_in - before.llm_tokens_in, evaluate.tokens_in + reply.tokens_in + wasted.tokens_in, 'the turn counts evaluation, reply and wasted input tokens')
  t.equal(after.llm_tokens_out - before.llm_tokens_out, evaluate.tokens_out + reply.tokens_out + wasted.tokens_out, 'and the same output tokens')
})

t.test('a follow-up that overrules the handle heard first: the reply started on the guess is aborted upstream, never streamed or committed', async (t) => {
  const c = await setup(t)
  c.evaluate('door:approach->guest_list:pass')
  c.reply('Which name?')
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'I am on the list' })).statusCode, 200)
  const handle = transitionHandles(c.saved).get(c.tid('door:guest_list->vibe_check:pass'))!
  const [repliesBefore, abortedBefore] = [c.requestsOf('reply').length, c.fake.aborted]
  const states = c.machine('door').states
  const instruction = (key: string) => states.find((s: { state_key: string }) => s.state_key === key).prompt_instruction
  c.fake.setDefault((req) => {
    // guest_list has a follow-up condition: the complete handle is only a guess until follow_up arrives.
    if (roleOf(req) === 'evaluate') return { chunks: [`{"transition_id": "${handle}", `, '"follow_up": true, ', '"reason": "First name only."}'], chunkDelayMs: 1000 }
    if (/clarifying question/.test(req.system)) return { text: 'Sam who?' }
    return { text: SPECULATED, firstTokenDelayMs: 20_000 }
  })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Sam' })
  await c.fake.waitForAborted(abortedBefore + 2)
  const replies = c.requestsOf('reply').slice(repliesBefore)
  t.equal(replies.length, 3, 'the unchanged reply, the guessed transition\'s, then the follow-up\'s')
  t.ok(replies[1].system.includes(instruction('vibe_check')), 'the guess: guest_list -> vibe_check')
  t.same(replies.map((r) => r.aborted), [true, true, false])
  t.notOk(res.body.includes(SPECULATED))
  const events = parseSse(res.body)
  t.match(events.at(-1), { event: 'done', data: { message: 'Sam who?', follow_up: true, current_state: 'guest_list' } })
  const last = await lastTrace(c)
  t.equal(last.content, 'Sam who?')
  t.match(last.trace, { timeline: { speculation: 'discarded' } })
  t.ok(last.trace.wasted_tokens.tokens_in > 0)
})

t.test('a chat service built without pipeline settings runs the server\'s default pipeline', async (t) => {
  t.same(DEFAULT_PIPELINE, loadConfig({ DATABASE_URL: ':memory:', JWT_SECRET: 'test-secret-test-secret-test-secret!' }).chat)
})

t.test('a likely transition whose reply is one already started starts nothing more', async (t) => {
  const c = await setup(t)
  // The redirect keeps the state: its reply request is the unchanged one, started with the turn.
  const handle = transitionHandles(c.saved).get(c.tid('door:approach->approach:redirect'))!
  c.fake.setDefault((req) => roleOf(req) === 'evaluate'
    ? { chunks: ['{"transition_id": "', handle, '", "follow_up": false, "reason": "Pushy."}'], chunkDelayMs: 300 }
    : { text: 'Not with that attitude.' })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Let me in' })
  t.match(parseSse(res.body).at(-1), { event: 'done', data: { message: 'Not with that attitude.', decision: 'redirect' } })
  t.equal(c.requestsOf('reply').slice(1).length, 1, 'one reply request for the turn, not a second identical one')
  t.equal(c.fake.aborted, 0)
  t.match((await lastTrace(c)).trace, { timeline: { speculation: 'used' }, wasted_tokens: { tokens_in: 0, tokens_out: 0 } })
})
