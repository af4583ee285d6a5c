// Repositories over a fresh in-memory database, for tests of the repository contract itself.
import type { Test } from 'tap'
import { openDatabase, type Db } from '../../src/db.ts'
import { createCacheBus } from '../../src/cache-bus.ts'
import { createSqliteRepositories } from '../../src/plugins/repositories.ts'
import { openPostgres } from '../../src/db-pg.ts'
import { createPostgresRepositories } from '../../src/repositories/pg/index.ts'
import * as sqliteTables from '../../db/schema.ts'
import * as pgTables from '../../db/schema-pg.ts'
import { freshDatabase, onPostgres } from './postgres.ts'

/**
 * The repositories, the raw handle and its tables (for tests that look under them, with awaited query
 * builders: typed as SQLite, PostgreSQL's under npm run test:pg), closed when the test ends.
 */
export async function openRepositories (t: Test) {
  const bus = createCacheBus()
  if (onPostgres) {
    const opened = await openPostgres(await freshDatabase(t), { redis: false })
    t.teardown(() => opened.close())
    return { db: opened.db as unknown as Db, tables: pgTables as unknown as typeof sqliteTables, repos: createPostgresRepositories(opened.db, bus) }
  }
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  return { db, tables: sqliteTables, repos: createSqliteRepositories(db, bus) }
}

/** A fresh repositories set with one user in it. */
export async function withUser (t: Test) {
  const { db, tables, repos } = await openRepositories(t)
  const user = await repos.users.create({ email: 'a@example.com', passwordHash: null, displayName: null, role: 'user' })
  if (!user) throw new Error('no user')
  return { db, tables, repos, user }
}
