// The idempotency plugin's edges: fingerprints of lookalike bodies, SDK scopes, abandoned and freed claims, two processes, purging, plugin wiring.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import idempotency, { type IdempotencyOptions } from '../../src/plugins/idempotency.ts'
import { fakeGuard } from '../helpers/fake-guard.ts'
import { openDatabase, type Db } from '../../src/db.ts'
import { createIdempotencyRepository, type IdempotencyRepository } from '../../src/repositories/idempotency-repository.ts'

const reposOf = (db: Db, patch: Partial<IdempotencyRepository> = {}) => fp(async (app) => {
  app.decorate('repos', { idempotency: { ...createIdempotencyRepository(db), ...patch } } as never)
}, { name: 'repositories' })

function newDb (t: Test): Db {
  const db = openDatabase(':memory:')
  t.teardown(() => { db.$client.close() })
  return db
}

const rows = (db: Db) => db.$client.prepare('SELECT key, status, body FROM idempotency_keys ORDER BY key').all() as Array<{ key: string, status: number | null, body: string | null }>

/** An app over `db` (shared by two apps to play two processes); /items waits on a gate when the body asks. */
async function appWith (t: Test, db: Db, opts: IdempotencyOptions = {}) {
  const app: FastifyInstance = Fastify()
  t.teardown(() => app.close())
  await app.register(reposOf(db))
  await app.register(fakeGuard)
  await app.register(idempotency, opts)
  const runs: string[] = []
  const gates: Array<() => void> = []
  const gate = () => new Promise<void>((resolve) => gates.push(resolve))
  app.post('/items', { config: { idempotent: 'json' } }, async (req, reply) => {
    runs.push('items')
    if ((req.body as { wait?: boolean }).wait === true) await gate()
    return reply.code(201).send({ run: runs.length, body: req.body })
  })
  // A stream whose client leaves at once: the key is freed, and the turn's own result arrives later.
  app.post('/left', { config: { idempotent: 'stream' } }, async (req, reply) => {
    const run = runs.push('left')
    if (run === 1) {
      reply.raw.emit('close')
      await gate()
      await req.idempotency?.complete(200, JSON.stringify({ run }))
    }
    return { run }
  })
  await app.ready()
  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers: { 'x-user': 'u1', ...headers } })
  return { app, runs, gates, post }
}

const started = (gates: unknown[], n: number) => (async () => {
  while (gates.length < n) await new Promise((resolve) => setImmediate(resolve))
})()

t.test('bodies that only look alike are different requests: an array is not an object with index keys, [1, 2] is not [12]', async (t) => {
  const { runs, post } = await appWith(t, newDb(t))
  t.equal((await post('/items', { a: [1, 2] }, { 'idempotency-key': 'k' })).statusCode, 201)
  for (const payload of [{ a: { 0: 1, 1: 2 } }, { a: [12] }, { a: ['1', '2'] }]) {
    t.equal((await post('/items', payload, { 'idempotency-key': 'k' })).statusCode, 400, JSON.stringify(payload))
  }
  t.equal((await post('/items', { a: [1, 2] }, { 'idempotency-key': 'k' })).headers['idempotent-replayed'], 'true')
  t.equal(runs.length, 1)
})

t.test('two SDK owners using the same key each run their own request', async (t) => {
  const { runs, post } = await appWith(t, newDb(t))
  const first = await post('/items', { a: 1 }, { 'idempotency-key': 'same', 'x-owner': 'o1' })
  const second = await post('/items', { a: 1 }, { 'idempotency-key': 'same', 'x-owner': 'o2' })
  t.equal(second.headers['idempotent-replayed'], undefined, 'not the other owner\'s result')
  t.not(second.body, first.body)
  t.equal(runs.length, 2)
})

t.test('a duplicate in the same process is woken by the request it waits for, not by polling', async (t) => {
  // An hour between polls: only the running request's own wake-up lets the duplicate finish.
  const { runs, gates, post } = await appWith(t, newDb(t), { pollMs: 3_600_000 })
  const key = { 'idempotency-key': 'wake' }
  const first = post('/items', { wait: true }, key)
  await started(gates, 1)
  const second = post('/items', { wait: true }, key)
  await new Promise((resolve) => setTimeout(resolve, 20))
  gates[0]()
  const [a, b] = await Promise.all([first, second])
  t.equal(b.body, a.body)
  t.equal(b.headers['idempotent-replayed'], 'true')
  t.same(runs, ['items'])
})

t.test('a duplicate sent to another process polls the shared store until the first request completes', async (t) => {
  const db = newDb(t)
  const one = await appWith(t, db, { pollMs: 5 })
  const two = await appWith(t, db, { pollMs: 5 })
  const key = { 'idempotency-key': 'shared' }
  const first = one.post('/items', { wait: true }, key)
  await started(one.gates, 1)
  const second = two.post('/items', { wait: true }, key)
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.same(two.runs, [], 'the second process waits instead of running')
  one.gates[0]()
  const [a, b] = await Promise.all([first, second])
  t.equal(b.statusCode, 201)
  t.equal(b.body, a.body)
  t.equal(b.headers['idempotent-replayed'], 'true')
})

t.test('a running claim is taken as abandoned only after 15 minutes by default', async (t) => {
  const db = newDb(t)
  const one = await appWith(t, db, { pollMs: 5 })
  const two = await appWith(t, db, { pollMs: 5 })
  const key = { 'idempotency-key': 'stale' }
  const first = one.post('/items', { wait: true }, key)
  await started(one.gates, 1)
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const start = realNow()
  Date.now = () => start + 14 * 60_000
  const waiting = two.post('/items', { wait: true }, key)
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.same(two.runs, [], 'after 14 minutes the claim still holds')
  Date.now = () => start + 16 * 60_000
  await started(two.gates, 1)
  t.same(two.runs, ['items'], 'after 16 minutes the waiting duplicate takes the key over')
  two.gates[0]()
  one.gates[0]()
  t.equal((await waiting).statusCode, 201)
  t.equal((await first).statusCode, 201)
})

t.test('a request whose client left frees its key, and its late result does not overwrite the retry\'s', async (t) => {
  const db = newDb(t)
  const { runs, gates, post } = await appWith(t, db)
  const key = { 'idempotency-key': 'gone' }
  const first = post('/left', {}, key).catch(() => null)
  await started(gates, 1)
  t.same(rows(db), [], 'the client went away: the key is free')
  const retry = await post('/left', {}, key)
  t.same(retry.json(), { run: 2 })
  gates[0]()
  await first
  await new Promise((resolve) => setImmediate(resolve))
  t.same(rows(db).map((r) => r.body), [JSON.stringify({ run: 2 })], 'the stored result is the retry\'s')
  t.same(runs, ['left', 'left'])
})

t.test('expired records are purged at start and every hour; the hourly timer stops with the server', async (t) => {
  const db = newDb(t)
  const repo = createIdempotencyRepository(db)
  const now = Date.now()
  for (const [key, at] of [['old', now - 2 * 60_000], ['fresh', now - 30_000]] as const) {
    await repo.claim('user:u1', key, 'f', at, 0, 0)
    await repo.complete('user:u1', key, 201, '{}')
  }
  const intervals: Array<{ fn: () => void, ms: number | undefined, timer: unknown }> = []
  const cleared: unknown[] = []
  const { setInterval: realSet, clearInterval: realClear } = globalThis
  t.teardown(() => { globalThis.setInterval = realSet; globalThis.clearInterval = realClear })
  globalThis.setInterval = ((fn: () => void, ms?: number) => { const timer = realSet(fn, ms); intervals.push({ fn, ms, timer }); return timer }) as typeof setInterval
  globalThis.clearInterval = ((timer: Parameters<typeof clearInterval>[0]) => { cleared.push(timer); realClear(timer) }) as typeof clearInterval
  const { app } = await appWith(t, db, { ttlMs: 60_000 })
  t.same(rows(db).map((r) => r.key), ['fresh'], 'only the expired record is gone at start')
  const hourly = intervals.filter((i) => i.ms === 3600 * 1000)
  t.equal(hourly.length, 1, 'one hourly purge')
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  Date.now = () => now + 31_000
  hourly[0].fn()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(rows(db), [], 'the hourly purge removed the record that expired since')
  await app.close()
  t.ok(cleared.includes(hourly[0].timer), 'the timer is cleared on close')
})

t.test('a key that cannot be freed after the client left, and a failed hourly purge, are logged as errors', async (t) => {
  const lines: Array<{ level: number, msg: string, err?: { message: string } }> = []
  const intervals: Array<{ fn: () => void, ms: number | undefined }> = []
  const realSet = globalThis.setInterval
  t.teardown(() => { globalThis.setInterval = realSet })
  globalThis.setInterval = ((fn: () => void, ms?: number) => { intervals.push({ fn, ms }); return realSet(() => {}, 1 << 30) }) as typeof setInterval
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  let purges = 0
  await app.register(reposOf(newDb(t), {
    release: async () => { throw new Error('database is locked') },
    purge: async () => { if (++purges > 1) throw new Error('disk I/O error'); return 0 }
  }))
  await app.register(fakeGuard)
  await app.register(idempotency)
  app.post('/left', { config: { idempotent: 'stream' } }, async (_req, reply) => {
    reply.raw.emit('close')
    return { ok: true }
  })
  await app.ready()
  globalThis.setInterval = realSet
  await app.inject({ method: 'POST', url: '/left', payload: {}, headers: { 'x-user': 'u1', 'idempotency-key': 'k' } }).catch(() => null)
  intervals.filter((i) => i.ms === 3600 * 1000)[0].fn()
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  t.match(lines.map((l) => ({ msg: l.msg, err: l.err?.message })).sort((a, b) => a.msg.localeCompare(b.msg)), [
    { msg: 'freeing an Idempotency-Key failed', err: 'database is locked' },
    { msg: 'purging Idempotency-Key records failed', err: 'disk I/O error' }
  ])
  t.ok(lines.every((l) => l.level === 50))
})

t.test('the plugin is named idempotency and needs the repositories and guard plugins', async (t) => {
  const db = newDb(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(reposOf(db))
  await app.register(fakeGuard)
  await app.register(idempotency)
  await app.register(fp(async () => {}, { name: 'needs-idempotency', dependencies: ['idempotency'] }))
  await t.resolves(async () => { await app.ready() })
  for (const [missing, plugins] of [['guard', [reposOf(db)]], ['repositories', [fakeGuard]]] as const) {
    const bare = Fastify()
    t.teardown(() => bare.close())
    for (const plugin of plugins) await bare.register(plugin)
    bare.register(idempotency)
    await t.rejects(async () => { await bare.ready() }, new RegExp(missing))
  }
})
