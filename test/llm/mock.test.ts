// The keyless mock provider: off unless LLM_MOCK=true, deterministic evaluator, replies from the state's instruction, word-by-word stream.
import t, { type Test } from 'tap'
import { build, createKey, register } from '../helpers/build.ts'
import { saveExample } from '../helpers/examples.ts'
import { parseSse } from '../helpers/sse.ts'
import { contentWords, mockEvaluate } from '../../src/llm/mock.ts'

const transitions = [
  { id: 'kick', condition: 'The player threatens Vex or pushes past the rope' },
  { id: 'list', condition: 'The player says they are on the guest list or names someone who invited them' },
  { id: 'vibe', condition: 'The player is polite and explains what brings them here tonight' }
]

t.test('the mock evaluator takes the condition sharing the most words, none below the threshold, a follow-up on a question', async (t) => {
  t.same(contentWords('The player says they\'re on the GUEST list!'), new Set(['guest', 'list']))
  t.equal(mockEvaluate('I am on the guest list, Margo invited me', transitions, false).transition_id, 'list')
  t.equal(mockEvaluate('Just here for the music tonight, polite as ever', transitions, false).transition_id, 'vibe')
  t.same(mockEvaluate('Lovely weather', transitions, false), { transition_id: null, follow_up: false, reason: 'mock: no condition shares a word with the message' })
  t.equal(mockEvaluate('rope tonight', transitions, false).transition_id, 'kick', 'a tie goes to the earliest transition')
  t.same(mockEvaluate('Is the guest list open?', transitions, true), { transition_id: null, follow_up: true, reason: 'mock: the player asked a question' })
  t.equal(mockEvaluate('Is the guest list open?', transitions, false).transition_id, 'list', 'no follow-up condition: the question is judged like any message')
})

async function setup (t: Test, env: Record<string, string>) {
  const app = await build(t, env)
  const account = await register(app)
  const key = await createKey(app, account)
  const saved = await saveExample(app, account, 'vex-bouncer', { publish: true })
  return { app, key, personaId: saved.persona.id as string, saved }
}

t.test('without LLM_MOCK a mock/ model is an unknown provider (400)', async (t) => {
  const { app, key, personaId } = await setup(t, {})
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/sdk/chat/${personaId}/init-session`,
    headers: { 'x-api-key': key, 'x-llm-model': 'mock/npc', 'x-llm-api-key': 'anything' },
    payload: { user_session_id: 'p1', player_name: 'Ash', player_gender: 'female' }
  })
  t.equal(res.statusCode, 400)
  t.match(res.json().error.message, /mock.*LLM_MOCK=true/)
})

t.test('with LLM_MOCK=true a whole conversation runs without any key, streamed word by word', async (t) => {
  const { app, key, personaId, saved } = await setup(t, { LLM_MOCK: 'true' })
  const headers = { 'x-api-key': key, 'x-llm-model': 'mock/npc' }
  const states = Object.fromEntries(saved.machines[0].states.map((s: { state_key: string, prompt_instruction: string }) => [s.state_key, s.prompt_instruction]))

  const init = await app.inject({ method: 'POST', url: `/api/v1/sdk/chat/${personaId}/init-session`, headers, payload: { user_session_id: 'p1', player_name: 'Ash', player_gender: 'female' } })
  t.equal(init.statusCode, 200, init.body)
  t.equal(init.json().message, states.approach, 'the greeting is the initial state\'s instruction')

  const turn = await app.inject({ method: 'POST', url: `/api/v1/sdk/chat/${personaId}/message`, headers, payload: { user_session_id: 'p1', message: 'I am on the guest list, Margo invited me.' } })
  t.equal(turn.statusCode, 200, turn.body)
  t.match(turn.json(), { current_state: 'guest_list', decision: 'pass', follow_up: false, message: states.guest_list })

  const question = await app.inject({ method: 'POST', url: `/api/v1/sdk/chat/${personaId}/message`, headers, payload: { user_session_id: 'p1', message: 'Why do you need to know?' } })
  t.match(question.json(), { current_state: 'guest_list', decision: null, follow_up: true }, 'guest_list has a follow-up condition and this is a question')

  const stream = await app.inject({ method: 'POST', url: `/api/v1/sdk/chat/${personaId}/message/stream`, headers, payload: { user_session_id: 'p1', message: 'Margo invited me, her name is on the list with details about my band' } })
  t.equal(stream.statusCode, 200)
  const events = parseSse(stream.body)
  t.equal(events[0].event, 'metadata')
  const deltas = events.filter((e) => e.event === 'text_delta').map((e) => e.data.text)
  t.ok(deltas.length > 3, 'one delta per word')
  const done = events.at(-1)!
  t.equal(done.event, 'done')
  t.equal(deltas.join(''), done.data.message)
  t.equal(done.data.current_state, 'vibe_check')

  const validate = await app.inject({ method: 'POST', url: '/api/v1/sdk/validate-llm-key', headers, payload: {} })
  t.same(validate.json(), { valid: true, model: 'mock/npc', error: null }, 'the mock needs no key')

  const history = await app.inject({ method: 'GET', url: `/api/v1/sdk/chat/${personaId}/history?user_session_id=p1&include_trace=true`, headers })
  t.equal(history.json().messages.length, 7, 'greeting and three turns committed')
})

t.test('with LLM_MOCK=true AI-assisted authoring answers usable output: identity → scenario → save → publish → a winning turn; polish tidies', async (t) => {
  const app = await build(t, { LLM_MOCK: 'true' })
  const account = await register(app)
  const headers = { authorization: `Bearer ${account.token}`, 'x-llm-model': 'mock/npc' }
  const identity = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-identity', headers, payload: { concept: 'a grumpy dwarf blacksmith who secretly writes poetry' } })
  t.equal(identity.statusCode, 200, identity.body)
  t.match(identity.json(), { name: 'Grumpy Dwarf Blacksmith', persona_identity_prompt: /^You are Grumpy Dwarf Blacksmith, a grumpy dwarf blacksmith who secretly writes poetry\./ })

  const scenario = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers, payload: { persona: identity.json(), idea: 'the player wants a sword forged by nightfall' } })
  t.equal(scenario.statusCode, 200, scenario.body)
  const machine = scenario.json().machine
  t.equal(machine.machine_key, 'wants_sword_forged')
  t.equal(machine.states.length, 3)

  const saved = await app.inject({ method: 'POST', url: '/api/v1/creator/save', headers, payload: { persona: identity.json(), machines: [machine] } })
  t.equal(saved.statusCode, 201, saved.body)
  const personaId = saved.json().persona.id
  const published = await app.inject({ method: 'POST', url: `/api/v1/personas/${personaId}/publish`, headers })
  t.equal(published.statusCode, 200, published.body)

  const chat = `/api/v1/chat/${personaId}`
  t.equal((await app.inject({ method: 'POST', url: `${chat}/init-session`, headers, payload: { user_session_id: 'p1', player_name: 'Ash', player_gender: 'female' } })).statusCode, 200)
  const turn = await app.inject({ method: 'POST', url: `${chat}/message`, headers, payload: { user_session_id: 'p1', message: 'I need a sword forged before nightfall, please' } })
  t.match(turn.json(), { current_state: 'agreed', decision: 'pass', outcome: 'ACCEPT', machine_completed: true }, turn.body)

  const polish = await app.inject({ method: 'POST', url: '/api/v1/creator/polish', headers, payload: { text: '  player says   nice thing ', field: 'condition' } })
  t.equal(polish.statusCode, 200, polish.body)
  t.same(polish.json(), { text: 'Player says nice thing.' })
})
