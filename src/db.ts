// Opens the SQLite database named by DATABASE_URL, applies the committed migrations, returns drizzle.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import * as schema from '../db/schema.ts'
import { ConfigError } from './config.ts'
import { repoPath } from './paths.ts'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

const migrationsFolder = repoPath('db', 'migrations')

/** Resolves DATABASE_URL to a SQLite file path (or :memory:); other schemes are refused with a clear message. */
export function sqlitePath (databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'file::memory:') return ':memory:'
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL names a PostgreSQL database, not a SQLite file')
  }
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length).replace(/^\/\/(?=\/)/, '')
  if (/^[a-z]+:\/\//i.test(databaseUrl)) throw new ConfigError(`Invalid setting DATABASE_URL: unsupported scheme in ${databaseUrl.split(':')[0]}:`)
  return databaseUrl
}

export type SynchronousLevel = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'

/**
 * Opens the database with safe pragmas and brings its schema up to date. `synchronous` is the durability
 * level of a commit (README, "Reliability"): with the WAL journal, FULL survives power loss, NORMAL a crash.
 */
export function openDatabase (databaseUrl: string, opts: { synchronous?: SynchronousLevel } = {}): Db {
  const path = sqlitePath(databaseUrl)
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`)
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = drizzle(sqlite, { schema }) as Db
  migrate(db, { migrationsFolder })
  return db
}
