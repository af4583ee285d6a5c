// Persona routes: the access matrix, listing filters and limits, validate, publish refusal, cascade delete, admin moderation.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { count, eq } from 'drizzle-orm'
import { tablesOf } from '../helpers/db.ts'
import type { RapportApp } from '../../src/app.ts'
import { bearer, build, register, type Account } from '../helpers/build.ts'
import { example, save, saveExample } from '../helpers/examples.ts'

type Actor = 'owner' | 'other' | 'guest' | 'anonymous' | 'admin'
const ACTORS: Actor[] = ['owner', 'other', 'guest', 'anonymous', 'admin']

async function cast (app: RapportApp) {
  const admin = await register(app, 'root@example.com')
  const owner = await register(app)
  const other = await register(app)
  const guest = (await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })).json() as { token: string }
  const headers: Record<Actor, Record<string, string>> = {
    owner: bearer(owner), other: bearer(other), guest: bearer(guest), anonymous: {}, admin: bearer(admin)
  }
  return { admin, owner, other, guest, headers }
}

const MISSING_TOKEN = 'Missing Authorization: Bearer <token> header'
const GUEST = 'Guest accounts cannot do this: register an account'

t.test('access matrix: owner / other user / guest / anonymous / admin × every persona endpoint', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com', RATE_LIMIT_GENERAL: '10000' })
  const { owner, headers } = await cast(app)
  const published = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const draft = await saveExample(app, owner, 'vex-bouncer')

  type Expect = Record<Actor, number | string>
  // A number is the success status; a string is an error: "<status> <message>".
  const ownerOnly = (verb: string): Expect => ({
    owner: 200, other: `403 Only the persona's owner can ${verb} it`, guest: `403 ${GUEST}`, anonymous: `401 ${MISSING_TOKEN}`, admin: `403 Only the persona's owner can ${verb} it`
  })
  const readDraft: Expect = { owner: 200, other: '403 This persona is not published', guest: '403 This persona is not published', anonymous: '403 This persona is not published', admin: 200 }
  const readPublished: Expect = { owner: 200, other: 200, guest: 200, anonymous: 200, admin: 200 }
  const adminOnly: Expect = { owner: '403 Admin role required', other: '403 Admin role required', guest: '403 Admin role required', anonymous: `401 ${MISSING_TOKEN}`, admin: 200 }

  // Each row: method, url (a function of a fresh persona id when the call changes things), expectations.
  const reads: Array<[string, string, Expect]> = [
    ['GET', `/api/v1/personas/${draft.persona.id}`, readDraft],
    ['GET', `/api/v1/personas/${draft.persona.id}/full`, readDraft],
    ['GET', `/api/v1/personas/${draft.persona.id}/validate`, readDraft],
    ['GET', `/api/v1/personas/${published.persona.id}`, readPublished],
    ['GET', `/api/v1/personas/${published.persona.id}/full`, readPublished],
    ['GET', `/api/v1/personas/${published.persona.id}/validate`, readPublished],
    ['GET', '/api/v1/personas', readPublished],
    ['GET', '/api/v1/admin/personas', adminOnly]
  ]
  const writes: Array<[string, (id: string) => string, Expect, object?]> = [
    ['POST', (id) => `/api/v1/personas/${id}/publish`, ownerOnly('publish')],
    ['POST', (id) => `/api/v1/personas/${id}/unpublish`, ownerOnly('unpublish')],
    ['DELETE', (id) => `/api/v1/personas/${id}`, { ...ownerOnly('delete'), owner: 204 }],
    ['POST', (id) => `/api/v1/creator/save?persona_id=${id}`, ownerOnly('save'), example('tam-toll-keeper')],
    ['POST', (id) => `/api/v1/admin/personas/${id}/unpublish`, adminOnly]
  ]

  const check = (label: string, res: { statusCode: number, json: () => unknown }, expected: number | string) => {
    if (typeof expected === 'number') {
      t.equal(res.statusCode, expected, label)
    } else {
      const [status, ...message] = expected.split(' ')
      t.equal(res.statusCode, Number(status), label)
      t.strictSame(res.json(), { error: { message: message.join(' ') } }, label)
    }
  }

  for (const [method, url, expect] of reads) {
    for (const actor of ACTORS) {
      const res = await app.inject({ method: method as 'GET', url, headers: headers[actor] })
      check(`${method} ${url} as ${actor}`, res, expect[actor])
    }
  }
  for (const [method, url, expect, payload] of writes) {
    for (const actor of ACTORS) {
      const fresh = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
      const res = await app.inject({ method: method as 'POST', url: url(fresh.persona.id), headers: headers[actor], ...(payload ? { payload } : {}) })
      check(`${method} ${url(':id')} as ${actor}`, res, expect[actor])
    }
  }
})

t.test('GET /personas/{id} and /full answer 404 for unknown ids and 400 for malformed ones', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  for (const suffix of ['', '/full', '/validate']) {
    const missing = await app.inject({ method: 'GET', url: `/api/v1/personas/${randomUUID()}${suffix}`, headers: bearer(owner) })
    t.equal(missing.statusCode, 404)
    t.strictSame(missing.json(), { error: { message: 'Persona not found' } })
    const bad = await app.inject({ method: 'GET', url: `/api/v1/personas/not-a-uuid${suffix}` })
    t.equal(bad.statusCode, 400)
    t.strictSame(bad.json(), { error: { message: 'params.persona_id must be a valid UUID' } })
  }
  for (const [method, url] of [['POST', 'publish'], ['POST', 'unpublish']] as const) {
    const res = await app.inject({ method, url: `/api/v1/personas/${randomUUID()}/${url}`, headers: bearer(owner) })
    t.equal(res.statusCode, 404)
    t.strictSame(res.json(), { error: { message: 'Persona not found' } })
  }
  const del = await app.inject({ method: 'DELETE', url: `/api/v1/personas/${randomUUID()}`, headers: bearer(owner) })
  t.equal(del.statusCode, 404)
  t.strictSame(del.json(), { error: { message: 'Persona not found' } })
})

t.test('GET /personas/{id} returns the persona with every field', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const saved = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const res = await app.inject({ method: 'GET', url: `/api/v1/personas/${saved.persona.id}` })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), {
    id: saved.persona.id,
    owner_id: owner.id,
    name: 'Old Tam',
    description: 'The toll-keeper of a rickety rope bridge. One coin, or a good reason.',
    persona_identity_prompt: example('tam-toll-keeper').persona.persona_identity_prompt,
    perplexity_description: null,
    is_published: true,
    created_at: saved.persona.created_at,
    updated_at: saved.persona.updated_at
  })
})

t.test('listing: public_only, my_personas, ordering, limit and offset', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const other = await register(app)
  const guest = (await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })).json()
  const made: Record<string, string> = {}
  const { personas } = tablesOf(app)
  const make = async (who: Account, name: string, publish: boolean, createdAt: string) => {
    const saved = await saveExample(app, who, 'tam-toll-keeper', { publish, rename: name })
    await app.db.update(personas).set({ createdAt }).where(eq(personas.id, saved.persona.id))
    made[name] = saved.persona.id
  }
  await make(owner, 'ownerPub', true, '2025-01-01T00:00:00.000Z')
  await make(owner, 'ownerDraft', false, '2025-01-02T00:00:00.000Z')
  await make(other, 'otherPub', true, '2025-01-03T00:00:00.000Z')
  await make(other, 'otherDraft', false, '2025-01-04T00:00:00.000Z')

  const names = async (query: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/personas${query}`, headers })
    t.equal(res.statusCode, 200, query)
    return res.json().map((p: { name: string }) => p.name)
  }
  t.strictSame(await names(''), ['otherPub', 'ownerPub'], 'anonymous: published only, newest first')
  t.strictSame(await names('?public_only=false'), ['otherPub', 'ownerPub'], 'anonymous never sees drafts')
  t.strictSame(await names('', bearer(owner)), ['otherPub', 'ownerPub'], 'public_only defaults to true')
  t.strictSame(await names('?public_only=false', bearer(owner)), ['otherPub', 'ownerDraft', 'ownerPub'], 'plus own drafts, never others\'')
  t.strictSame(await names('?my_personas=true', bearer(owner)), ['ownerDraft', 'ownerPub'], 'my_personas: own, published or not')
  t.strictSame(await names('?my_personas=true&public_only=true', bearer(owner)), ['ownerPub'])
  t.strictSame(await names('?my_personas=true', bearer(other)), ['otherDraft', 'otherPub'])
  t.strictSame(await names('?my_personas=true', bearer(guest)), [])
  t.strictSame(await names('?limit=1'), ['otherPub'])
  t.strictSame(await names('?limit=1&offset=1'), ['ownerPub'])
  t.strictSame(await names('?offset=2'), [])

  const anonMine = await app.inject({ method: 'GET', url: '/api/v1/personas?my_personas=true' })
  t.equal(anonMine.statusCode, 401)
  t.strictSame(anonMine.json(), { error: { message: 'my_personas=true needs an Authorization: Bearer <token> header' } })
  const badToken = await app.inject({ method: 'GET', url: '/api/v1/personas', headers: { authorization: 'Bearer nope' } })
  t.equal(badToken.statusCode, 401, 'an invalid token is refused, not ignored')
  t.strictSame(badToken.json(), { error: { message: 'Invalid token' } })

  for (const [query, message] of [
    ['?limit=101', 'querystring.limit must be <= 100'],
    ['?limit=0', 'querystring.limit must be >= 1'],
    ['?offset=-1', 'querystring.offset must be >= 0'],
    ['?my_personas=maybe', 'querystring.my_personas must be boolean']
  ]) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/personas${query}` })
    t.equal(res.statusCode, 400, query)
    t.strictSame(res.json(), { error: { message } }, query)
  }
  const hundred = await app.inject({ method: 'GET', url: '/api/v1/personas?limit=100' })
  t.equal(hundred.statusCode, 200)
})

// A graph that breaks most publish rules at once (but is saveable).
const brokenGraph = () => ({
  persona: { name: 'Broken' },
  machines: [
    {
      machine_key: 'a',
      name: 'A',
      chat_system_prompt: 'x',
      is_entry: true,
      states: [
        { state_key: 'start', prompt_instruction: 'p', is_initial_state: true },
        { state_key: 'island', prompt_instruction: 'p' },
        { state_key: 'end', is_terminal_state: true }
      ],
      transitions: [
        { from_state_key: 'start', to_state_key: 'start', decision_type: 'redirect', condition: 'c' },
        { from_state_key: 'end', to_state_key: 'start', decision_type: 'pass', condition: 'c' }
      ]
    },
    {
      machine_key: 'b',
      name: 'B',
      chat_system_prompt: 'x',
      pass_threshold: 0,
      fail_threshold: 0,
      states: [{ state_key: 'only', is_initial_state: true, is_terminal_state: true }]
    }
  ]
})

const brokenErrors = [
  { code: 'UNREACHABLE_STATE', path: 'machines[0].states[1]', message: 'machines[0].states[1]: state "island" cannot be reached from the initial state' },
  { code: 'DEAD_END_STATE', path: 'machines[0].states[1]', message: 'machines[0].states[1]: non-terminal state "island" has no outgoing transition' },
  { code: 'UNREACHABLE_STATE', path: 'machines[0].states[2]', message: 'machines[0].states[2]: state "end" cannot be reached from the initial state' },
  { code: 'TRANSITION_FROM_TERMINAL', path: 'machines[0].transitions[1].from_state_key', message: 'machines[0].transitions[1].from_state_key: state "end" is terminal and cannot have outgoing transitions' },
  { code: 'THRESHOLDS_INVERTED', path: 'machines[1].pass_threshold', message: 'machines[1].pass_threshold: pass_threshold (0) must be above fail_threshold (0)' },
  { code: 'UNREACHABLE_MACHINE', path: 'machines[1]', message: 'machines[1]: machine "b" is not an entry machine and no link leads to it' },
  { code: 'INITIAL_STATE_TERMINAL', path: 'machines[1].states[0]', message: 'machines[1].states[0]: initial state "only" is terminal, so the conversation can never complete' }
]
const brokenWarnings = [
  { code: 'NO_EXIT_TRANSITION', path: 'machines[0].states[0]', message: 'machines[0].states[0]: state "start" has only redirect transitions, so the conversation can never leave it' }
]

t.test('an invalid graph saves with its findings, validates with errors, and publishing is refused listing every error', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const res = await save(app, owner, brokenGraph())
  t.equal(res.statusCode, 201)
  const id = res.json().persona.id
  t.strictSame(res.json().warnings, [...brokenErrors, ...brokenWarnings])

  const validate = await app.inject({ method: 'GET', url: `/api/v1/personas/${id}/validate`, headers: bearer(owner) })
  t.equal(validate.statusCode, 200)
  t.strictSame(validate.json(), { errors: brokenErrors, warnings: brokenWarnings })

  const publish = await app.inject({ method: 'POST', url: `/api/v1/personas/${id}/publish`, headers: bearer(owner) })
  t.equal(publish.statusCode, 400)
  t.strictSame(publish.json(), { error: { message: `Cannot publish: 7 validation errors: ${brokenErrors.map((e) => e.message).join('; ')}` } })
  const after = await app.inject({ method: 'GET', url: `/api/v1/personas/${id}`, headers: bearer(owner) })
  t.equal(after.json().is_published, false)

  // An empty persona: one error.
  const empty = (await save(app, owner, { persona: { name: 'Empty' }, machines: [] })).json()
  const refused = await app.inject({ method: 'POST', url: `/api/v1/personas/${empty.persona.id}/publish`, headers: bearer(owner) })
  t.strictSame(refused.json(), { error: { message: 'Cannot publish: 1 validation error: machines: the persona has no machine' } })
})

t.test('publish and unpublish toggle is_published and the public listing; updated_at stays', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const saved = await saveExample(app, owner, 'vex-bouncer')
  const validate = await app.inject({ method: 'GET', url: `/api/v1/personas/${saved.persona.id}/validate`, headers: bearer(owner) })
  t.strictSame(validate.json(), { errors: [], warnings: [] })

  const pub = await app.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/publish`, headers: bearer(owner) })
  t.equal(pub.statusCode, 200)
  t.strictSame(pub.json(), { ...saved.persona, is_published: true })
  t.strictSame((await app.inject({ method: 'GET', url: '/api/v1/personas' })).json(), [pub.json()])
  const again = await app.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/publish`, headers: bearer(owner) })
  t.equal(again.statusCode, 200, 'publishing twice is harmless')

  const unpub = await app.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/unpublish`, headers: bearer(owner) })
  t.equal(unpub.statusCode, 200)
  t.strictSame(unpub.json(), { ...saved.persona, is_published: false })
  t.strictSame((await app.inject({ method: 'GET', url: '/api/v1/personas' })).json(), [])
})

t.test('DELETE /personas/{id} removes the persona and every row under it, and nothing else', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const doomed = await saveExample(app, owner, 'vex-bouncer', { publish: true })
  const kept = await saveExample(app, owner, 'vex-bouncer')
  const now = new Date().toISOString()
  const { machineLinks, machineOutputVariables, machines, messages, personas, personaVariables, playerProgress, sessions, states, transitions, turns } = tablesOf(app)
  for (const persona of [doomed, kept]) {
    const sessionId = randomUUID()
    await app.db.insert(sessions).values({
      id: sessionId,
      scope: `sdk:${owner.id}`,
      personaId: persona.persona.id,
      machineId: persona.machines[0].machine_id,
      userSessionId: 'player-1',
      playerName: 'Kim',
      playerGender: 'female',
      currentState: 'approach',
      startedAt: now
    })
    await app.db.insert(messages).values({ id: randomUUID(), sessionId, seq: 0, role: 'assistant', content: 'Name?', createdAt: now })
    await app.db.insert(turns).values({ id: randomUUID(), personaId: persona.persona.id, sessionId, createdAt: now })
    await app.db.insert(playerProgress).values({ scope: `sdk:${owner.id}`, personaId: persona.persona.id, userSessionId: 'player-1' })
  }

  const machineIds = doomed.machines.map((m: { machine_id: string }) => m.machine_id)
  const rows = async (personaId: string, ids: string[]) => {
    const n = async (q: PromiseLike<Array<{ n: number }>>) => (await q)[0]?.n ?? 0
    const byMachine = async (table: typeof states | typeof transitions | typeof machineOutputVariables) => {
      let total = 0
      for (const id of ids) total += await n(app.db.select({ n: count() }).from(table).where(eq(table.machineId, id)))
      return total
    }
    return {
      personas: await n(app.db.select({ n: count() }).from(personas).where(eq(personas.id, personaId))),
      persona_variables: await n(app.db.select({ n: count() }).from(personaVariables).where(eq(personaVariables.personaId, personaId))),
      machines: await n(app.db.select({ n: count() }).from(machines).where(eq(machines.personaId, personaId))),
      machine_output_variables: await byMachine(machineOutputVariables),
      states: await byMachine(states),
      transitions: await byMachine(transitions),
      machine_links: await n(app.db.select({ n: count() }).from(machineLinks).where(eq(machineLinks.personaId, personaId))),
      sessions: await n(app.db.select({ n: count() }).from(sessions).where(eq(sessions.personaId, personaId))),
      messages: await n(app.db.select({ n: count() }).from(messages).innerJoin(sessions, eq(sessions.id, messages.sessionId)).where(eq(sessions.personaId, personaId))),
      turns: await n(app.db.select({ n: count() }).from(turns).where(eq(turns.personaId, personaId))),
      player_progress: await n(app.db.select({ n: count() }).from(playerProgress).where(eq(playerProgress.personaId, personaId)))
    }
  }
  const full = { personas: 1, persona_variables: 2, machines: 2, machine_output_variables: 2, states: 9, transitions: 15, machine_links: 1, sessions: 1, messages: 1, turns: 1, player_progress: 1 }
  t.strictSame(await rows(doomed.persona.id, machineIds), full, 'every table holds rows before the delete')
  const totalMessages = (await app.db.select({ n: count() }).from(messages))[0]?.n

  const del = await app.inject({ method: 'DELETE', url: `/api/v1/personas/${doomed.persona.id}`, headers: bearer(owner) })
  t.equal(del.statusCode, 204)
  t.equal(del.body, '')
  t.strictSame(await rows(doomed.persona.id, machineIds), Object.fromEntries(Object.keys(full).map((k) => [k, 0])), 'every row under the persona is gone')
  t.equal((await app.db.select({ n: count() }).from(messages))[0]?.n, (totalMessages ?? 0) - 1, 'orphan messages are gone too')
  t.strictSame(await rows(kept.persona.id, kept.machines.map((m: { machine_id: string }) => m.machine_id)), full, 'the other persona is untouched')

  const gone = await app.inject({ method: 'GET', url: `/api/v1/personas/${doomed.persona.id}` })
  t.equal(gone.statusCode, 404)
  t.strictSame(gone.json(), { error: { message: 'Persona not found' } })
  const twice = await app.inject({ method: 'DELETE', url: `/api/v1/personas/${doomed.persona.id}`, headers: bearer(owner) })
  t.equal(twice.statusCode, 404)
})

t.test('admins list every persona and can unpublish any; the owner can publish again', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const admin = await register(app, 'root@example.com')
  const owner = await register(app)
  const other = await register(app)
  const pub = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const draft = await saveExample(app, other, 'vex-bouncer')
  const { personas } = tablesOf(app)
  await app.db.update(personas).set({ createdAt: '2025-01-01T00:00:00.000Z' }).where(eq(personas.id, pub.persona.id))

  const list = await app.inject({ method: 'GET', url: '/api/v1/admin/personas', headers: bearer(admin) })
  t.equal(list.statusCode, 200)
  t.strictSame(list.json().map((p: { id: string }) => p.id), [draft.persona.id, pub.persona.id], 'drafts of every user, newest first')
  const page = await app.inject({ method: 'GET', url: '/api/v1/admin/personas?limit=1&offset=1', headers: bearer(admin) })
  t.strictSame(page.json().map((p: { id: string }) => p.id), [pub.persona.id])
  const tooMany = await app.inject({ method: 'GET', url: '/api/v1/admin/personas?limit=500', headers: bearer(admin) })
  t.equal(tooMany.statusCode, 400)
  t.strictSame(tooMany.json(), { error: { message: 'querystring.limit must be <= 100' } })

  const unpub = await app.inject({ method: 'POST', url: `/api/v1/admin/personas/${pub.persona.id}/unpublish`, headers: bearer(admin) })
  t.equal(unpub.statusCode, 200)
  t.equal(unpub.json().is_published, false)
  const hidden = await app.inject({ method: 'GET', url: `/api/v1/personas/${pub.persona.id}` })
  t.equal(hidden.statusCode, 403)
  t.strictSame(hidden.json(), { error: { message: 'This persona is not published' } })
  const missing = await app.inject({ method: 'POST', url: `/api/v1/admin/personas/${randomUUID()}/unpublish`, headers: bearer(admin) })
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), { error: { message: 'Persona not found' } })

  const republish = await app.inject({ method: 'POST', url: `/api/v1/personas/${pub.persona.id}/publish`, headers: bearer(owner) })
  t.equal(republish.json().is_published, true)
})
