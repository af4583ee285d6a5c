// Service-level tests of app.chat against the fake LLM: init, a scripted playthrough, faults, serialization, streaming, summaries.
import t, { type Test } from 'tap'
import { asc, eq } from 'drizzle-orm'
import { tablesOf } from '../helpers/db.ts'
import { build, register, type Account } from '../helpers/build.ts'
import { saveExample, type ExampleName } from '../helpers/examples.ts'
import { replyPicker, transitionHandles } from '../helpers/chat.ts'
import { startFakeLlm, type FakeLlm, type FakeRequest, type FakeScript } from '../helpers/fake-llm.ts'
import type { RapportApp } from '../../src/app.ts'
import type { ChatResponse, Viewer } from '../../src/engine/chat-types.ts'

// About 30 tests, each with its own app and accounts: on a loaded 2-core machine more than tap's 240 s per file.
t.setTimeout(600_000)

const KEY = 'sk-test-0123456789abcdef'
const HEADERS = { 'x-llm-api-key': KEY }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

type Kind = 'eval' | 'reply' | 'summary' | 'extract'

/** Which step a request to the fake belongs to (each prompt opens differently). */
function kindOf (req: FakeRequest): Kind {
  if (req.system.includes('referee of a conversation game')) return 'eval'
  if (req.system.includes('running summary')) return 'summary'
  if (req.system.includes('finished conversation')) return 'extract'
  return 'reply'
}

let fake: FakeLlm
/** Per-step scripts, used in order; defaults when a queue is empty. */
let plan: Record<Kind, FakeScript[]>
/** When set, every reply call answers this. */
let replyFault: FakeScript | null = null
const defaults: Record<Kind, FakeScript> = {
  eval: { json: { transition_id: null, follow_up: false, reason: 'Nothing decisive.' } },
  reply: { text: 'Hm.' },
  summary: { text: 'Earlier, the player chatted with the character.' },
  extract: { json: { variables: {}, memory: 'They met once.' } }
}

t.before(async () => { fake = await startFakeLlm() })
t.teardown(() => fake.close())
t.beforeEach(() => {
  fake.reset()
  plan = { eval: [], reply: [], summary: [], extract: [] }
  replyFault = null
  const picker = replyPicker()
  fake.setDefault((req) => {
    const kind = kindOf(req)
    if (kind === 'eval') picker.evaluation(req)
    if (kind === 'reply') return picker.reply(req, () => replyFault ?? plan.reply.shift() ?? defaults.reply)
    return plan[kind].shift() ?? defaults[kind]
  })
})

const requestsOf = (kind: Kind) => fake.requests.filter((r) => r.kind === 'chat' && kindOf(r) === kind)
/** transition_id → the handle the evaluator sees it under, for the persona of the current test. */
let handles = new Map<string, string>()
const choose = (transitionId: string | null, reason = 'Because.') =>
  ({ json: { transition_id: transitionId === null ? null : handles.get(transitionId), follow_up: false, reason } })

interface Setup {
  app: RapportApp
  owner: Account
  personaId: string
  viewer: Viewer
  machines: Record<string, { machine_id: string, states: Array<{ state_key: string, follow_up_condition: string | null }>, transitions: Array<{ transition_id: string, from_state_key: string, to_state_key: string, decision_type: string, condition: string }> }>
  /** The id of the transition of `machineKey` from → to. */
  tid: (machineKey: string, from: string, to: string) => string
  target: (userSessionId?: string, machineId?: string | null) => { viewer: Viewer, personaId: string, machineId: string | null, userSessionId: string }
}

async function setup (t: Test, name: ExampleName = 'vex-bouncer', publish = true): Promise<Setup> {
  const app = await build(t, { OPENAI_BASE_URL: `${fake.url}/openai/v1` })
  const owner = await register(app)
  const saved = await saveExample(app, owner, name, { publish })
  const machines = Object.fromEntries(saved.machines.map((m: any) => [m.machine_key, m]))
  handles = transitionHandles(saved)
  const viewer: Viewer = { kind: 'sdk', ownerId: owner.id }
  const personaId = saved.persona.id
  return {
    app,
    owner,
    personaId,
    viewer,
    machines,
    tid (machineKey, from, to) {
      const found = machines[machineKey].transitions.find((x: any) => x.from_state_key === from && x.to_state_key === to)
      if (!found) throw new Error(`no transition ${machineKey}: ${from} → ${to}`)
      return found.transition_id
    },
    target: (userSessionId = 'player-1', machineId = null) => ({ viewer, personaId, machineId, userSessionId })
  }
}

async function init (s: Setup, userSessionId = 'player-1', machineId: string | null = null) {
  return s.app.chat.initSession({ ...s.target(userSessionId, machineId), headers: HEADERS, playerName: 'Robin', playerGender: 'non-binary' })
}

function send (s: Setup, message: string, userSessionId = 'player-1', machineId: string | null = null) {
  return s.app.chat.sendMessage({ ...s.target(userSessionId, machineId), headers: HEADERS, message })
}

/** The session and every message (with traces) as stored: what "nothing changed" compares. */
function snapshot (s: Setup, userSessionId = 'player-1') {
  return s.app.chat.getHistory({ ...s.target(userSessionId), includeTrace: true })
}

t.test('initSession generates the greeting, stores it as the first message, and re-init replaces the session', async (t) => {
  const s = await setup(t)
  plan.reply.push({ text: '  Name. And why tonight?  ', usage: { prompt_tokens: 120, completion_tokens: 7 } })
  const first = await init(s)
  t.strictSame(first, {
    session_id: first.session_id,
    user_session_id: 'player-1',
    persona_name: 'Vex',
    persona_description: 'The bouncer of The Velvet Static, an underground club in a rain-soaked city. Talk your way past the rope, then maybe into the back room.',
    player_name: 'Robin',
    player_gender: 'non-binary',
    message: 'Name. And why tonight?',
    machine_id: s.machines.door.machine_id
  })
  t.match(first.session_id, UUID)
  t.same((await s.app.db.select().from(tablesOf(s.app).turns)).map((r) => [r.sessionId, r.tokensIn, r.tokensOut]), [[first.session_id, 120, 7]], 'the greeting\'s tokens are counted for the statistics')
  const greetingRequest = requestsOf('reply')[0]
  t.match(greetingRequest.system, /You are Vex, head of door/, 'identity prompt')
  t.match(greetingRequest.system, /working the door on a busy night/, 'chat system prompt')
  t.match(greetingRequest.system, /blocks the velvet rope/, 'initial state instruction')
  t.match(greetingRequest.system, /Robin \(non-binary; pronouns they\/them\)/)
  t.equal(greetingRequest.headers.authorization, `Bearer ${KEY}`)

  const history = await snapshot(s)
  t.match(history, { session_id: first.session_id, persona_id: s.personaId, machine_id: s.machines.door.machine_id, current_state: 'approach', score: 0, outcome: null, player_name: 'Robin', player_gender: 'non-binary' })
  t.match(history.started_at, ISO)
  t.equal(history.messages.length, 1)
  t.strictSame(history.messages[0], {
    id: history.messages[0].id,
    role: 'assistant',
    content: 'Name. And why tonight?',
    state_key_at_time: 'approach',
    score_at_time: 0,
    decision: null,
    follow_up_triggered: false,
    created_at: history.messages[0].created_at,
    trace: { transition_id: null, decision: null, evaluator_reason: null, fallback: false, steps: { reply: { model: 'gpt-4o-mini', tokens_in: 120, tokens_out: 7, latency_ms: history.messages[0].trace!.steps.reply.latency_ms } } }
  })

  await send(s, 'Hi there')
  plan.reply.push({ text: 'Back again?' })
  const second = await init(s)
  t.not(second.session_id, first.session_id, 'a new session')
  t.equal(second.message, 'Back again?')
  const after = await snapshot(s)
  t.equal(after.session_id, second.session_id)
  t.same(after.messages.map((m) => m.content), ['Back again?'], 'the old messages are gone')
  t.equal((await s.app.db.select().from(tablesOf(s.app).messages)).length, 1, 'the old session\'s messages were deleted with it')
})

t.test('a failed greeting changes nothing', async (t) => {
  const s = await setup(t)
  await init(s)
  const before = await snapshot(s)
  plan.reply.push({ status: 401 })
  await t.rejects(init(s), { name: 'LlmError', statusCode: 401 })
  t.same(await snapshot(s), before)
})

t.test('a scripted playthrough: redirect, pass, follow-up, pass, completion with unlock, then the unlocked machine', async (t) => {
  const s = await setup(t)
  const door = s.machines.door
  await t.rejects(init(s, 'player-1', s.machines.vip.machine_id), { statusCode: 403, message: 'Machine is locked for this player' })
  const greeting = await init(s)
  const base = { session_id: greeting.session_id, scoring_mode: 'scoring', unlocked_machines: null }

  plan.eval.push(choose(s.tid('door', 'approach', 'approach'), 'Vague.'))
  plan.reply.push({ text: 'Try again.' })
  t.strictSame(await send(s, 'Let me in, I have cash'), {
    message: 'Try again.', current_state: 'approach', score: -1, outcome: null, decision: 'redirect', follow_up: false, redirect_count: 1, machine_completed: false, ...base
  })
  const evalRequest = requestsOf('eval')[0]
  t.equal(evalRequest.jsonMode, true, 'the evaluation asks for JSON')
  const offered = [...evalRequest.system.matchAll(/^(t\d+) \| decision: (\w+) \| condition: (.*)$/gm)].map((m) => [m[1], m[2], m[3]])
  const approach = door.transitions.filter((x) => x.from_state_key === 'approach')
  t.strictSame(offered, approach.map((x, i) => [`t${i + 1}`, x.decision_type, x.condition]),
    'only the current state\'s transitions, in priority order, under handles')
  t.notOk(approach.some((x) => evalRequest.system.includes(x.transition_id)), 'transition ids stay on the server')
  t.match(evalRequest.messages[0].content, /Let me in, I have cash/)

  plan.eval.push(choose(s.tid('door', 'approach', 'guest_list')))
  plan.reply.push({ text: 'Which name?' })
  t.strictSame(await send(s, 'I am on the list'), {
    message: 'Which name?', current_state: 'guest_list', score: 0, outcome: null, decision: 'pass', follow_up: false, redirect_count: 0, machine_completed: false, ...base
  })

  plan.eval.push({ json: { transition_id: null, follow_up: true, reason: 'First name only.' } })
  plan.reply.push({ text: 'Sam who? Invited by whom?' })
  t.strictSame(await send(s, 'Sam'), {
    message: 'Sam who? Invited by whom?', current_state: 'guest_list', score: 0, outcome: null, decision: null, follow_up: true, redirect_count: 0, machine_completed: false, ...base
  })
  const condition = s.machines.door.states.find((st) => st.state_key === 'guest_list')?.follow_up_condition?.trim() ?? 'missing'
  t.ok(requestsOf('reply').at(-1)!.system.includes(`answer is not clear enough yet (${condition}). Ask one short clarifying question`), 'the clarifying question names the state\'s follow-up condition')

  plan.eval.push(choose(s.tid('door', 'guest_list', 'vibe_check')))
  t.match(await send(s, 'Sam Okafor, Margo invited me'), { current_state: 'vibe_check', score: 2, decision: 'pass' })
  plan.eval.push(choose(s.tid('door', 'vibe_check', 'vibe_check')))
  t.match(await send(s, 'Eh, whatever'), { current_state: 'vibe_check', score: 2, decision: 'redirect', redirect_count: 1 })

  plan.eval.push(choose(s.tid('door', 'vibe_check', 'inside')))
  plan.reply.push({ text: 'Go on in. Behave.' })
  t.strictSame(await send(s, 'I love this DJ, been following her for years'), {
    message: 'Go on in. Behave.',
    current_state: 'inside',
    score: 4,
    outcome: 'ACCEPT',
    decision: 'pass',
    follow_up: false,
    redirect_count: 0,
    machine_completed: true,
    ...base,
    unlocked_machines: [{ machine_id: s.machines.vip.machine_id, machine_key: 'vip', name: 'The Back Room', is_auto_advance: true }]
  })
  t.match(requestsOf('reply').at(-1)!.system, /This scene is over: the player succeeded/)
  await t.rejects(send(s, 'Thanks!'), { statusCode: 400, message: 'The conversation has ended; start a new session' })

  const history = await snapshot(s)
  t.equal(history.messages.length, 13)
  t.match(history, { current_state: 'inside', score: 4, outcome: 'ACCEPT' })
  t.same(history.messages.map((m) => m.role), ['assistant', ...Array(6).fill(['user', 'assistant']).flat()])
  t.match(history.messages[1], { role: 'user', content: 'Let me in, I have cash', state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, trace: null })
  t.match(history.messages[2], { role: 'assistant', state_key_at_time: 'approach', score_at_time: -1, decision: 'redirect', trace: { transition_id: s.tid('door', 'approach', 'approach'), decision: 'redirect', evaluator_reason: 'Vague.', fallback: false, steps: { evaluate: { model: 'gpt-4o-mini' }, reply: { model: 'gpt-4o-mini' } } } })
  t.match(history.messages[6], { follow_up_triggered: true, decision: null })

  await s.app.chat.drain()
  t.strictSame(await s.app.chat.listMachines({ viewer: s.viewer, personaId: s.personaId, userSessionId: 'player-1' }), [
    { machine_id: door.machine_id, machine_key: 'door', name: 'The Door', description: 'It\'s 1 a.m., the queue is long and Vex decides who gets in.', has_session: true, session_outcome: 'ACCEPT', is_linked: false },
    { machine_id: s.machines.vip.machine_id, machine_key: 'vip', name: 'The Back Room', description: 'Inside, Vex has a proposition for someone discreet.', has_session: false, session_outcome: null, is_linked: true }
  ])
  t.strictSame((await s.app.chat.listMachines({ viewer: s.viewer, personaId: s.personaId, userSessionId: 'someone-else' })).map((m) => m.machine_key), ['door'], 'unlocks are per player')
  const progress = await s.app.repos.sessions.progress(`sdk:${s.owner.id}`, s.personaId, 'player-1')
  t.strictSame(progress.unlocked_machine_keys, ['vip'])
  t.strictSame(progress.completed, { door: 'ACCEPT' })
  t.equal(progress.memory_summary, 'The Door: They met once.', 'the memory of the completed machine is folded in')

  // The unlocked pass_fail machine: reject ends it at once; the memory reaches its prompts.
  const vip = await init(s, 'player-1', s.machines.vip.machine_id)
  t.equal(vip.machine_id, s.machines.vip.machine_id)
  t.match(requestsOf('reply').at(-1)!.system, /What you remember about Robin from earlier encounters: The Door: They met once\./)
  plan.eval.push(choose(s.tid('vip', 'bar', 'burned')))
  plan.extract.push({ json: { variables: { favourite_drink: 'negroni', player_alias: 'Sparrow', unrelated: 'x' }, memory: 'Robin talked too much.' } })
  t.strictSame(await send(s, 'Ha, wait till my friends hear about this', 'player-1', s.machines.vip.machine_id), {
    message: 'Hm.', current_state: 'burned', score: -1, outcome: 'REJECT', decision: 'reject', follow_up: false, session_id: vip.session_id, scoring_mode: 'pass_fail', redirect_count: 0, machine_completed: true, unlocked_machines: null
  })
  await s.app.chat.drain()
  const after = await s.app.repos.sessions.progress(`sdk:${s.owner.id}`, s.personaId, 'player-1')
  t.strictSame(after.variables, { favourite_drink: 'negroni', player_alias: 'Sparrow' }, 'only the machine\'s output variables are kept')
  t.strictSame(after.completed, { door: 'ACCEPT', vip: 'REJECT' })
  t.equal(after.memory_summary, 'The Door: They met once.\n\nThe Back Room: Robin talked too much.')
  const vipHistory = await s.app.chat.getHistory({ ...s.target('player-1', s.machines.vip.machine_id), includeTrace: true })
  t.match(vipHistory.messages.at(-1)!.trace, { steps: { extract: { model: 'gpt-4o-mini' } } }, 'the extraction is added to the turn\'s trace')
})

t.test('scoring mode: reject moves with its penalty; kick_out ends the session', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push(choose(s.tid('door', 'approach', 'guest_list')))
  await send(s, 'On the list')
  plan.eval.push(choose(s.tid('door', 'guest_list', 'approach')))
  t.match(await send(s, 'Uh, I forgot the name'), { decision: 'reject', current_state: 'approach', score: -1, outcome: null, machine_completed: false })
  plan.eval.push(choose(s.tid('door', 'approach', 'turned_away')))
  plan.reply.push({ text: 'Out.' })
  t.strictSame(await send(s, 'Move or I move you'), {
    message: 'Out.', current_state: 'turned_away', score: -6, outcome: 'KICK_OUT', decision: 'kick_out', follow_up: false, session_id: (await snapshot(s)).session_id, scoring_mode: 'scoring', redirect_count: 0, machine_completed: true, unlocked_machines: null
  })
  await s.app.chat.drain()
  t.strictSame((await s.app.repos.sessions.progress(`sdk:${s.owner.id}`, s.personaId, 'player-1')).unlocked_machine_keys, [], 'no link matches KICK_OUT')
  await t.rejects(send(s, 'Sorry'), { statusCode: 400, message: 'The conversation has ended; start a new session' })
})

t.test('an evaluator that answers invalid JSON twice: the turn runs as "no transition" and the trace says so', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push({ text: 'I think they should pass' }, { text: '{"transition_id": 7}' })
  plan.reply.push({ text: 'Go on.' })
  t.match(await send(s, 'Hello'), { message: 'Go on.', decision: null, follow_up: false, current_state: 'approach', score: 0, redirect_count: 0 })
  const evals = requestsOf('eval')
  t.equal(evals.length, 2, 'one repair retry, no more')
  t.match(evals[1].messages.at(-2), { role: 'assistant', content: 'I think they should pass' })
  t.match(evals[1].messages.at(-1)!.content, /That answer is invalid:\n- The output is not valid JSON/)
  const trace = (await snapshot(s)).messages.at(-1)!.trace!
  t.match(trace, { transition_id: null, decision: null, evaluator_reason: null, fallback: true })
  t.ok(trace.steps.evaluate!.tokens_in > 0)
})

t.test('an evaluator answer repaired on the second attempt is used; an unknown transition id counts as invalid', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push({ json: { transition_id: 'no-such-transition', follow_up: false, reason: 'x' } }, choose(s.tid('door', 'approach', 'vibe_check'), 'Polite.'))
  t.match(await send(s, 'Good evening, I came for the DJ'), { decision: 'pass', current_state: 'vibe_check', score: 2 })
  t.match(requestsOf('eval')[1].messages.at(-1)!.content, /"no-such-transition" is not one of the listed handles \(t1, t2, t3, t4\) or null/)
  t.match((await snapshot(s)).messages.at(-1)!.trace, { fallback: false, evaluator_reason: 'Polite.' })
})

const faults: Array<[string, Kind, FakeScript[], object]> = [
  ['evaluation 401', 'eval', [{ status: 401 }], { statusCode: 401, code: 'RAPPORT_LLM_KEY_REJECTED' }],
  ['evaluation 429', 'eval', [{ status: 429, retryAfter: 7 }], { statusCode: 429, retryAfter: 7 }],
  ['evaluation 500 twice', 'eval', [{ status: 500 }, { status: 500 }], { statusCode: 500, code: 'RAPPORT_LLM_PROVIDER_ERROR' }],
  ['reply 401', 'reply', [{ status: 401 }], { statusCode: 401 }],
  ['reply 429', 'reply', [{ status: 429, retryAfter: 3 }], { statusCode: 429, retryAfter: 3 }],
  ['reply 500 twice', 'reply', [{ status: 500 }, { status: 500 }], { statusCode: 500 }],
  ['reply cut mid-body twice', 'reply', [{ cutAfterChunks: 1 }, { cutAfterChunks: 1 }], { statusCode: 500 }]
]
for (const [name, kind, scripts, expected] of faults) {
  t.test(`a provider fault (${name}) leaves the session and its messages exactly as before, and the message can be resent`, async (t) => {
    const s = await setup(t)
    await init(s)
    plan.eval.push(choose(s.tid('door', 'approach', 'approach')))
    await send(s, 'first')
    const before = await snapshot(s)
    plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
    // A reply fault hits every reply call of the turn (a speculative one included) until cleared.
    if (kind === 'reply') replyFault = scripts[0]
    else plan[kind].unshift(...scripts)
    await t.rejects(send(s, 'second'), { name: 'LlmError', ...expected })
    replyFault = null
    t.same(await snapshot(s), before)
    plan.eval.length = 0
    plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
    t.match(await send(s, 'second'), { decision: 'pass', current_state: 'vibe_check', score: 1 })
    t.equal((await snapshot(s)).messages.length, 5)
  })
}

t.test('a streamed reply cut mid-way commits nothing', async (t) => {
  const s = await setup(t)
  await init(s)
  const before = await snapshot(s)
  plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
  plan.reply.push({ chunks: ['Well ', 'well ', 'well.'], cutAfterChunks: 1 })
  const turn = await s.app.chat.streamMessage({ ...s.target(), headers: HEADERS, message: 'Hello' })
  t.match(turn.metadata, { decision: 'pass', current_state: 'vibe_check' })
  const seen: string[] = []
  await t.rejects((async () => { for await (const d of turn.textStream) seen.push(d) })(), { name: 'LlmError', statusCode: 500 })
  t.same(seen, ['Well '])
  await t.rejects(turn.done, { name: 'LlmError' })
  t.same(await snapshot(s), before)
})

t.test('missing key, unknown persona, machine, session and access are checked in order before any LLM call', async (t) => {
  const s = await setup(t)
  const other = await register(s.app)
  const message = { headers: HEADERS, message: 'hi' }
  await t.rejects(s.app.chat.sendMessage({ ...s.target(), personaId: '00000000-0000-4000-8000-000000000000', ...message }), { statusCode: 404, message: 'Persona not found' })
  await t.rejects(s.app.chat.sendMessage({ ...s.target(), viewer: { kind: 'sdk', ownerId: other.id }, ...message }), { statusCode: 403, message: 'This persona belongs to another account' })
  await t.rejects(s.app.chat.sendMessage({ ...s.target('p', '00000000-0000-4000-8000-000000000000'), ...message }), { statusCode: 404, message: 'Machine not found' })
  await t.rejects(s.app.chat.sendMessage({ ...s.target(), headers: {}, message: 'hi' }), { statusCode: 404, message: 'Session not found: call init-session first' })
  await t.rejects(s.app.chat.initSession({ ...s.target(), headers: {}, playerName: 'A', playerGender: 'female' }), { name: 'LlmError', statusCode: 400, code: 'RAPPORT_LLM_KEY_MISSING' })
  await t.rejects(() => s.app.chat.getSession(s.target()), { statusCode: 404, message: 'Session not found: call init-session first' })
  await t.rejects(() => s.app.chat.reset(s.target()), { statusCode: 404, message: 'Session not found: call init-session first' })
  t.equal(fake.requests.length, 0, 'no LLM call was made')

  await s.app.inject({ method: 'POST', url: `/api/v1/personas/${s.personaId}/unpublish`, headers: { authorization: `Bearer ${s.owner.token}` } })
  await t.rejects(() => s.app.chat.listMachines({ viewer: s.viewer, personaId: s.personaId, userSessionId: 'x' }), { statusCode: 403, message: 'Persona is not published' })
  // Web: the owner previews the unpublished persona; another user or a guest may not.
  const web = (userId: string, role: 'user' | 'guest') => ({ viewer: { kind: 'web' as const, userId, role }, personaId: s.personaId, userSessionId: 'x' })
  t.equal((await s.app.chat.listMachines(web(s.owner.id, 'user'))).length, 1)
  await t.rejects(() => s.app.chat.listMachines(web(other.id, 'user')), { statusCode: 403, message: 'Persona is not published' })
  await t.rejects(() => s.app.chat.listMachines(web(s.owner.id, 'guest')), { statusCode: 403, message: 'Persona is not published' })
})

t.test('SDK chat may use the server key only when allowed; web chat may', async (t) => {
  const app = await build(t, { OPENAI_BASE_URL: `${fake.url}/openai/v1`, LLM_API_KEY: 'sk-server-0123456789' })
  const owner = await register(app)
  const saved = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const base = { personaId: saved.persona.id, machineId: null, userSessionId: 'u', headers: {}, playerName: 'Ann', playerGender: 'female' as const }
  await t.rejects(app.chat.initSession({ ...base, viewer: { kind: 'sdk', ownerId: owner.id } }), { statusCode: 400, code: 'RAPPORT_LLM_KEY_MISSING' })
  const web = await app.chat.initSession({ ...base, viewer: { kind: 'web', userId: owner.id, role: 'user' } })
  t.equal(web.message, 'Hm.')
  t.equal(fake.requests[0].headers.authorization, 'Bearer sk-server-0123456789')
})

t.test('five concurrent messages on one session are processed one at a time, in arrival order, nothing lost or duplicated', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
  await send(s, 'Evening')
  const redirect = s.tid('door', 'vibe_check', 'vibe_check')
  // Slow evaluations make the turns overlap if they were not serialized.
  fake.setDefault((req) => kindOf(req) === 'eval' ? { ...choose(redirect), delayMs: 20 } : { text: `reply to ${req.messages.at(-1)!.content}` })
  const results = await Promise.all([1, 2, 3, 4, 5].map((i) => send(s, `meh ${i}`)))
  t.same(results.map((r) => r.redirect_count), [1, 2, 3, 4, 5], 'each turn saw the one before')
  t.same(results.map((r) => r.message), [1, 2, 3, 4, 5].map((i) => `reply to meh ${i}`))
  t.ok(results.every((r) => r.score === 2 && r.current_state === 'vibe_check' && r.decision === 'redirect'))
  const messagesTable = tablesOf(s.app).messages
  const rows = await s.app.db.select().from(messagesTable).orderBy(asc(messagesTable.seq))
  t.same(rows.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 'seq contiguous: 10 new messages')
  t.same(rows.slice(3).map((r) => r.content), [1, 2, 3, 4, 5].flatMap((i) => [`meh ${i}`, `reply to meh ${i}`]), 'in arrival order, each reply after its message')
  t.match(await snapshot(s), { score: 2, current_state: 'vibe_check', outcome: null })
  t.equal((await s.app.repos.sessions.find({ scope: `sdk:${s.owner.id}`, personaId: s.personaId, machineId: s.machines.door.machine_id, userSessionId: 'player-1' }))!.redirect_count, 5)
})

t.test('different sessions run concurrently', async (t) => {
  const s = await setup(t, 'tam-toll-keeper')
  await init(s, 'a')
  await init(s, 'b')
  // Each evaluation is held until both have reached the provider: one at a time, the first would wait
  // for a second that never comes (released after 20 s so the test fails instead of hanging).
  let arrived = 0
  let bothArrived = () => {}
  const both = new Promise<void>((resolve) => { bothArrived = resolve })
  let together = false
  fake.setDefault(async (req) => {
    if (kindOf(req) !== 'eval') return { text: 'ok' }
    const order = ++arrived
    if (order === 2) bothArrived()
    const timer = new Promise<boolean>((resolve) => setTimeout(resolve, 20_000, false).unref())
    const sawBoth = await Promise.race([both.then(() => true), timer])
    if (order === 1) together = sawBoth
    return choose(null)
  })
  await Promise.all([send(s, 'x', 'a'), send(s, 'y', 'b')])
  t.ok(together, 'both evaluations were in flight together')
})

t.test('streamMessage: metadata first, deltas as produced, then the commit', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
  // Chunks a while apart, so the reply is still streaming when the database is read below.
  plan.reply.push({ chunks: ['Alright. ', 'What are ', 'you celebrating?'], chunkDelayMs: 500 })
  const turn = await s.app.chat.streamMessage({ ...s.target(), headers: HEADERS, message: 'Evening. Here for the DJ.' })
  t.strictSame(turn.metadata, {
    current_state: 'vibe_check', score: 2, outcome: null, decision: 'pass', follow_up: false, session_id: (await snapshot(s)).session_id, scoring_mode: 'scoring', redirect_count: 0, machine_completed: false, unlocked_machines: null
  })
  t.equal((await snapshot(s)).messages.length, 1, 'nothing committed before the reply finished')
  const deltas: string[] = []
  for await (const d of turn.textStream) deltas.push(d)
  t.same(deltas, ['Alright. ', 'What are ', 'you celebrating?'])
  const done: ChatResponse = await turn.done
  t.strictSame(done, { message: 'Alright. What are you celebrating?', ...turn.metadata })
  t.equal(requestsOf('reply').at(-1)!.stream, true)
  const history = await snapshot(s)
  t.equal(history.messages.length, 3)
  t.equal(history.messages[2].content, 'Alright. What are you celebrating?')
  t.match(history, { current_state: 'vibe_check', score: 2 })
})

t.test('streamMessage: an error before the reply rejects the call itself (the route answers JSON)', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push({ status: 429, retryAfter: 2 })
  await t.rejects(s.app.chat.streamMessage({ ...s.target(), headers: HEADERS, message: 'hi' }), { statusCode: 429, message: 'The LLM provider rate-limited the request; retry later' })
  // The slot was released: the next turn runs.
  t.match(await send(s, 'hi'), { decision: null })
})

t.test('streamMessage: a client disconnect aborts the provider call and commits nothing; done never rejects unhandled', async (t) => {
  const s = await setup(t)
  await init(s)
  const before = await snapshot(s)
  plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
  plan.reply.push({ chunks: ['One ', 'two ', 'three'], chunkDelayMs: 3_600_000 })
  const controller = new AbortController()
  const turn = await s.app.chat.streamMessage({ ...s.target(), headers: HEADERS, message: 'hi', signal: controller.signal })
  const iterator = turn.textStream[Symbol.asyncIterator]()
  t.same(await iterator.next(), { value: 'One ', done: false })
  controller.abort()
  await t.rejects(iterator.next(), { code: 'RAPPORT_LLM_ABORTED' })
  await fake.waitForAborted(1)
  await t.rejects(turn.done, { code: 'RAPPORT_LLM_ABORTED' })
  t.same(await snapshot(s), before)

  // Never awaiting `done` must not raise an unhandledRejection either.
  let unhandled = 0
  const onUnhandled = () => { unhandled++ }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })
  plan.eval.push(choose(null))
  plan.reply.push({ chunks: ['a ', 'b'], chunkDelayMs: 3_600_000 })
  const second = new AbortController()
  const abandoned = await s.app.chat.streamMessage({ ...s.target(), headers: HEADERS, message: 'hi', signal: second.signal })
  t.ok(abandoned.metadata)
  while (requestsOf('reply').length < 3) await new Promise((resolve) => setTimeout(resolve, 5))
  second.abort()
  await fake.waitForAborted(2)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(unhandled, 0)
  t.same(await snapshot(s), before)
})

t.test('rolling summaries keep the prompt bounded however long the conversation runs', async (t) => {
  const s = await setup(t, 'tam-toll-keeper')
  await init(s)
  const sizes: Record<number, number> = {}
  for (let turn = 1; turn <= 60; turn++) {
    await send(s, `Message number ${turn} from the player, with some words in it.`)
    // Let the background summary land, as it would between real turns.
    await s.app.chat.drain()
    if (turn === 20 || turn === 60) {
      const last = requestsOf('reply').at(-1)!
      sizes[turn] = last.system.length + last.messages.reduce((n, m) => n + m.content.length, 0)
    }
  }
  t.ok(requestsOf('summary').length >= 5, 'the summary was folded forward repeatedly')
  t.ok(sizes[60] <= sizes[20] * 1.2, `prompt size at turn 60 (${sizes[60]}) within 1.2× of turn 20 (${sizes[20]})`)
  const lastReply = requestsOf('reply').at(-1)!
  t.ok(lastReply.messages.length <= 17, 'only the recent messages are sent')
  t.match(lastReply.system, /Summary of this conversation so far: Earlier, the player chatted with the character\./)
  const session = (await s.app.repos.sessions.find({ scope: `sdk:${s.owner.id}`, personaId: s.personaId, machineId: s.machines.toll.machine_id, userSessionId: 'player-1' }))!
  t.ok(session.summarized_count >= 100, `${session.summarized_count} messages folded`)
  t.equal((await snapshot(s)).messages.length, 121, 'history keeps every message')
})

t.test('a failed summary never fails a turn and is retried on a later turn', async (t) => {
  const s = await setup(t, 'tam-toll-keeper')
  await init(s)
  for (let i = 0; i < 7; i++) await send(s, `m${i}`)
  await s.app.chat.drain()
  t.equal(requestsOf('summary').length, 0, '15 messages: within the window')
  plan.summary.push({ status: 500 }, { status: 500 })
  await send(s, 'm7')
  await s.app.chat.drain()
  const key = { scope: `sdk:${s.owner.id}`, personaId: s.personaId, machineId: s.machines.toll.machine_id, userSessionId: 'player-1' }
  t.equal((await s.app.repos.sessions.find(key))!.summarized_count, 0, 'the failure changed nothing')
  await send(s, 'm8')
  await s.app.chat.drain()
  t.ok((await s.app.repos.sessions.find(key))!.summarized_count > 0, 'retried and applied')
})

t.test('reset deletes the session and its messages but keeps the progress; history traces follow the viewer', async (t) => {
  const s = await setup(t)
  await init(s)
  const web = { viewer: { kind: 'web' as const, userId: 'someone', role: 'user' as const }, personaId: s.personaId, machineId: null, userSessionId: 'player-1' }
  const first = await s.app.chat.initSession({ ...web, headers: HEADERS, playerName: 'W', playerGender: 'male' })
  const asked = await s.app.chat.getHistory({ ...web, includeTrace: true })
  t.notOk('trace' in asked.messages[0], 'a web viewer who does not own the persona never sees traces')
  t.ok('trace' in (await snapshot(s)).messages[0], 'the SDK owner does')
  const ownerWeb = { ...web, viewer: { kind: 'web' as const, userId: s.owner.id, role: 'user' as const } }
  await s.app.chat.initSession({ ...ownerWeb, headers: HEADERS, playerName: 'O', playerGender: 'male' })
  t.ok('trace' in (await s.app.chat.getHistory({ ...ownerWeb, includeTrace: true })).messages[0], 'so does the owner on the web')
  t.notOk('trace' in (await s.app.chat.getHistory({ ...ownerWeb, includeTrace: false })).messages[0], 'only when asked')
  t.notOk('trace' in (await s.app.chat.getHistory({ ...s.target(), includeTrace: false })).messages[0])

  const status = await s.app.chat.getSession(s.target())
  t.strictSame(Object.keys(status), ['session_id', 'persona_id', 'machine_id', 'current_state', 'score', 'outcome', 'player_name', 'player_gender', 'started_at', 'last_message_at'])
  const res = await s.app.chat.reset(s.target())
  t.strictSame(res, { session_id: status.session_id, message: 'Session reset' })
  await t.rejects(() => s.app.chat.getSession(s.target()), { statusCode: 404, message: 'Session not found: call init-session first' })
  const messagesTable = tablesOf(s.app).messages
  t.equal((await s.app.db.select().from(messagesTable).where(eq(messagesTable.sessionId, status.session_id))).length, 0)
  t.equal((await s.app.chat.getSession(web)).session_id, first.session_id, 'other scopes are untouched')
})

t.test('migrateProgress moves a guest\'s web sessions and progress to the signed-in user', async (t) => {
  const s = await setup(t)
  const guest = { kind: 'web' as const, userId: 'guest-1', role: 'guest' as const }
  const user = { kind: 'web' as const, userId: s.owner.id, role: 'user' as const }
  const at = (viewer: Viewer, machineId: string | null = null) => ({ viewer, personaId: s.personaId, machineId, userSessionId: 'web' })
  await s.app.chat.initSession({ ...at(guest), headers: HEADERS, playerName: 'G', playerGender: 'female' })
  plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
  await s.app.chat.sendMessage({ ...at(guest), headers: HEADERS, message: 'hi' })
  plan.eval.push(choose(s.tid('door', 'vibe_check', 'inside')))
  await s.app.chat.sendMessage({ ...at(guest), headers: HEADERS, message: 'love the music' })
  await s.app.chat.drain()
  t.same(await s.app.chat.migrateProgress({ fromUserId: 'guest-1', toUserId: s.owner.id }), { sessions_moved: 1, progress_moved: 1 })
  t.match(await s.app.chat.getSession(at(user)), { current_state: 'inside', outcome: 'ACCEPT' })
  await t.rejects(() => s.app.chat.getSession(at(guest)), { statusCode: 404, message: 'Session not found: call init-session first' })
  t.equal((await s.app.chat.listMachines({ viewer: user, personaId: s.personaId, userSessionId: 'web' })).length, 2, 'the unlock moved too')
  t.same(await s.app.chat.migrateProgress({ fromUserId: 'guest-1', toUserId: s.owner.id }), { sessions_moved: 0, progress_moved: 0 })
})

t.test('a reset while a turn is running: the turn answers 404 and commits nothing', async (t) => {
  const s = await setup(t)
  await init(s)
  plan.eval.push({ ...choose(s.tid('door', 'approach', 'vibe_check')), delayMs: 50 })
  const pending = send(s, 'hello')
  while (requestsOf('eval').length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  await s.app.chat.reset(s.target())
  await t.rejects(pending, { statusCode: 404, message: 'Session not found: call init-session first' })
  t.equal((await s.app.db.select().from(tablesOf(s.app).messages)).length, 0)
})

t.test('an extraction that stays invalid is skipped (logged) and not retried forever', async (t) => {
  const s = await setup(t, 'tam-toll-keeper')
  await init(s)
  plan.eval.push(choose(s.tid('toll', 'gate', 'crossed')))
  plan.extract.push({ text: 'no json' }, { text: 'still none' })
  t.match(await send(s, 'Here is a silver coin'), { outcome: 'ACCEPT', machine_completed: true })
  await s.app.chat.drain()
  t.equal(requestsOf('extract').length, 2)
  const progress = await s.app.repos.sessions.progress(`sdk:${s.owner.id}`, s.personaId, 'player-1')
  t.strictSame(progress, { unlocked_machine_keys: [], completed: { toll: 'ACCEPT' }, variables: {}, memory_summary: '' })
  await init(s)
  await s.app.chat.drain()
  t.equal(requestsOf('extract').length, 2, 'nothing pending any more')
})

t.test('a failed extraction is retried on a later call of the same player (here: starting the unlocked machine)', async (t) => {
  const s = await setup(t)
  const progress = (player = 'player-1') => s.app.repos.sessions.progress(`sdk:${s.owner.id}`, s.personaId, player)
  await init(s)
  plan.eval.push(choose(s.tid('door', 'approach', 'vibe_check')))
  await send(s, 'Evening')
  plan.eval.push(choose(s.tid('door', 'vibe_check', 'inside')))
  plan.extract.push({ status: 500 }, { status: 500 })
  t.match(await send(s, 'Love the DJ'), { outcome: 'ACCEPT' })
  await s.app.chat.drain()
  t.equal((await progress()).memory_summary, '', 'the extraction failed')
  t.equal((await s.app.repos.sessions.pendingExtractions(`sdk:${s.owner.id}`, s.personaId, 'player-1')).length, 1)

  await init(s, 'player-2')
  await send(s, 'hi', 'player-2')
  await s.app.chat.drain()
  t.equal(requestsOf('extract').length, 2, 'another player\'s calls do not retry it')

  await init(s, 'player-1', s.machines.vip.machine_id)
  await s.app.chat.drain()
  t.equal((await progress()).memory_summary, 'The Door: They met once.', 'retried and stored')
  t.equal((await s.app.repos.sessions.pendingExtractions(`sdk:${s.owner.id}`, s.personaId, 'player-1')).length, 0)
})
