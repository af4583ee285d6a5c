// npm run backup: a copy taken from another process while turns are being played passes integrity_check
// and holds every turn acknowledged before the backup started.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { chatSetup } from './helpers/chat.ts'

const script = new URL('../scripts/backup.ts', import.meta.url).pathname

function runBackup (databaseUrl: string, target: string): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, target], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })))
}

t.test('a backup taken during a load of turns is whole and holds every turn acknowledged before it began', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-backup-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const databaseUrl = join(dir, 'rapport.db')
  const c = await chatSetup(t, { env: { DATABASE_URL: databaseUrl, RATE_LIMIT_SDK_CHAT: '100000' } })
  const players = ['p1', 'p2', 'p3', 'p4']
  for (const p of players) {
    const res = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: p, player_name: 'Ada', player_gender: 'female' })
    t.equal(res.statusCode, 200)
  }

  const acknowledged: string[] = []
  const state = { stop: false }
  // Each player plays turns one after another until the backup is done; every turn's message is unique.
  const load = players.map(async (p) => {
    for (let i = 0; !state.stop; i++) {
      const text = `turn ${p}-${i}`
      const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: p, message: text })
      if (res.statusCode !== 200) throw new Error(`${text}: ${res.statusCode} ${res.body}`)
      acknowledged.push(text)
    }
  })
  while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 10))

  const before = [...acknowledged]
  const target = join(dir, 'backup.db')
  const backup = await runBackup(databaseUrl, target)
  const during = acknowledged.length - before.length
  state.stop = true
  await Promise.all(load)
  t.equal(backup.code, 0, backup.output)
  t.match(backup.output, /integrity_check ok/)
  t.ok(during > 0, `turns went on while the backup ran (${during})`)

  const copy = new Database(target, { readonly: true })
  t.teardown(() => copy.close())
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok')
  const stored = new Set((copy.prepare("SELECT content FROM messages WHERE role = 'user'").all() as { content: string }[]).map((r) => r.content))
  t.same(before.filter((text) => !stored.has(text)), [], `all ${before.length} turns acknowledged before the backup are in it`)
  t.notOk(existsSync(`${target}.partial`), 'no partial file is left')

  const again = await runBackup(databaseUrl, target)
  t.equal(again.code, 1, 'an existing file is never overwritten')
  t.match(again.output, /already exists/)
})

t.test('without a target or with an in-memory database the script explains itself', async (t) => {
  const usage = await runBackup('./whatever.db', '')
  t.equal(usage.code, 2)
  t.match(usage.output, /usage: npm run backup -- <backup file>/)
  const memory = await runBackup(':memory:', join(tmpdir(), 'never.db'))
  t.equal(memory.code, 2)
  t.match(memory.output, /:memory:/)
})
