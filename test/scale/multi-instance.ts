// npm run test:scale: 3 Rapport processes on one PostgreSQL (TEST_DATABASE_URL; a shared SQLite file without it) and one Redis, requests round-robin.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { repoPath } from '../../src/paths.ts'
import { freePort, startRedis } from '../../scripts/services.ts'
import { startFakeLlm } from '../../tools/fake-llm.ts'
import { example } from '../helpers/examples.ts'

const LLM = { 'x-llm-api-key': 'sk-test-caller-key-0123456789', 'x-llm-model': 'gpt-4o-mini' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const redis = await startRedis()
t.teardown(() => redis.stop())
const fake = await startFakeLlm({ latency: { firstTokenMs: 30, perTokenMs: 2 } })
t.teardown(() => fake.close())
// The slow turn (for kill -9 mid-turn) answers after 60 s; everything else answers at once.
fake.setDefault((req) => {
  const last = req.messages.at(-1)?.content ?? ''
  if (req.system.startsWith('You are the referee')) return { json: { transition_id: null, follow_up: false, reason: 'Nothing applies.' } }
  if (last.includes('SLOW')) return { text: 'Too late.', firstTokenDelayMs: 60_000 }
  return { text: 'Fine words.' }
})
const databaseUrl = process.env.TEST_DATABASE_URL ?? join(mkdtempSync(join(tmpdir(), 'rapport-scale-')), 'rapport.db')
const isPostgres = /^postgres(ql)?:\/\//.test(databaseUrl)

interface Instance { name: string, url: string, child: ChildProcess, log: () => string, migrationsApplied: () => number | undefined }

async function startInstance (name: string): Promise<Instance> {
  const port = await freePort()
  let log = ''
  let migrationsApplied: number | undefined
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      JWT_SECRET: 'scale-test-secret-scale-test-secret!',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      SESSION_LEASE_MS: '2000',
      RATE_LIMIT_SDK_GENERAL: '30',
      RATE_LIMIT_SDK_CHAT: '1000',
      RATE_LIMIT_GENERAL: '1000',
      PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
      OPENAI_BASE_URL: `${fake.url}/openai/v1`
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  for (const s of [child.stdout, child.stderr]) {
    s?.on('data', (d: Buffer) => {
      const text = d.toString()
      log = (log + text).slice(-20_000)
      const found = /"migrationsApplied":(\d+)/.exec(text)
      if (found) migrationsApplied = Number(found[1])
    })
  }
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { name, url: `http://127.0.0.1:${port}`, child, log: () => log, migrationsApplied: () => migrationsApplied }
}

async function ready (i: Instance) {
  for (;;) {
    if (i.child.exitCode !== null) throw new Error(`${i.name} exited: ${i.log()}`)
    const ok = await fetch(`${i.url}/readyz`).then((r) => r.status === 200, () => false)
    if (ok) return
    await sleep(200)
  }
}

async function call (i: Instance, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${i.url}/api/v1${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? null : JSON.parse(text) }
}

// Three instances started at once on an empty database: one migration run, all healthy.
const instances = await Promise.all(['A', 'B', 'C'].map(startInstance))
await Promise.all(instances.map(ready))
const [A, B, C] = instances
let turn = 0
const next = () => instances[turn++ % instances.length]

const owner = (await call(A, 'POST', '/auth/register', { email: 'owner@example.com', password: 'correct horse', display_name: 'Owner' })).json
const bearer = { authorization: `Bearer ${owner.token}` }
const newKey = async (i: Instance, name: string) => (await call(i, 'POST', '/sdk/api-keys', { name }, bearer)).json

t.test('3 instances started together on an empty database all answer', async (t) => {
  for (const i of instances) t.equal((await fetch(`${i.url}/readyz`)).status, 200, `${i.name} ready`)
})

// SQLite migrates inside its own file lock; on PostgreSQL the advisory lock must make it happen once.
if (isPostgres) {
  t.test('3 instances started together on an empty PostgreSQL database migrate it exactly once', async (t) => {
    const committed = readdirSync(repoPath('db', 'migrations-pg')).filter((f) => f.endsWith('.sql')).length
    const applied = instances.map((i) => i.migrationsApplied())
    t.ok(applied.every((n) => n !== undefined), `every instance reported its migration run: ${JSON.stringify(applied)}`)
    t.equal(applied.filter((n) => n !== 0).length, 1, 'one instance applied the migrations, the others found nothing left')
    t.equal(applied.reduce<number>((sum, n) => sum + (n ?? 0), 0), committed, 'each committed migration applied once')
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      const rows = (await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations')).rows
      t.equal(rows[0].n, committed, 'the migrations table holds one row per migration')
    } finally {
      await client.end()
    }
  })
}

t.test('the rate limit holds across instances: the limit+1-th request is 429 whichever instance gets it', async (t) => {
  const { key } = await newKey(B, 'limited')
  for (let n = 1; n <= 30; n++) t.equal((await call(next(), 'GET', '/sdk/personas', undefined, { 'x-api-key': key })).status, 200, `request ${n}`)
  for (const i of instances) t.equal((await call(i, 'GET', '/sdk/personas', undefined, { 'x-api-key': key })).status, 429, `${i.name} refuses`)
})

t.test('a key revoked on A is refused by B and C on their next request', async (t) => {
  const created = await newKey(A, 'revoked')
  t.equal((await call(B, 'GET', '/sdk/personas', undefined, { 'x-api-key': created.key })).status, 200)
  t.equal((await call(C, 'GET', '/sdk/personas', undefined, { 'x-api-key': created.key })).status, 200)
  t.equal((await call(A, 'DELETE', `/sdk/api-keys/${created.id}`, undefined, bearer)).status, 204)
  for (const i of [B, C]) t.same((await call(i, 'GET', '/sdk/personas', undefined, { 'x-api-key': created.key })).json, { error: { message: 'This API key has been revoked' } }, `${i.name} refuses`)
})

const { key } = await newKey(A, 'game')
const sdk = { 'x-api-key': key, ...LLM }
const saved = (await call(A, 'POST', '/creator/save', example('vex-bouncer'), bearer)).json
const personaId: string = saved.persona.id

t.test('a persona published on A is listed by C', async (t) => {
  t.same((await call(C, 'GET', '/sdk/personas', undefined, sdk)).json, [], 'C caches the empty list')
  t.equal((await call(A, 'POST', `/personas/${personaId}/publish`, undefined, bearer)).status, 200)
  t.same((await call(C, 'GET', '/sdk/personas', undefined, sdk)).json.map((p: { id: string }) => p.id), [personaId])
})

const history = async (i: Instance, player: string) => (await call(i, 'GET', `/sdk/chat/${personaId}/history?user_session_id=${player}`, undefined, sdk)).json.messages as Array<{ role: string, content: string }>

t.test('5 concurrent messages to one session over 3 instances: 10 new messages, contiguous, no error', async (t) => {
  t.equal((await call(next(), 'POST', `/sdk/chat/${personaId}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' }, sdk)).status, 200)
  const answers = await Promise.all([0, 1, 2, 3, 4].map((n) => call(next(), 'POST', `/sdk/chat/${personaId}/message`, { user_session_id: 'p1', message: `message ${n}` }, sdk)))
  for (const a of answers) t.equal(a.status, 200, JSON.stringify(a.json).slice(0, 200))
  const messages = await history(next(), 'p1')
  t.equal(messages.length, 11, 'greeting + 10')
  t.same(messages.slice(1).map((m) => m.role), Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'user' : 'assistant')))
  t.same(messages.filter((m) => m.role === 'user').map((m) => m.content).sort(), ['message 0', 'message 1', 'message 2', 'message 3', 'message 4'])
})

t.test('kill -9 of an instance mid-turn: no partial turn, the others serve, the session goes on once the lease expires', async (t) => {
  t.equal((await call(A, 'POST', `/sdk/chat/${personaId}/init-session`, { user_session_id: 'p2', player_name: 'Bo', player_gender: 'male' }, sdk)).status, 200)
  const before = await history(A, 'p2')
  const seen = fake.requests.length
  const doomed = call(C, 'POST', `/sdk/chat/${personaId}/message`, { user_session_id: 'p2', message: 'SLOW please' }, sdk).catch((err: Error) => err)
  // Wait until C's turn reached the provider (it holds the session's lease), then kill it.
  while (!fake.requests.slice(seen).some((r) => r.messages.at(-1)?.content.includes('SLOW') && !r.system.startsWith('You are the referee'))) await sleep(20)
  C.child.kill('SIGKILL')
  t.type(await doomed, Error, 'the client of the dead instance sees its connection fail')
  t.same(await history(A, 'p2'), before, 'no partial turn')
  t.equal((await call(B, 'GET', '/sdk/personas', undefined, sdk)).status, 200, 'B keeps serving')
  const after = await call(A, 'POST', `/sdk/chat/${personaId}/message`, { user_session_id: 'p2', message: 'hello again' }, sdk)
  t.equal(after.status, 200, 'the next message is taken once the dead instance\'s lease expired')
  const messages = await history(B, 'p2')
  t.equal(messages.length, before.length + 2)
  t.same(messages.slice(-2).map((m) => m.content), ['hello again', 'Fine words.'])
})
