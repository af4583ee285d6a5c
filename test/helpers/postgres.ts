// PostgreSQL for tests: the server named by TEST_DATABASE_URL (npm run test:pg) or a throwaway one, and a fresh database per caller.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Test } from 'tap'
import pg from 'pg'
import { migratePostgres } from '../../src/db-pg.ts'
import { startPostgres } from '../../scripts/services.ts'

/** True when the suite runs on PostgreSQL (npm run test:pg exports TEST_DATABASE_URL). */
export const onPostgres = process.env.TEST_DATABASE_URL !== undefined && process.env.TEST_DATABASE_URL !== ''

let started: string | undefined
let admin: pg.Pool | undefined
let template: Promise<string> | undefined
let counter = 0

/**
 * Makes a PostgreSQL server available to this test file: the one named by TEST_DATABASE_URL, else a
 * throwaway one (scripts/services.ts) stopped when `t` ends, so the PostgreSQL tests run in `npm test` too.
 */
export async function ensurePostgres (t: Test): Promise<void> {
  if (onPostgres || started !== undefined) return
  const service = await startPostgres()
  started = service.url
  t.teardown(async () => {
    await admin?.end()
    admin = undefined
    template = undefined
    started = undefined
    await service.stop()
  })
}

/** The URL of the server's maintenance database (`postgres`). */
function serverUrl (): string {
  const url = onPostgres ? process.env.TEST_DATABASE_URL : started
  if (url === undefined) throw new Error('no PostgreSQL server: call ensurePostgres(t) first')
  return withDatabase(url, 'postgres')
}

/** `url` with its database name replaced. */
export function withDatabase (url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

function adminPool (): pg.Pool {
  // allowExitOnIdle: idle admin connections never keep a finished test process alive
  if (admin === undefined) {
    admin = new pg.Pool({ connectionString: serverUrl(), max: 2, idleTimeoutMillis: 200, allowExitOnIdle: true })
    admin.on('error', () => {})
  }
  return admin
}

/**
 * A migrated template database named after the committed migrations, made once per server (an advisory
 * lock orders the test processes racing to make it), so each app's database is a quick copy of it.
 */
function migratedTemplate (): Promise<string> {
  template ??= (async () => {
    const journal = readFileSync(new URL('../../db/migrations-pg/meta/_journal.json', import.meta.url))
    const name = `rapport_template_${createHash('sha256').update(journal).digest('hex').slice(0, 12)}`
    const client = await adminPool().connect()
    try {
      await client.query('select pg_advisory_lock(7261707074)')
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
      if (rowCount === 0) {
        await client.query(`create database "${name}_partial"`)
        const pool = new pg.Pool({ connectionString: withDatabase(serverUrl(), `${name}_partial`), max: 1 })
        try { await migratePostgres(pool) } finally { await pool.end() }
        await client.query(`alter database "${name}_partial" rename to "${name}"`)
      }
      await client.query('select pg_advisory_unlock(7261707074)')
    } finally {
      client.release()
    }
    return name
  })()
  return template
}

/**
 * Creates a database for one test (a copy of the migrated template, or empty with `empty: true`) and
 * drops it when the test ends (FORCE: connections still open are closed).
 */
export async function freshDatabase (t: Test, opts: { empty?: boolean } = {}): Promise<string> {
  const pool = adminPool()
  const name = `rapport_t${process.pid}_${++counter}`
  const from = opts.empty ? 'template0' : await migratedTemplate()
  for (let attempt = 0; ; attempt++) {
    try {
      await pool.query(`create database "${name}" template "${from}"`)
      break
    } catch (err) {
      // another test process may still be disconnecting from the template: retry briefly
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  t.teardown(async () => { await pool.query(`drop database if exists "${name}" with (force)`) })
  return withDatabase(serverUrl(), name)
}
