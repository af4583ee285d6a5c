// Idempotency records: one claim wins, results are stored, failures free the key, expired and abandoned claims are replaced and purged.
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openDatabase } from '../../src/db.ts'
import { createCacheBus } from '../../src/cache-bus.ts'
import { createSqliteRepositories } from '../../src/plugins/repositories.ts'
import { openRepositories } from '../helpers/repositories.ts'
import { onPostgres } from '../helpers/postgres.ts'

const DAY = 24 * 3600 * 1000
const STALE = 15 * 60 * 1000

async function setup (t: Test) {
  return (await openRepositories(t)).repos.idempotency
}

const claimAt = (repo: Awaited<ReturnType<typeof setup>>, now: number, fingerprint = 'f1', key = 'k') => repo.claim('sdk:u1', key, fingerprint, now, now - DAY, now - STALE)

t.test('the first claim wins; later claims see the running record, then its stored result', async (t) => {
  const repo = await setup(t)
  const now = 1_000_000_000_000
  t.same(await claimAt(repo, now), { claimed: true })
  t.same(await claimAt(repo, now + 10, 'f2'), { claimed: false, record: { fingerprint: 'f1', status: null, body: null, createdAt: now } })
  await repo.complete('sdk:u1', 'k', 201, '{"ok":true}')
  t.same(await claimAt(repo, now + 20), { claimed: false, record: { fingerprint: 'f1', status: 201, body: '{"ok":true}', createdAt: now } })
  await repo.release('sdk:u1', 'k')
  t.equal((await repo.find('sdk:u1', 'k'))?.status, 201, 'a stored result is never released')
  t.same(await repo.claim('user:u1', 'k', 'f1', now, now - DAY, now - STALE), { claimed: true }, 'scopes are separate')
})

t.test('a released claim can be claimed again', async (t) => {
  const repo = await setup(t)
  t.same(await claimAt(repo, 5000), { claimed: true })
  await repo.release('sdk:u1', 'k')
  t.equal(await repo.find('sdk:u1', 'k'), null)
  t.same(await claimAt(repo, 6000, 'f9'), { claimed: true })
})

t.test('a result older than 24 h and a claim abandoned past the stale limit are replaced; purge deletes old records', async (t) => {
  const repo = await setup(t)
  const start = 1_000_000_000_000
  await claimAt(repo, start)
  await repo.complete('sdk:u1', 'k', 200, '{}')
  t.same((await claimAt(repo, start + DAY - 1, 'f2')).claimed, false, 'still kept just before 24 h')
  t.same(await claimAt(repo, start + DAY + 1, 'f2'), { claimed: true }, 'replaced after 24 h')

  await claimAt(repo, start, 'f1', 'running')
  t.same((await claimAt(repo, start + STALE - 1, 'f1', 'running')).claimed, false, 'a running claim is waited for')
  t.same(await claimAt(repo, start + STALE + 1, 'f1', 'running'), { claimed: true }, 'an abandoned claim is taken over')

  await claimAt(repo, start, 'f1', 'old')
  t.equal(await repo.purge(start + 1), 1)
  t.equal(await repo.find('sdk:u1', 'old'), null)
  t.not(await repo.find('sdk:u1', 'k'), null)
})

t.test('a record exactly 24 h old, or a claim running exactly the stale limit, is still live', async (t) => {
  const repo = await setup(t)
  const start = 1_000_000_000_000
  await claimAt(repo, start)
  await repo.complete('sdk:u1', 'k', 200, '{}')
  t.same(await claimAt(repo, start + DAY, 'f2'), { claimed: false, record: { fingerprint: 'f1', status: 200, body: '{}', createdAt: start } })
  await claimAt(repo, start, 'f1', 'running')
  t.same(await claimAt(repo, start + STALE, 'f2', 'running'), { claimed: false, record: { fingerprint: 'f1', status: null, body: null, createdAt: start } })
})

t.test('on SQLite a claim takes the write lock before it reads: while another connection writes, it fails busy instead of answering from its read', { skip: onPostgres && 'SQLite locking' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-idem-'))
  const db = openDatabase(join(dir, 'db.sqlite'))
  const other = new Database(join(dir, 'db.sqlite'))
  t.teardown(() => { other.close(); db.$client.close(); rmSync(dir, { recursive: true, force: true }) })
  db.$client.pragma('busy_timeout = 50')
  const repo = createSqliteRepositories(db, createCacheBus()).idempotency
  const now = 1_000_000_000_000
  t.same(await claimAt(repo, now), { claimed: true })
  other.exec('BEGIN IMMEDIATE')
  await t.rejects(claimAt(repo, now + 1, 'f2'), { code: 'SQLITE_BUSY' }, 'not { claimed: false } from a read the writer may be changing')
  other.exec('ROLLBACK')
  t.same(await claimAt(repo, now + 2, 'f2'), { claimed: false, record: { fingerprint: 'f1', status: null, body: null, createdAt: now } })
})
