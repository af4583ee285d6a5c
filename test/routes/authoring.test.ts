// AI-assisted authoring against the fake LLM server: identity, scenario (validated, repaired, never broken), polish.
import t, { type Test } from 'tap'
import { bearer, build, register } from '../helpers/build.ts'
import { tablesOf } from '../helpers/db.ts'
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.ts'

const LLM = { 'x-llm-api-key': 'sk-test-authoring-key', 'x-llm-model': 'gpt-4o-mini' }

const goodMachine = () => ({
  machine_key: 'market_haggle',
  name: 'Haggle at the market',
  description: 'Talk the merchant down to a fair price.',
  creator_objective: 'Buy the lantern for a fair price',
  creator_win_condition: 'The merchant agrees to a fair price',
  creator_lose_condition: 'The merchant refuses to sell',
  chat_system_prompt: 'You are selling a brass lantern and enjoy haggling.',
  scoring_mode: 'scoring',
  pass_threshold: 2,
  fail_threshold: -2,
  states: [
    { state_key: 'opening', label: 'Opening', prompt_instruction: 'Name a steep price.', is_initial_state: true },
    { state_key: 'haggling', label: 'Haggling', prompt_instruction: 'Counter every offer, slowly giving ground.' },
    { state_key: 'deal', label: 'Deal', prompt_instruction: 'Close the sale warmly.', is_terminal_state: true }
  ],
  transitions: [
    { from_state_key: 'opening', to_state_key: 'haggling', decision_type: 'pass', condition: 'The player makes a counter-offer', score_delta: 1, priority: 0 },
    { from_state_key: 'opening', to_state_key: 'opening', decision_type: 'redirect', condition: 'The player talks about something else', score_delta: 0, priority: 1 },
    { from_state_key: 'haggling', to_state_key: 'deal', decision_type: 'pass', condition: 'The player offers a fair price politely', score_delta: 2, priority: 0 },
    { from_state_key: 'haggling', to_state_key: 'haggling', decision_type: 'reject', condition: 'The player insults the merchant', score_delta: -2, priority: 1 }
  ],
  output_variables: [{ key: 'final_price', extraction_prompt: 'The price agreed, as a number' }]
})

async function setup (t: Test, env: Record<string, string> = {}) {
  const fake: FakeLlm = await startFakeLlm()
  t.teardown(() => fake.close())
  const app = await build(t, { OPENAI_BASE_URL: `${fake.url}/openai/v1`, ...env })
  const user = await register(app)
  return { fake, app, user }
}

t.test('generate-identity returns name, description and identity prompt from the model', async (t) => {
  const { fake, app, user } = await setup(t)
  fake.enqueue({ json: { name: 'Brannoc', description: 'A grumpy dwarf smith.', persona_identity_prompt: 'You are Brannoc, a dwarf smith who writes poetry in secret.' } })
  const res = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-identity', headers: { ...bearer(user), ...LLM }, payload: { concept: 'grumpy dwarf smith, secret poet' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { name: 'Brannoc', description: 'A grumpy dwarf smith.', persona_identity_prompt: 'You are Brannoc, a dwarf smith who writes poetry in secret.' })
  t.equal(fake.requests.length, 1)
  t.equal(fake.requests[0].headers.authorization, 'Bearer sk-test-authoring-key', 'the caller\'s key went to the provider')
  t.match(fake.requests[0].messages.at(-1)!.content, /grumpy dwarf smith/)
})

t.test('a malformed identity answer is repaired once', async (t) => {
  const { fake, app, user } = await setup(t)
  fake.enqueue({ text: 'Sure! Here is a character: Brannoc the smith.' })
  fake.enqueue({ json: { name: 'Brannoc', description: 'A smith.', persona_identity_prompt: 'You are Brannoc.' } })
  const res = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-identity', headers: { ...bearer(user), ...LLM }, payload: { concept: 'smith' } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().name, 'Brannoc')
  t.equal(fake.requests.length, 2)
  t.match(fake.requests[1].messages.at(-1)!.content, /cannot be used/)
})

t.test('a generated scenario round-trips through save and publish', async (t) => {
  const { fake, app, user } = await setup(t)
  fake.enqueue({ json: goodMachine() })
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/creator/generate-scenario',
    headers: { ...bearer(user), ...LLM },
    payload: { persona: { name: 'Mira', description: 'A market trader', persona_identity_prompt: 'You are Mira.' }, idea: 'haggling over a lantern' }
  })
  t.equal(res.statusCode, 200)
  const { machine, warnings } = res.json()
  t.same(warnings, [])
  t.equal(machine.machine_key, 'market_haggle')
  t.equal(machine.is_entry, true, 'the first machine of a persona is its entry')
  t.equal(machine.states.length, 3)
  t.match(fake.requests[0].messages.at(-1)!.content, /Character: Mira[\s\S]*haggling over a lantern/)

  const saved = await app.inject({ method: 'POST', url: '/api/v1/creator/save', headers: bearer(user), payload: { persona: { name: 'Mira', persona_identity_prompt: 'You are Mira.' }, machines: [machine] } })
  t.equal(saved.statusCode, 201)
  const id = saved.json().persona.id
  const published = await app.inject({ method: 'POST', url: `/api/v1/personas/${id}/publish`, headers: bearer(user) })
  t.equal(published.statusCode, 200)
  t.equal(published.json().is_published, true)
})

t.test('an invalid graph is repaired with the validator\'s findings', async (t) => {
  const { fake, app, user } = await setup(t)
  const broken = goodMachine()
  Object.assign(broken.states[2], { is_initial_state: true }) // two initial states
  fake.enqueue({ json: broken })
  fake.enqueue({ json: goodMachine() })
  const res = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers: { ...bearer(user), ...LLM }, payload: { persona: { name: 'Mira' } } })
  t.equal(res.statusCode, 200)
  t.equal(fake.requests.length, 2)
  t.match(fake.requests[1].messages.at(-1)!.content, /initial/i, 'the repair request quotes the finding')
  t.same(res.json().machine.states.filter((s: { is_initial_state: boolean }) => s.is_initial_state).map((s: { state_key: string }) => s.state_key), ['opening'])
})

t.test('a second failure answers 500 and saves nothing', async (t) => {
  const { fake, app, user } = await setup(t)
  const unknownState = goodMachine()
  unknownState.transitions[0].to_state_key = 'nowhere'
  fake.enqueue({ json: unknownState })
  fake.enqueue({ text: 'not json at all' })
  const { personas } = tablesOf(app)
  const before = (await app.db.select().from(personas)).length
  const res = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers: { ...bearer(user), ...LLM }, payload: { persona: { name: 'Mira' } } })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: { message: 'Scenario generation failed: the model did not produce a valid machine after one repair round. Try again or rephrase the idea' } })
  t.equal((await app.db.select().from(personas)).length, before, 'nothing saved')
  t.equal(fake.requests.length, 2, 'exactly one repair round')
})

t.test('generate-scenario for a saved persona: owner only, exactly one persona source', async (t) => {
  const { fake, app, user } = await setup(t)
  const saved = await app.inject({ method: 'POST', url: '/api/v1/creator/save', headers: bearer(user), payload: { persona: { name: 'Mira', persona_identity_prompt: 'You are Mira the trader.' }, machines: [] } })
  const id = saved.json().persona.id
  const other = await register(app)
  const forbidden = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers: { ...bearer(other), ...LLM }, payload: { persona_id: id } })
  t.equal(forbidden.statusCode, 403)
  const missing = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers: { ...bearer(user), ...LLM }, payload: { persona_id: '7f9c2b7e-2a4e-4e0e-9d55-0d6f3a4c1b11' } })
  t.equal(missing.statusCode, 404)
  const both = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers: { ...bearer(user), ...LLM }, payload: { persona_id: id, persona: { name: 'x' } } })
  t.equal(both.statusCode, 400)
  t.same(both.json(), { error: { message: 'Give exactly one of persona_id or persona' } })
  t.equal(fake.requests.length, 0, 'no LLM call for refused requests')

  fake.enqueue({ json: goodMachine() })
  const ok = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-scenario', headers: { ...bearer(user), ...LLM }, payload: { persona_id: id } })
  t.equal(ok.statusCode, 200)
  t.match(fake.requests[0].messages.at(-1)!.content, /You are Mira the trader/)
})

t.test('polish rewrites the text with guidance for its field', async (t) => {
  const { fake, app, user } = await setup(t)
  fake.enqueue({ text: '"The player offers a fair price and stays polite."' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/creator/polish', headers: { ...bearer(user), ...LLM }, payload: { text: 'player says ok price nice', field: 'condition', instruction: 'keep it short' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { text: 'The player offers a fair price and stays polite.' })
  t.match(fake.requests[0].system, /transition condition/)
  t.match(fake.requests[0].messages[0].content, /keep it short[\s\S]*player says ok price nice/)
})

t.test('LLM key: header, else server default key, else 400; provider 401 maps to 401', async (t) => {
  const { fake, app, user } = await setup(t)
  const missing = await app.inject({ method: 'POST', url: '/api/v1/creator/polish', headers: bearer(user), payload: { text: 'hello' } })
  t.equal(missing.statusCode, 400)
  t.same(missing.json(), { error: { message: 'Missing LLM API key: send X-LLM-API-Key' } })

  fake.enqueue({ status: 401, errorMessage: 'Incorrect API key provided: sk-test-authoring-key' })
  const rejected = await app.inject({ method: 'POST', url: '/api/v1/creator/polish', headers: { ...bearer(user), ...LLM }, payload: { text: 'hello' } })
  t.equal(rejected.statusCode, 401)
  t.same(rejected.json(), { error: { message: 'The LLM provider rejected the LLM API key (X-LLM-API-Key)' } })
  t.notMatch(rejected.body, /sk-test/)

  const withDefault = await setup(t, { LLM_API_KEY: 'sk-server-default' })
  withDefault.fake.enqueue({ text: 'Hello there.' })
  const ok = await withDefault.app.inject({ method: 'POST', url: '/api/v1/creator/polish', headers: bearer(withDefault.user), payload: { text: 'hello' } })
  t.equal(ok.statusCode, 200)
  t.equal(withDefault.fake.requests[0].headers.authorization, 'Bearer sk-server-default')
})

t.test('guests get 403, anonymous 401', async (t) => {
  const { fake, app } = await setup(t)
  const guest = (await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })).json()
  for (const url of ['/api/v1/creator/generate-identity', '/api/v1/creator/generate-scenario', '/api/v1/creator/polish']) {
    t.equal((await app.inject({ method: 'POST', url, headers: { ...bearer(guest), ...LLM }, payload: { concept: 'x', text: 'x', persona: { name: 'x' } } })).statusCode, 403, `${url} guest`)
    t.equal((await app.inject({ method: 'POST', url, headers: LLM, payload: { concept: 'x' } })).statusCode, 401, `${url} anonymous`)
  }
  t.equal(fake.requests.length, 0)
})

t.test('the 11th generation call in a minute from one IP answers 429', async (t) => {
  const { fake, app, user } = await setup(t)
  fake.setDefault({ text: 'Polished.' })
  for (let i = 1; i <= 10; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/creator/polish', headers: { ...bearer(user), ...LLM }, payload: { text: `draft ${i}` } })
    t.equal(res.statusCode, 200, `call ${i}`)
  }
  const limited = await app.inject({ method: 'POST', url: '/api/v1/creator/generate-identity', headers: { ...bearer(user), ...LLM }, payload: { concept: 'x' } })
  t.equal(limited.statusCode, 429)
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal(fake.requests.length, 10, 'the limited call never reached the provider')
})
