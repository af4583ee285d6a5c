// POST /creator/save: round trips, defaults, id stability, referential 400s, limits, ownership, published personas.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { tablesOf } from '../helpers/db.ts'
import { bearer, build, register } from '../helpers/build.ts'
import { example, save, saveExample, withoutIds, type ExampleName } from '../helpers/examples.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

for (const name of ['vex-bouncer', 'tam-toll-keeper'] as ExampleName[]) {
  t.test(`the ${name} example round-trips field for field through save and GET /full`, async (t) => {
    const app = await build(t)
    const owner = await register(app)
    const input = example(name)
    const res = await save(app, owner, input)
    t.equal(res.statusCode, 201)
    const saved = res.json()

    t.strictSame(Object.keys(saved).sort(), ['machine_links', 'machines', 'persona', 'variables', 'warnings'])
    t.strictSame(saved.persona, {
      ...input.persona,
      id: saved.persona.id,
      owner_id: owner.id,
      is_published: false,
      created_at: saved.persona.created_at,
      updated_at: saved.persona.created_at
    })
    t.match(saved.persona.id, UUID)
    t.match(saved.persona.created_at, ISO)
    t.strictSame(saved.variables, input.variables)
    t.strictSame(saved.machine_links, input.machine_links)
    t.strictSame(withoutIds(saved), input.machines, 'every machine, state, transition and output variable field is kept')
    t.strictSame(saved.warnings, [], 'the examples are clean')
    for (const m of saved.machines) {
      t.match(m.machine_id, UUID)
      for (const tr of m.transitions) t.match(tr.transition_id, UUID)
    }

    const full = await app.inject({ method: 'GET', url: `/api/v1/personas/${saved.persona.id}/full`, headers: bearer(owner) })
    t.equal(full.statusCode, 200)
    const { warnings: _w, ...graph } = saved
    t.strictSame(full.json(), graph, 'GET /full returns exactly what save returned')
  })
}

t.test('optional fields take their documented defaults and absent values come back null', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const res = await save(app, owner, {
    persona: { name: 'Minimal' },
    machines: [{
      machine_key: 'm',
      name: 'M',
      states: [
        { state_key: 'start', is_initial_state: true, prompt_instruction: 'Say hi' },
        { state_key: 'end', is_terminal_state: true }
      ],
      transitions: [{ from_state_key: 'start', to_state_key: 'end', decision_type: 'pass', condition: 'The player says hi', score_delta: 3 }]
    }]
  })
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.strictSame(body.persona, {
    id: body.persona.id,
    owner_id: owner.id,
    name: 'Minimal',
    description: '',
    persona_identity_prompt: '',
    perplexity_description: null,
    is_published: false,
    created_at: body.persona.created_at,
    updated_at: body.persona.updated_at
  })
  t.strictSame(body.variables, [])
  t.strictSame(body.machine_links, [])
  t.strictSame(body.machines, [{
    machine_id: body.machines[0].machine_id,
    machine_key: 'm',
    name: 'M',
    description: '',
    creator_objective: '',
    creator_win_condition: '',
    creator_lose_condition: '',
    chat_system_prompt: '',
    system_evaluation_prompt: '',
    system_summarization_prompt: '',
    scoring_mode: 'scoring',
    pass_threshold: 3,
    fail_threshold: -3,
    is_entry: false,
    display_order: 0,
    states: [
      { state_key: 'start', label: '', prompt_instruction: 'Say hi', is_initial_state: true, is_terminal_state: false, terminal_outcome: null, follow_up_condition: null, display_order: 0 },
      { state_key: 'end', label: '', prompt_instruction: '', is_initial_state: false, is_terminal_state: true, terminal_outcome: null, follow_up_condition: null, display_order: 1 }
    ],
    transitions: [{ transition_id: body.machines[0].transitions[0].transition_id, from_state_key: 'start', to_state_key: 'end', decision_type: 'pass', condition: 'The player says hi', score_delta: 3, priority: 0 }],
    output_variables: []
  }])
  t.strictSame(body.warnings, [
    { code: 'NO_ENTRY_MACHINE', path: 'machines', message: 'machines: no machine is marked is_entry, so no conversation can start' },
    { code: 'EMPTY_PROMPT', path: 'machines[0].chat_system_prompt', message: 'machines[0].chat_system_prompt: machine "m" has no chat system prompt' }
  ], 'findings that block publishing (first) and plain warnings do not block saving')
})

t.test('numeric link condition values are accepted and stored as strings', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const body = example('vex-bouncer')
  body.machine_links = [{ from_machine_key: 'door', to_machine_key: 'vip', condition_type: 'score_gte', condition_value: 4 }]
  const res = await save(app, owner, body)
  t.equal(res.statusCode, 201)
  t.strictSame(res.json().machine_links, [{ from_machine_key: 'door', to_machine_key: 'vip', condition_type: 'score_gte', condition_value: '4', is_auto_advance: false }])
})

t.test('machines keep their machine_id across saves while machine_key is unchanged; removed machines go', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const first = await saveExample(app, owner, 'vex-bouncer')
  const personaId = first.persona.id
  const [door, vip] = first.machines
  // A session on the door machine must survive a save (the row is updated in place, not replaced).
  const { machines, sessions } = tablesOf(app)
  await app.db.insert(sessions).values({
    id: randomUUID(),
    scope: `sdk:${owner.id}`,
    personaId,
    machineId: door.machine_id,
    userSessionId: 'p1',
    playerName: 'Kim',
    playerGender: 'female',
    currentState: 'approach',
    startedAt: new Date().toISOString()
  })

  const edited = example('vex-bouncer')
  edited.machines[0].name = 'The Front Door'
  edited.machines[0].states.push({ state_key: 'extra', is_terminal_state: true })
  const second = await save(app, owner, edited, personaId)
  t.equal(second.statusCode, 200, 'an update answers 200')
  const again = second.json()
  t.equal(again.persona.id, personaId)
  t.equal(again.machines[0].machine_id, door.machine_id, 'door keeps its id')
  t.equal(again.machines[1].machine_id, vip.machine_id, 'vip keeps its id')
  t.equal(again.machines[0].name, 'The Front Door')
  t.equal(again.machines[0].states.length, 6)
  t.equal((await app.db.select().from(sessions)).length, 1, 'the session on door survives')
  t.not(again.persona.updated_at, first.persona.updated_at, 'updated_at changes on save')
  t.equal(again.persona.created_at, first.persona.created_at)

  // Rename vip's key and drop door: vip gets a new id, door (and its session) are deleted.
  const renamed = example('vex-bouncer')
  renamed.machines = [{ ...renamed.machines[1], machine_key: 'back_room', is_entry: true }]
  renamed.machine_links = []
  const third = (await save(app, owner, renamed, personaId)).json()
  t.equal(third.machines.length, 1)
  t.not(third.machines[0].machine_id, vip.machine_id, 'a new machine_key is a new machine')
  t.strictSame(await app.db.select({ id: machines.id }).from(machines).where(eq(machines.personaId, personaId)), [{ id: third.machines[0].machine_id }])
  t.equal((await app.db.select().from(sessions)).length, 0, 'sessions of a removed machine are deleted with it')
})

t.test('transition ids are kept when they are unused UUIDs, otherwise assigned', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const first = await saveExample(app, owner, 'tam-toll-keeper')
  const ids = first.machines[0].transitions.map((tr: { transition_id: string }) => tr.transition_id)

  // Sending the saved graph back keeps every id.
  const { warnings: _w, ...graph } = first
  const resaved = (await save(app, owner, graph, first.persona.id)).json()
  t.strictSame(resaved.machines[0].transitions.map((tr: { transition_id: string }) => tr.transition_id), ids)

  // A duplicate and a non-UUID are replaced; a fresh UUID is kept.
  const fresh = randomUUID()
  graph.machines[0].transitions[0].transition_id = fresh
  graph.machines[0].transitions[1].transition_id = fresh
  graph.machines[0].transitions[2].transition_id = 'not-a-uuid'
  const mixed = await save(app, owner, graph, first.persona.id)
  t.equal(mixed.statusCode, 200)
  const got = mixed.json().machines[0].transitions.map((tr: { transition_id: string }) => tr.transition_id)
  t.equal(got[0], fresh)
  t.not(got[1], fresh)
  t.match(got[1], UUID)
  t.match(got[2], UUID)

  // Copying another persona's graph (ids included) into a new persona assigns new ids.
  const copy = await save(app, owner, graph)
  t.equal(copy.statusCode, 201)
  const copied = copy.json().machines[0].transitions.map((tr: { transition_id: string }) => tr.transition_id)
  for (const id of copied) t.notOk(got.includes(id), 'ids of another persona are not reused')
  t.not(copy.json().machines[0].machine_id, first.machines[0].machine_id)
})

t.test('each referential error answers 400 naming the field path, and nothing is saved', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  type Body = ReturnType<typeof example>
  const cases: Array<[string, (b: Body) => void, string]> = [
    ['duplicate machine_key', (b) => { b.machines[1].machine_key = 'door' },
      'Invalid graph: machines[1].machine_key: machine_key "door" is used by an earlier machine; machine_links[0].to_machine_key: no machine "vip"'],
    ['duplicate state_key', (b) => { b.machines[0].states[1].state_key = 'approach' },
      'Invalid graph: machines[0].states[1].state_key: state_key "approach" is used by an earlier state of this machine; ' +
      'machines[0].transitions[1].to_state_key: no state "guest_list" in machine "door"; machines[0].transitions[4].from_state_key: no state "guest_list" in machine "door"; ' +
      'machines[0].transitions[5].from_state_key: no state "guest_list" in machine "door"; machines[0].transitions[6].from_state_key: no state "guest_list" in machine "door"; ' +
      'machines[0].transitions[6].to_state_key: no state "guest_list" in machine "door"'],
    ['transition to an unknown state', (b) => { b.machines[1].transitions[0].to_state_key = 'nowhere' },
      'Invalid graph: machines[1].transitions[0].to_state_key: no state "nowhere" in machine "vip"'],
    ['transition from an unknown state', (b) => { b.machines[0].transitions[0].from_state_key = 'lobby' },
      'Invalid graph: machines[0].transitions[0].from_state_key: no state "lobby" in machine "door"'],
    ['link from an unknown machine', (b) => { b.machine_links[0].from_machine_key = 'bar' },
      'Invalid graph: machine_links[0].from_machine_key: no machine "bar"'],
    ['link to an unknown machine', (b) => { b.machine_links[0].to_machine_key = 'roof' },
      'Invalid graph: machine_links[0].to_machine_key: no machine "roof"'],
    ['outcome link with a non-outcome value', (b) => { b.machine_links[0].condition_value = 'WIN' },
      'Invalid graph: machine_links[0].condition_value: an outcome link needs condition_value ACCEPT, REJECT, KICK_OUT'],
    ['score link with a non-number', (b) => { b.machine_links[0].condition_type = 'score_gte'; b.machine_links[0].condition_value = 'lots' },
      'Invalid graph: machine_links[0].condition_value: a score_gte link needs a numeric condition_value'],
    ['terminal_outcome on a non-terminal state', (b) => { b.machines[1].states[0].terminal_outcome = 'ACCEPT' },
      'Invalid graph: machines[1].states[0].terminal_outcome: state "bar" is not terminal, so it cannot have a terminal_outcome'],
    ['duplicate output variable key', (b) => { b.machines[1].output_variables[1].key = 'favourite_drink' },
      'Invalid graph: machines[1].output_variables[1].key: output variable "favourite_drink" is defined earlier in this machine'],
    ['duplicate persona variable key', (b) => { b.variables[1].key = 'club_name' },
      'Invalid graph: variables[1].key: variable "club_name" is defined earlier'],
    ['blank state key', (b) => { b.machines[1].states[3].state_key = '  ' },
      'Invalid graph: machines[1].states[3].state_key: state_key must not be empty; machines[1].transitions[1].to_state_key: no state "burned" in machine "vip"; ' +
      'machines[1].transitions[4].to_state_key: no state "burned" in machine "vip"'],
    ['bad scoring_mode', (b) => { b.machines[0].scoring_mode = 'points' }, 'body.machines.0.scoring_mode must be one of: scoring, pass_fail'],
    ['bad decision_type', (b) => { b.machines[0].transitions[2].decision_type = 'maybe' }, 'body.machines.0.transitions.2.decision_type must be one of: pass, redirect, reject, kick_out'],
    ['bad terminal_outcome', (b) => { b.machines[1].states[2].terminal_outcome = 'KICK_OUT' }, 'body.machines.1.states.2.terminal_outcome must be one of: ACCEPT, REJECT'],
    ['bad condition_type', (b) => { b.machine_links[0].condition_type = 'sometimes' }, 'body.machine_links.0.condition_type must be one of: outcome, score_gte, score_lte, always'],
    ['non-integer score_delta', (b) => { b.machines[0].transitions[0].score_delta = 1.5 }, 'body.machines.0.transitions.0.score_delta must be integer'],
    ['missing machine name', (b) => { delete b.machines[0].name }, 'body.machines.0.name is required'],
    ['missing persona', (b) => { delete b.persona }, 'body.persona is required']
  ]
  for (const [label, mutate, message] of cases) {
    const body = example('vex-bouncer')
    mutate(body)
    const res = await save(app, owner, body)
    t.equal(res.statusCode, 400, label)
    t.strictSame(res.json(), { error: { message } }, label)
  }
  const mine = await app.inject({ method: 'GET', url: '/api/v1/personas?my_personas=true', headers: bearer(owner) })
  t.strictSame(mine.json(), [], 'no persona was created by a refused save')
})

t.test('a refused update leaves the stored graph exactly as it was', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const first = await saveExample(app, owner, 'vex-bouncer')
  const body = example('vex-bouncer')
  body.persona.name = 'Changed'
  body.machines[0].transitions[0].to_state_key = 'nowhere'
  const res = await save(app, owner, body, first.persona.id)
  t.equal(res.statusCode, 400)
  const full = await app.inject({ method: 'GET', url: `/api/v1/personas/${first.persona.id}/full`, headers: bearer(owner) })
  const { warnings: _w, ...graph } = first
  t.strictSame(full.json(), graph)
})

t.test('graph size and string length limits answer 400', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const state = (k: number) => ({ state_key: `s${k}` })
  const machine = (k: number) => ({ machine_key: `m${k}`, name: 'M', states: [state(0)] })
  const cases: Array<[string, object, string]> = [
    ['21 machines', { persona: { name: 'P' }, machines: Array.from({ length: 21 }, (_, k) => machine(k)) }, 'body.machines must NOT have more than 20 items'],
    ['101 states', { persona: { name: 'P' }, machines: [{ ...machine(0), states: Array.from({ length: 101 }, (_, k) => state(k)) }] }, 'body.machines.0.states must NOT have more than 100 items'],
    ['401 transitions', {
      persona: { name: 'P' },
      machines: [{ ...machine(0), transitions: Array.from({ length: 401 }, () => ({ from_state_key: 's0', to_state_key: 's0', decision_type: 'redirect' })) }]
    }, 'body.machines.0.transitions must NOT have more than 400 items'],
    ['long persona name', { persona: { name: 'x'.repeat(201) }, machines: [] }, 'body.persona.name must NOT have more than 200 characters'],
    ['empty persona name', { persona: { name: '' }, machines: [] }, 'body.persona.name must NOT have fewer than 1 characters'],
    ['long state key', { persona: { name: 'P' }, machines: [{ ...machine(0), states: [{ state_key: 'k'.repeat(101) }] }] }, 'body.machines.0.states.0.state_key must NOT have more than 100 characters'],
    ['long prompt', { persona: { name: 'P', persona_identity_prompt: 'x'.repeat(20001) }, machines: [] }, 'body.persona.persona_identity_prompt must NOT have more than 20000 characters']
  ]
  for (const [label, body, message] of cases) {
    const res = await save(app, owner, body)
    t.equal(res.statusCode, 400, label)
    t.strictSame(res.json(), { error: { message } }, label)
  }
  const max = await save(app, owner, { persona: { name: 'P' }, machines: Array.from({ length: 20 }, (_, k) => machine(k)) })
  t.equal(max.statusCode, 201, '20 machines are fine')
})

t.test('save: anonymous 401, guest 403, other user 403, unknown persona 404, bad persona_id 400', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const other = await register(app)
  const guest = (await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })).json()
  const saved = await saveExample(app, owner)
  const body = example('tam-toll-keeper')

  const anon = await app.inject({ method: 'POST', url: '/api/v1/creator/save', payload: body })
  t.equal(anon.statusCode, 401)
  t.strictSame(anon.json(), { error: { message: 'Missing Authorization: Bearer <token> header' } })
  const asGuest = await app.inject({ method: 'POST', url: '/api/v1/creator/save', headers: bearer(guest), payload: body })
  t.equal(asGuest.statusCode, 403)
  t.strictSame(asGuest.json(), { error: { message: 'Guest accounts cannot do this: register an account' } })
  const foreign = await save(app, other, body, saved.persona.id)
  t.equal(foreign.statusCode, 403)
  t.strictSame(foreign.json(), { error: { message: 'Only the persona\'s owner can save it' } })
  const missing = await save(app, owner, body, randomUUID())
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), { error: { message: 'Persona not found' } })
  const bad = await save(app, owner, body, 'nope')
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json(), { error: { message: 'querystring.persona_id must be a valid UUID' } })
  const full = await app.inject({ method: 'GET', url: `/api/v1/personas/${saved.persona.id}/full`, headers: bearer(owner) })
  t.equal(full.json().persona.updated_at, saved.persona.updated_at, 'refused saves change nothing')
})

t.test('a published persona stays published through a valid save and refuses an invalid one', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const saved = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const body = example('tam-toll-keeper')
  body.persona.description = 'New description'
  const ok = await save(app, owner, body, saved.persona.id)
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().persona.is_published, true)
  t.equal(ok.json().persona.description, 'New description')

  body.machines[0].states[0].is_initial_state = false
  const refused = await save(app, owner, body, saved.persona.id)
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json(), {
    error: {
      message: 'This persona is published, so its graph must stay valid: unpublish it first or fix: machines[0].states: machine "toll" has no initial state'
    }
  })
})
