// Repository caches on either database: a cached record is served until its tag (or `*`, after a lost subscription) is invalidated, and each cache is emptied when it reaches its size limit.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { openDatabase, type Db } from '../../src/db.ts'
import { createCacheBus } from '../../src/cache-bus.ts'
import { hashApiKey } from '../../src/security.ts'
import { createSqliteRepositories } from '../../src/plugins/repositories.ts'
import { openPostgres } from '../../src/db-pg.ts'
import { createPostgresRepositories } from '../../src/repositories/pg/index.ts'
import * as sqliteTables from '../../db/schema.ts'
import * as pgTables from '../../db/schema-pg.ts'
import { freshDatabase, onPostgres } from '../helpers/postgres.ts'

/** Repositories with the cache bus they listen to (test/helpers/repositories.ts keeps its bus to itself). */
async function open (t: Test) {
  const bus = createCacheBus()
  if (onPostgres) {
    const opened = await openPostgres(await freshDatabase(t), { redis: false })
    t.teardown(() => opened.close())
    return { bus, db: opened.db as unknown as Db, tables: pgTables as unknown as typeof sqliteTables, repos: createPostgresRepositories(opened.db, bus) }
  }
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  return { bus, db, tables: sqliteTables, repos: createSqliteRepositories(db, bus) }
}

// Filling the caches to their limits takes a while on PostgreSQL.
t.setTimeout(240_000)

const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()

/** Inserts `n` users directly (in chunks: SQLite binds at most 32766 values per statement). */
async function insertUsers (db: Db, tables: typeof sqliteTables, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), email: null, displayName: null, role: 'user' as const, disabled: false, passwordHash: null, createdAt: at(i) }))
  for (let i = 0; i < rows.length; i += 1000) await db.insert(tables.users).values(rows.slice(i, i + 1000))
  return rows.map((r) => r.id)
}

/** Inserts `n` personas of one owner directly, without graphs. */
async function insertPersonas (db: Db, tables: typeof sqliteTables, ownerId: string, n: number, isPublished = false) {
  const rows = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), ownerId, name: `p${i}`, description: '', personaIdentityPrompt: '', perplexityDescription: null, isPublished, createdAt: at(i), updatedAt: at(i) }))
  for (let i = 0; i < rows.length; i += 1000) await db.insert(tables.personas).values(rows.slice(i, i + 1000))
  return rows.map((r) => r.id)
}

t.test('loadGraph serves its cached graph (the same frozen object) until that persona or everything is invalidated', async (t) => {
  const { bus, db, tables, repos } = await open(t)
  const [owner] = await insertUsers(db, tables, 1)
  const [a, b] = await insertPersonas(db, tables, owner, 2)
  const first = await repos.personas.loadGraph(a)
  t.equal(await repos.personas.loadGraph(a), first, 'the cached object')
  t.ok(Object.isFrozen(first) && Object.isFrozen(first?.persona))
  await repos.personas.loadGraph(b)
  await db.update(tables.personas).set({ name: 'renamed' }).where(eq(tables.personas.id, a))
  bus.invalidate(`persona:${b}`)
  t.equal((await repos.personas.loadGraph(a))?.persona.name, 'p0', 'another persona\'s invalidation leaves it cached')
  bus.invalidate(`persona:${a}`)
  t.equal((await repos.personas.loadGraph(a))?.persona.name, 'renamed')
  await db.update(tables.personas).set({ name: 'again' }).where(eq(tables.personas.id, a))
  bus.dropAll()
  t.equal((await repos.personas.loadGraph(a))?.persona.name, 'again', 'dropAll (tag *) drops it')
})

t.test('the graph cache holds 1000 graphs and is emptied when a new one would exceed that', async (t) => {
  const { db, tables, repos } = await open(t)
  const [owner] = await insertUsers(db, tables, 1)
  const [first, ...others] = await insertPersonas(db, tables, owner, 1001)
  await repos.personas.loadGraph(first)
  await db.update(tables.personas).set({ name: 'renamed' }).where(eq(tables.personas.id, first))
  const rest = others.slice(0, 999)
  for (let i = 0; i < rest.length; i += 10) await Promise.all(rest.slice(i, i + 10).map((id) => repos.personas.loadGraph(id)))
  t.equal((await repos.personas.loadGraph(first))?.persona.name, 'p0', 'still cached among 1000')
  await repos.personas.loadGraph(others[999])
  t.equal((await repos.personas.loadGraph(first))?.persona.name, 'renamed', 'the 1001st graph emptied the cache')
})

t.test('the SDK persona list is cached per owner until a persona changes, and emptied past 1000 owners', async (t) => {
  const { bus, db, tables, repos } = await open(t)
  const [owner, ...others] = await insertUsers(db, tables, 1001)
  const [p] = await insertPersonas(db, tables, owner, 1, true)
  const list = await repos.personas.listPublishedByOwner(owner)
  t.same(list.map((v) => v.id), [p])
  t.equal(await repos.personas.listPublishedByOwner(owner), list, 'the cached list')
  await db.update(tables.personas).set({ isPublished: false }).where(eq(tables.personas.id, p))
  const rest = others.slice(0, 999)
  for (let i = 0; i < rest.length; i += 10) await Promise.all(rest.slice(i, i + 10).map((id) => repos.personas.listPublishedByOwner(id)))
  t.same((await repos.personas.listPublishedByOwner(owner)).map((v) => v.id), [p], 'still cached among 1000 owners')
  await repos.personas.listPublishedByOwner(others[999])
  t.same(await repos.personas.listPublishedByOwner(owner), [], 'the 1001st owner emptied the cache')
  await db.update(tables.personas).set({ isPublished: true }).where(eq(tables.personas.id, p))
  bus.invalidate(`persona:${randomUUID()}`)
  t.same((await repos.personas.listPublishedByOwner(owner)).map((v) => v.id), [p], 'any persona change drops every list')
})

t.test('findById serves its cached user until that user or everything is invalidated', async (t) => {
  const { bus, db, tables, repos } = await open(t)
  const [a, b] = await insertUsers(db, tables, 2)
  t.equal((await repos.users.findById(a))?.role, 'user')
  await repos.users.findById(b)
  await db.update(tables.users).set({ role: 'admin' }).where(eq(tables.users.id, a))
  bus.invalidate(`user:${b}`)
  t.equal((await repos.users.findById(a))?.role, 'user', 'another user\'s invalidation leaves it cached')
  bus.invalidate(`user:${a}`)
  t.equal((await repos.users.findById(a))?.role, 'admin')
  await db.update(tables.users).set({ disabled: true }).where(eq(tables.users.id, a))
  bus.dropAll()
  t.equal((await repos.users.findById(a))?.disabled, true, 'dropAll (tag *) drops it')
})

t.test('the user cache holds 10000 users and is emptied when a new one would exceed that', async (t) => {
  const { db, tables, repos } = await open(t)
  const [first, ...others] = await insertUsers(db, tables, 10_001)
  await repos.users.findById(first)
  await db.update(tables.users).set({ role: 'admin' }).where(eq(tables.users.id, first))
  const rest = others.slice(0, 9_999)
  // Ten at a time (the PostgreSQL pool's size): there each read is a round trip.
  for (let i = 0; i < rest.length; i += 10) await Promise.all(rest.slice(i, i + 10).map((id) => repos.users.findById(id)))
  t.equal((await repos.users.findById(first))?.role, 'user', 'still cached among 10000')
  await repos.users.findById(others[9_999])
  t.equal((await repos.users.findById(first))?.role, 'admin', 'the 10001st user emptied the cache')
})

t.test('the API-key cache holds 10000 keys and is emptied when a new one would exceed that', async (t) => {
  const { db, tables, repos } = await open(t)
  const [owner] = await insertUsers(db, tables, 1)
  const keys = Array.from({ length: 10_001 }, (_, i) => `rk_cache_${i}_${randomUUID()}`)
  const rows = keys.map((key, i) => ({ id: randomUUID(), userId: owner, name: `k${i}`, keyHash: hashApiKey(key), keyPrefix: 'rk_cache', lastFour: key.slice(-4), createdAt: at(i) }))
  for (let i = 0; i < rows.length; i += 1000) await db.insert(tables.apiKeys).values(rows.slice(i, i + 1000))
  const [first, ...others] = keys
  await repos.apiKeys.authenticate(first)
  await db.update(tables.apiKeys).set({ revokedAt: at(0) }).where(eq(tables.apiKeys.id, rows[0].id))
  const rest = others.slice(0, 9_999)
  // Ten at a time (the PostgreSQL pool's size): there each read is a round trip.
  for (let i = 0; i < rest.length; i += 10) await Promise.all(rest.slice(i, i + 10).map((key) => repos.apiKeys.authenticate(key)))
  t.same(await repos.apiKeys.authenticate(first), { keyId: rows[0].id, userId: owner }, 'still cached among 10000')
  await repos.apiKeys.authenticate(others[9_999])
  t.equal(await repos.apiKeys.authenticate(first), 'revoked', 'the 10001st key emptied the cache')
})

t.test('an API key\'s cached record is served until that key or everything is invalidated', async (t) => {
  const { bus, db, tables, repos } = await open(t)
  const [owner] = await insertUsers(db, tables, 1)
  const a = await repos.apiKeys.create(owner, 'a')
  const b = await repos.apiKeys.create(owner, 'b')
  t.same(await repos.apiKeys.authenticate(a.key), { keyId: a.id, userId: owner })
  await repos.apiKeys.authenticate(b.key)
  await db.update(tables.apiKeys).set({ revokedAt: at(0) }).where(eq(tables.apiKeys.id, a.id))
  bus.invalidate(`api-key:${b.id}`)
  t.same(await repos.apiKeys.authenticate(a.key), { keyId: a.id, userId: owner }, 'another key\'s invalidation leaves it cached')
  bus.invalidate(`api-key:${a.id}`)
  t.equal(await repos.apiKeys.authenticate(a.key), 'revoked')
  t.same(await repos.apiKeys.authenticate(b.key), { keyId: b.id, userId: owner }, 'read again after its invalidation')
  await db.update(tables.apiKeys).set({ revokedAt: at(0) }).where(eq(tables.apiKeys.id, b.id))
  t.same(await repos.apiKeys.authenticate(b.key), { keyId: b.id, userId: owner }, 'cached')
  bus.dropAll()
  t.equal(await repos.apiKeys.authenticate(b.key), 'revoked', 'dropAll (tag *) drops it')
})
