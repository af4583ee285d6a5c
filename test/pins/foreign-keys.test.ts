// openDatabase turns foreign keys on itself: with a driver whose default is off (SQLite's own default), references still hold and deletes still cascade.
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { apiKeys, users } from '../../db/schema.ts'
import { openDatabase } from '../../src/db.ts'

type Method = 'pragma' | 'prepare' | 'exec'

/**
 * better-sqlite3 is built with foreign keys on by default, so a missing `foreign_keys = ON` would go
 * unnoticed. This makes every new connection start with them off, as plain SQLite (and other builds) do.
 */
function withForeignKeysOffByDefault (t: Test) {
  const proto = Database.prototype as unknown as Record<Method, (...args: unknown[]) => unknown>
  const originals = { pragma: proto.pragma, prepare: proto.prepare, exec: proto.exec }
  const seen = new WeakSet<object>()
  for (const method of Object.keys(originals) as Method[]) {
    proto[method] = function (this: object, ...args: unknown[]) {
      if (!seen.has(this)) {
        seen.add(this)
        originals.pragma.call(this, 'foreign_keys = OFF')
      }
      return originals[method].apply(this, args)
    }
  }
  t.teardown(() => { Object.assign(proto, originals) })
}

t.test('the simulated driver default really is off', async (t) => {
  withForeignKeysOffByDefault(t)
  const raw = new Database(':memory:')
  t.teardown(() => raw.close())
  t.equal(raw.pragma('foreign_keys', { simple: true }), 0)
})

t.test('openDatabase enables foreign keys: orphans are refused and deletes cascade', async (t) => {
  withForeignKeysOffByDefault(t)
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  t.equal(db.$client.pragma('foreign_keys', { simple: true }), 1, 'PRAGMA foreign_keys reads 1')

  const createdAt = new Date().toISOString()
  const key = { id: 'k1', name: 'game', keyHash: 'h', keyPrefix: 'pk_live_', lastFour: 'abcd', createdAt }
  t.throws(() => db.insert(apiKeys).values({ ...key, userId: 'no-such-user' }).run(), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }, 'a key of no user is refused')

  db.insert(users).values({ id: 'u1', email: 'a@example.com', role: 'user', createdAt }).run()
  db.insert(apiKeys).values({ ...key, userId: 'u1' }).run()
  db.delete(users).run()
  t.same(db.select().from(apiKeys).all(), [], 'deleting the user deleted its keys')
})
