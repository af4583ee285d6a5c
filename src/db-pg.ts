// Opens the PostgreSQL database named by a postgres:// DATABASE_URL: node-postgres pool, migrations under an advisory lock, instance lock.
import pg from 'pg'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import * as schema from '../db/schema-pg.ts'
import { ConfigError } from './config.ts'
import { repoPath } from './paths.ts'

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool }

const migrationsFolder = repoPath('db', 'migrations-pg')

// Advisory lock keys (one 64-bit key space per database): 'rapp0rm' in ASCII, then a byte per purpose.
const MIGRATION_LOCK = BigInt('0x7261707030726d01').toString()
const INSTANCE_LOCK = BigInt('0x7261707030726d02').toString()

/** True when DATABASE_URL names a PostgreSQL database (postgres:// or postgresql://). */
export function isPostgresUrl (databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl)
}

/**
 * Applies the committed migrations while holding a session-level advisory lock, so N instances starting
 * together on one database migrate it exactly once: the first applies them, the others wait for the lock,
 * then find nothing left to apply. Returns how many migrations this call applied.
 */
export async function migratePostgres (pool: pg.Pool): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK])
    try {
      const applied = async () => {
        const table = await client.query("select to_regclass('drizzle.__drizzle_migrations') is not null as present")
        if (table.rows[0].present !== true) return 0
        return (await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations')).rows[0].n
      }
      const before = await applied()
      await migrate(drizzle(client), { migrationsFolder })
      return (await applied()) - before
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK])
    }
  } finally {
    client.release()
  }
}

/**
 * Holds the instance lock on its own connection for the life of the process. Without Redis an instance
 * takes it exclusively (a second instance on the database is refused); with Redis every instance takes it
 * shared, so Redis-backed instances run together but none starts beside a Redis-less one, nor the reverse.
 */
export async function holdInstanceLock (databaseUrl: string, shared: boolean): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'rapport instance lock' })
  client.on('error', () => {})
  await client.connect()
  const fn = shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'
  const { rows } = await client.query<{ ok: boolean }>(`select ${fn}($1::bigint) as ok`, [INSTANCE_LOCK])
  if (!rows[0].ok) {
    await client.end()
    throw new ConfigError(shared
      ? 'Refusing to start: a Rapport instance without REDIS_URL is running on this PostgreSQL database; give every instance the same REDIS_URL'
      : 'Refusing to start: another Rapport instance is running on this PostgreSQL database; without REDIS_URL only one instance may run (set REDIS_URL on every instance to run several)')
  }
  return client
}

export interface OpenedPostgres {
  db: PgDb
  /** Migrations this process applied at start (0 when another instance or an earlier start had applied them). */
  migrated: number
  close: () => Promise<void>
}

/**
 * Takes the instance lock, connects a pool and migrates under the migration lock. `redis` says whether
 * REDIS_URL is set; `onLockLost` runs if the lock's connection ends while the database is open.
 */
export async function openPostgres (databaseUrl: string, opts: { redis: boolean, poolSize?: number, onLockLost?: () => void }): Promise<OpenedPostgres> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.poolSize ?? 10, application_name: 'rapport' })
  // An idle client that loses its connection is dropped by the pool; the next query opens a new one.
  pool.on('error', () => {})
  let held: pg.Client | undefined
  try {
    const lock = held = await holdInstanceLock(databaseUrl, opts.redis)
    lock.on('end', () => { if (held !== undefined) opts.onLockLost?.() })
    const migrated = await migratePostgres(pool)
    const db = drizzle(pool, { schema }) as PgDb
    return {
      db,
      migrated,
      close: async () => {
        held = undefined
        await lock.end().catch(() => {})
        if (!pool.ended) await pool.end()
      }
    }
  } catch (err) {
    const lock = held
    held = undefined
    await lock?.end().catch(() => {})
    await pool.end().catch(() => {})
    throw err
  }
}
