// SQLITE_SYNCHRONOUS: validated as a setting and applied to the connection (WAL journal either way).
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db.ts'

t.test('FULL by default; each level is applied to the connection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-sync-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.equal(loadConfig({ DATABASE_URL: ':memory:' }).sqliteSynchronous, 'FULL')
  const levels = { OFF: 0, NORMAL: 1, FULL: 2, EXTRA: 3 } as const
  for (const [level, value] of Object.entries(levels)) {
    const synchronous = loadConfig({ DATABASE_URL: ':memory:', SQLITE_SYNCHRONOUS: level }).sqliteSynchronous
    const db = openDatabase(join(dir, `${level}.db`), { synchronous })
    t.equal(db.$client.pragma('synchronous', { simple: true }), value, level)
    t.equal(db.$client.pragma('journal_mode', { simple: true }), 'wal')
    db.$client.close()
  }
  const fallback = openDatabase(join(dir, 'default.db'))
  t.equal(fallback.$client.pragma('synchronous', { simple: true }), 2, 'openDatabase alone is FULL too')
  fallback.$client.close()
})

t.test('an unknown level stops the start with a message naming the setting', async (t) => {
  t.throws(() => loadConfig({ DATABASE_URL: ':memory:', SQLITE_SYNCHRONOUS: 'SOMETIMES' }), ConfigError)
  t.throws(() => loadConfig({ DATABASE_URL: ':memory:', SQLITE_SYNCHRONOUS: 'SOMETIMES' }), /^Invalid setting SQLITE_SYNCHRONOUS="SOMETIMES"/)
})
