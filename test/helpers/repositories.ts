// Repositories over a fresh in-memory database, for tests of the repository contract itself.
import type { Test } from 'tap'
import { openDatabase } from '../../src/db.ts'
import { createCacheBus } from '../../src/cache-bus.ts'
import { createSqliteRepositories } from '../../src/plugins/repositories.ts'

/** The repositories (and the raw handle, for tests that look under them), closed when the test ends. */
export function openRepositories (t: Test) {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  return { db, repos: createSqliteRepositories(db, createCacheBus()) }
}

/** A fresh repositories set with one user in it. */
export async function withUser (t: Test) {
  const { db, repos } = openRepositories(t)
  const user = await repos.users.create({ email: 'a@example.com', passwordHash: null, displayName: null, role: 'user' })
  if (!user) throw new Error('no user')
  return { db, repos, user }
}
