// Users, API keys, statistics and settings repositories on either database: shapes, conflicts, ordering, revocation, batched last use, the 24-hour window.
import t from 'tap'
import { eq } from 'drizzle-orm'
import { toGraph } from '../../src/routes/web/creator.ts'
import { example } from '../helpers/examples.ts'
import { openRepositories, withUser } from '../helpers/repositories.ts'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

t.test('users: create (null on a taken email), find, credentials, list oldest first, update, count', async (t) => {
  const { db, tables, repos } = await openRepositories(t)
  t.equal(await repos.users.count(), 0)
  const a = await repos.users.create({ email: 'a@example.com', passwordHash: 'hash-a', displayName: 'Ann', role: 'admin' })
  t.match(a, { email: 'a@example.com', display_name: 'Ann', role: 'admin', disabled: false, created_at: ISO })
  t.same(Object.keys(a ?? {}).sort(), ['created_at', 'disabled', 'display_name', 'email', 'id', 'role'], 'no password hash in a user view')
  t.equal(await repos.users.create({ email: 'a@example.com', passwordHash: null, displayName: null, role: 'user' }), null, 'the email is taken')
  const b = await repos.users.create({ email: null, passwordHash: null, displayName: null, role: 'guest' })
  if (!a || !b) throw new Error('no users')
  await db.update(tables.users).set({ createdAt: '2001-01-01T00:00:00.000Z' }).where(eq(tables.users.id, b.id))
  t.same(await repos.users.findById(a.id), a)
  t.equal(await repos.users.findById('00000000-0000-4000-8000-000000000000'), null)
  t.same(await repos.users.findCredentials('a@example.com'), { user: a, passwordHash: 'hash-a' })
  t.equal(await repos.users.findCredentials('nobody@example.com'), null)
  t.same((await repos.users.list(10, 0)).map((u) => u.id), [b.id, a.id], 'oldest first')
  t.same((await repos.users.list(1, 1)).map((u) => u.id), [a.id])
  t.equal(await repos.users.count(), 2)

  t.same(await repos.users.update(a.id, {}), a, 'an empty patch changes nothing and answers the user')
  t.match(await repos.users.update(a.id, { role: 'user' }), { id: a.id, role: 'user', disabled: false })
  t.match(await repos.users.update(a.id, { disabled: true }), { id: a.id, role: 'user', disabled: true })
  t.match(await repos.users.findById(a.id), { role: 'user', disabled: true }, 'the cached record was dropped')
  t.equal(await repos.users.update('00000000-0000-4000-8000-000000000000', { role: 'admin' }), null)
  t.equal(await repos.users.update('00000000-0000-4000-8000-000000000000', {}), null)
})

t.test('API keys: create shows the key once, list newest first without revoked keys, revoke, authenticate', async (t) => {
  const { db, tables, repos, user } = await withUser(t)
  const first = await repos.apiKeys.create(user.id, 'first')
  t.match(first, { name: 'first', key: /^pk_live_/, key_prefix: 'pk_live_', created_at: ISO, last_used_at: null })
  t.equal(first.last_four, first.key.slice(-4))
  t.same(Object.keys(first).sort(), ['created_at', 'id', 'key', 'key_prefix', 'last_four', 'last_used_at', 'name'])
  const second = await repos.apiKeys.create(user.id, 'second')
  await db.update(tables.apiKeys).set({ createdAt: '2001-01-01T00:00:00.000Z' }).where(eq(tables.apiKeys.id, first.id))
  const { key: _key, ...view } = second
  t.same(await repos.apiKeys.list(user.id), [view, { id: first.id, name: 'first', key_prefix: 'pk_live_', last_four: first.last_four, created_at: '2001-01-01T00:00:00.000Z', last_used_at: null }], 'newest first, never the key')

  t.equal(await repos.apiKeys.authenticate(`${first.key.slice(0, -1)}${first.key.endsWith('a') ? 'b' : 'a'}`), 'invalid')
  t.same(await repos.apiKeys.authenticate(first.key), { keyId: first.id, userId: user.id })
  t.equal(await repos.apiKeys.revoke(user.id, first.id), true)
  t.equal(await repos.apiKeys.revoke(user.id, first.id), false, 'already revoked')
  t.equal(await repos.apiKeys.authenticate(first.key), 'revoked', 'the cached record was dropped')
  t.same((await repos.apiKeys.list(user.id)).map((k) => k.id), [second.id])
  const other = await repos.users.create({ email: 'b@example.com', passwordHash: null, displayName: null, role: 'user' })
  if (!other) throw new Error('no user')
  t.equal(await repos.apiKeys.revoke(other.id, second.id), false, 'only the owner revokes')
  t.same(await repos.apiKeys.list(other.id), [])

  t.same(await repos.apiKeys.authenticate(second.key), { keyId: second.id, userId: user.id })
  await repos.users.update(user.id, { disabled: true })
  t.equal(await repos.apiKeys.authenticate(second.key), 'disabled')
})

t.test('API keys: a use shows in list at once and is written by flushUsage; a revoked key\'s pending use is dropped', async (t) => {
  const { db, tables, repos, user } = await withUser(t)
  const a = await repos.apiKeys.create(user.id, 'a')
  const b = await repos.apiKeys.create(user.id, 'b')
  await repos.apiKeys.flushUsage()
  t.same((await repos.apiKeys.list(user.id)).map((k) => k.last_used_at), [null, null], 'nothing to flush')
  const before = Date.now()
  await repos.apiKeys.authenticate(a.key)
  await repos.apiKeys.authenticate(b.key)
  const listed = await repos.apiKeys.list(user.id)
  for (const k of listed) {
    t.match(k.last_used_at, ISO)
    t.ok(Date.parse(k.last_used_at ?? '') >= before - 1)
  }
  await repos.apiKeys.revoke(user.id, b.id)
  await repos.apiKeys.flushUsage()
  await repos.apiKeys.flushUsage()
  t.same(await repos.apiKeys.list(user.id), listed.filter((k) => k.id === a.id), 'the flushed value is the one listed')
  const rows = await db.select({ id: tables.apiKeys.id, lastUsedAt: tables.apiKeys.lastUsedAt }).from(tables.apiKeys)
  t.same(Object.fromEntries(rows.map((r) => [r.id, r.lastUsedAt])), { [a.id]: listed.find((k) => k.id === a.id)?.last_used_at, [b.id]: null }, 'written for a, dropped for the revoked b')
})

t.test('stats: totals, and the last 24 hours by creation time, with token sums', async (t) => {
  const { db, tables, repos, user } = await withUser(t)
  const empty = await repos.stats.stats()
  t.same(empty, { users: 1, personas: 0, sessions: 0, messages: 0, last_24h: { users: 1, sessions: 0, messages: 0, turns: 0, llm_tokens_in: 0, llm_tokens_out: 0, speculation_wasted_tokens_in: 0, speculation_wasted_tokens_out: 0 } })
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const { loaded } = await repos.personas.save(user.id, null, fields, graph)
  const key = { scope: `sdk:${user.id}`, personaId: loaded.persona.id, machineId: loaded.graph.machines[0].machine_id, userSessionId: 'p1' }
  const greeting = { role: 'assistant' as const, content: 'Hi', state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, trace: null }
  const s = await repos.sessions.replace(key, { playerName: 'R', playerGender: 'female', initialState: 'approach', greeting, tokens: { in: 10, out: 2 } })
  await repos.sessions.commitTurn({
    sessionId: s.session_id,
    expectedMessageCount: 1,
    userMessage: { ...greeting, role: 'user', content: 'u' },
    assistantMessage: { ...greeting, content: 'a' },
    state: { current_state: 'approach', score: 0, redirect_count: 0, outcome: null },
    progress: { scope: key.scope, personaId: key.personaId, userSessionId: 'p1', unlock: [], completed: null },
    tokens: { in: 100, out: 20, wastedIn: 7, wastedOut: 3 }
  })
  const now = new Date()
  t.same(await repos.stats.stats(now), { users: 1, personas: 1, sessions: 1, messages: 3, last_24h: { users: 1, sessions: 1, messages: 3, turns: 2, llm_tokens_in: 110, llm_tokens_out: 22, speculation_wasted_tokens_in: 7, speculation_wasted_tokens_out: 3 } })

  // Rows created exactly 24 h before `now` still count; a millisecond earlier they do not.
  const edge = new Date(now.getTime() - 24 * 3600 * 1000).toISOString()
  const older = new Date(now.getTime() - 24 * 3600 * 1000 - 1).toISOString()
  await db.update(tables.users).set({ createdAt: edge })
  await db.update(tables.sessions).set({ startedAt: edge })
  await db.update(tables.messages).set({ createdAt: edge })
  await db.update(tables.turns).set({ createdAt: edge })
  t.same((await repos.stats.stats(now)).last_24h, { users: 1, sessions: 1, messages: 3, turns: 2, llm_tokens_in: 110, llm_tokens_out: 22, speculation_wasted_tokens_in: 7, speculation_wasted_tokens_out: 3 })
  await db.update(tables.users).set({ createdAt: older })
  await db.update(tables.sessions).set({ startedAt: older })
  await db.update(tables.messages).set({ createdAt: older })
  await db.update(tables.turns).set({ createdAt: older })
  t.same(await repos.stats.stats(now), { users: 1, personas: 1, sessions: 1, messages: 3, last_24h: { users: 0, sessions: 0, messages: 0, turns: 0, llm_tokens_in: 0, llm_tokens_out: 0, speculation_wasted_tokens_in: 0, speculation_wasted_tokens_out: 0 } })
})

t.test('settings: null when unset, JSON values read back, set overwrites', async (t) => {
  const { db, tables, repos } = await openRepositories(t)
  t.equal(await repos.settings.get('maintenance'), null)
  await repos.settings.set('maintenance', { enabled: true, message: 'back soon' }, new Date('2026-01-01T00:00:00.000Z'))
  t.same(await repos.settings.get('maintenance'), { enabled: true, message: 'back soon' })
  t.equal(await repos.settings.get('other'), null)
  await repos.settings.set('maintenance', false, new Date('2026-01-02T00:00:00.000Z'))
  t.equal(await repos.settings.get('maintenance'), false)
  t.same(await db.select().from(tables.serverSettings), [{ key: 'maintenance', value: 'false', updatedAt: '2026-01-02T00:00:00.000Z' }])
})
