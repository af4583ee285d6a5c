// The entry point: starts on the configured port, serves, refuses bad settings, closes on SIGTERM.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const entry = new URL('../src/server.ts', import.meta.url).pathname

// The child is a plain server process: it needs nothing of tap's environment (see test/coverage-map.mjs).
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }

function startServer (env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, exited, output: () => out }
}

t.test('starts on a SQLite file under DATA_DIR, answers, and exits 0 on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-server-'))
  const server = startServer({ PORT: '0', DATABASE_URL: join(dir, 'db', 'rapport.db'), DATA_DIR: dir, LOG_LEVEL: 'info', NODE_ENV: 'development' })
  t.teardown(() => { server.child.kill('SIGKILL') })
  let url = ''
  for (let i = 0; i < 1200 && !url; i++) { // up to 60 s: a loaded 2-core machine compiles the TypeScript entry slowly
    const m = /Rapport is up at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())
    if (m) url = m[1]
    else await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.ok(url, 'the server logged its address')
  t.match(server.output(), `Server listening at ${url}`)
  t.match(server.output(), `Rapport is up at ${url} — API reference ${url}/docs, database ${join(dir, 'db', 'rapport.db')}`, 'the startup log names the URL, the docs and the database')
  const health = await fetch(`${url}/readyz`)
  t.equal(health.status, 200)
  t.same(await health.json(), { status: 'ok' })
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'graceful close exits 0')
  t.match(server.output(), /shutting down/)
})

t.test('a bad setting stops the server with a message naming it', async (t) => {
  const server = startServer({ PORT: 'eighty', DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' })
  t.equal(await server.exited, 1)
  t.match(server.output(), /rapport: Invalid setting PORT="eighty"/)
})

t.test('production without a JWT secret refuses to start', async (t) => {
  const server = startServer({ NODE_ENV: 'production', JWT_SECRET: '', DATABASE_URL: ':memory:' })
  t.equal(await server.exited, 1)
  t.match(server.output(), /JWT_SECRET/)
})
