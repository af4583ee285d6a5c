// PostgreSQL: migrations applied exactly once by instances starting together, the instance lock, faithful column types, backups.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import pg from 'pg'
import { eq } from 'drizzle-orm'
import { openPostgres } from '../src/db-pg.ts'
import { messages, personas, playerProgress, sessions, users } from '../db/schema-pg.ts'
import { ensurePostgres, freshDatabase } from './helpers/postgres.ts'

const migrationCount = (JSON.parse(readFileSync(new URL('../db/migrations-pg/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length

t.before(async () => { await ensurePostgres(t) })

t.test('3 instances opening an empty database at once migrate it exactly once', async (t) => {
  const url = await freshDatabase(t, { empty: true })
  const opened = await Promise.all([1, 2, 3].map(() => openPostgres(url, { redis: true })))
  t.teardown(() => Promise.all(opened.map((o) => o.close())))
  t.same(opened.map((o) => o.migrated).sort(), [0, 0, migrationCount], 'one open applied every migration, the others none')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  const { rows } = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations')
  t.equal(rows[0].n, migrationCount, 'each migration recorded once')
  const again = await openPostgres(url, { redis: true })
  t.equal(again.migrated, 0, 'a later start finds nothing to apply')
  await again.close()
})

t.test('without REDIS_URL a second instance on the same database is refused until the first stops', async (t) => {
  const url = await freshDatabase(t)
  const first = await openPostgres(url, { redis: false })
  await t.rejects(openPostgres(url, { redis: false }), { name: 'ConfigError', message: /another Rapport instance is running on this PostgreSQL database; without REDIS_URL only one instance/ })
  await t.rejects(openPostgres(url, { redis: true }), { name: 'ConfigError', message: /a Rapport instance without REDIS_URL is running/ })
  await first.close()
  const second = await openPostgres(url, { redis: false })
  t.equal(second.migrated, 0)
  await second.close()
})

t.test('instances with REDIS_URL share the database; one without it is refused beside them', async (t) => {
  const url = await freshDatabase(t)
  const a = await openPostgres(url, { redis: true })
  const b = await openPostgres(url, { redis: true })
  t.teardown(async () => { await a.close(); await b.close() })
  await t.rejects(openPostgres(url, { redis: false }), { name: 'ConfigError', message: /another Rapport instance/ })
})

t.test('another database on the same server is independent', async (t) => {
  const one = await openPostgres(await freshDatabase(t), { redis: false })
  const two = await openPostgres(await freshDatabase(t), { redis: false })
  await one.close()
  await two.close()
  t.pass('both single instances started')
})

t.test('timestamps read back as the ISO strings written, booleans as booleans, JSON with its key order', async (t) => {
  const opened = await openPostgres(await freshDatabase(t), { redis: false })
  t.teardown(() => opened.close())
  const { db } = opened
  const at = '2026-03-04T05:06:07.089Z'
  await db.insert(users).values({ id: 'u1', email: null, displayName: null, role: 'user', passwordHash: null, createdAt: at })
  await db.insert(personas).values({ id: 'p1', ownerId: 'u1', name: 'Vex', isPublished: true, createdAt: at, updatedAt: '2026-03-04T05:06:07.000Z' })
  const [persona] = await db.select().from(personas).where(eq(personas.id, 'p1'))
  t.equal(persona.createdAt, at)
  t.equal(persona.updatedAt, '2026-03-04T05:06:07.000Z')
  t.equal(persona.isPublished, true)
  const variables = JSON.stringify({ mood: 'calm', affection: 3, z: [1, { b: 2, a: 1 }] })
  await db.insert(playerProgress).values({ scope: 's', personaId: 'p1', userSessionId: 'x', variables })
  const [progress] = await db.select().from(playerProgress)
  t.equal(progress.variables, variables, 'keys keep the order they were written in')
  t.equal(progress.unlockedMachines, '[]')
  t.equal(progress.completedMachines, '{}')
  t.match(progress.updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'a database default reads back as ISO too')
  const { rows } = await db.$client.query('select pg_typeof(created_at)::text as ts, pg_typeof(is_published)::text as b from personas')
  t.same(rows[0], { ts: 'timestamp with time zone', b: 'boolean' }, 'native column types')
  t.ok(messages && sessions)
})

t.test('npm run backup on PostgreSQL dumps with pg_dump; the dump restores into an empty database', async (t) => {
  const url = await freshDatabase(t)
  const opened = await openPostgres(url, { redis: false })
  await opened.db.insert(users).values({ id: 'u1', email: 'kept@example.com', displayName: null, role: 'user', passwordHash: null, createdAt: '2026-03-04T05:06:07.089Z' })
  await opened.close()
  const dir = mkdtempSync(join(tmpdir(), 'rapport-pgdump-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const target = join(dir, 'rapport.dump')
  const run = () => new Promise<{ code: number | null, output: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', target], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: url } })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    child.on('exit', (code) => resolve({ code, output }))
  })
  const first = await run()
  t.equal(first.code, 0, first.output)
  t.match(first.output, /pg_dump .* restore with: pg_restore/)
  const again = await run()
  t.equal(again.code, 1, 'an existing backup is never overwritten')
  t.match(again.output, /already exists/)
  const restored = await freshDatabase(t, { empty: true })
  execFileSync('pg_restore', ['--dbname', restored, target])
  const client = new pg.Client({ connectionString: restored })
  await client.connect()
  t.teardown(() => client.end())
  const { rows } = await client.query('select email, created_at from users')
  t.same(rows.map((r) => [r.email, (r.created_at as Date).toISOString()]), [['kept@example.com', '2026-03-04T05:06:07.089Z']])
})
