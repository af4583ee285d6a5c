// The idempotency plugin alone (in-memory database, a stand-in guard): key format, scope, fingerprint, replay, failures, waiting duplicates.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import idempotency, { type IdempotencyOptions } from '../../src/plugins/idempotency.ts'
import { fakeGuard } from '../helpers/fake-guard.ts'
import { openDatabase } from '../../src/db.ts'
import { createIdempotencyRepository } from '../../src/repositories/idempotency-repository.ts'
import { parseSse } from '../helpers/sse.ts'

const dbPlugin = fp(async (app) => {
  const db = openDatabase(':memory:')
  app.decorate('db', db)
  app.decorate('repos', { idempotency: createIdempotencyRepository(db) } as never)
  app.addHook('onClose', async () => { db.$client.close() })
}, { name: 'repositories' })

async function appWith (t: Test, opts: IdempotencyOptions = {}) {
  const app: FastifyInstance = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin)
  await app.register(fakeGuard)
  await app.register(idempotency, opts)
  const runs: string[] = []
  const gates: Array<() => void> = []
  const body = { type: 'object', additionalProperties: true }
  const mark = (name: string) => async (req: FastifyRequest) => { runs.push(name) }
  await app.register(async (scope) => {
    scope.post('/items/:id', { config: { idempotent: 'json' }, schema: { body } }, async (req, reply) => {
      runs.push('items')
      const b = req.body as { fail?: number, wait?: boolean }
      if (b.wait === true) await new Promise<void>((resolve) => gates.push(resolve))
      if (b.fail !== undefined) return reply.code(b.fail).send({ failed: true })
      return reply.code(201).send({ run: runs.length, id: (req.params as { id: string }).id, body: req.body })
    })
    scope.post('/other/:id', { config: { idempotent: 'json' }, schema: { body } }, async () => ({ other: true }))
    scope.post('/hooks', { config: { idempotent: 'json' }, preHandler: mark('pre'), onSend: [async (_req, _reply, payload) => { runs.push('send'); return payload }] }, async () => ({ ok: true }))
    scope.post('/hooks2', { config: { idempotent: 'json' }, preHandler: [mark('pre1'), mark('pre2')] }, async () => ({ ok: true }))
    scope.post('/plain', { schema: { body } }, async () => { runs.push('plain'); return { ok: true } })
    scope.post('/turn', { config: { idempotent: 'stream' }, schema: { body } }, async () => {
      runs.push('turn')
      return { message: 'Hello there', current_state: 'ask', score: 2 }
    })
  })
  await app.ready()
  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers: { 'x-user': 'u1', ...headers } })
  return { app, runs, gates, post }
}

t.test('the same key and request replays the stored status and body; nothing runs again', async (t) => {
  const { runs, post } = await appWith(t)
  const first = await post('/items/1', { a: 1, b: { c: 2, d: [1, 2] } }, { 'idempotency-key': 'k-1' })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['idempotent-replayed'], undefined)
  const again = await post('/items/1', { b: { d: [1, 2], c: 2 }, a: 1 }, { 'idempotency-key': 'k-1' })
  t.equal(again.statusCode, 201, 'same status')
  t.equal(again.body, first.body, 'same body, although the fields came in another order')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.match(again.headers['content-type'], /^application\/json/)
  t.same(runs, ['items'])
  await post('/items/1', { a: 1, b: { c: 2, d: [1, 2] } })
  await post('/items/1', { a: 1, b: { c: 2, d: [1, 2] } })
  t.same(runs, ['items', 'items', 'items'], 'without the header every request runs')
})

t.test('the key is bound to its request: another body, route, parameter or array order is a 400', async (t) => {
  const { runs, post } = await appWith(t)
  t.equal((await post('/items/1', { a: [1, 2] }, { 'idempotency-key': 'k' })).statusCode, 201)
  for (const [url, payload] of [['/items/1', { a: [2, 1] }], ['/items/1', { a: [1, 2], b: null }], ['/items/2', { a: [1, 2] }], ['/other/1', { a: [1, 2] }]] as const) {
    const res = await post(url, payload, { 'idempotency-key': 'k' })
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`)
    t.match(res.json().message, /^This Idempotency-Key was already used with a different request/)
  }
  t.same(runs, ['items'])
})

t.test('keys are per caller: another user, or the same owner through an SDK key, runs afresh', async (t) => {
  const { runs, post } = await appWith(t)
  const key = { 'idempotency-key': 'shared' }
  await post('/items/1', { a: 1 }, key)
  await post('/items/1', { a: 1 }, { ...key, 'x-user': 'u2' })
  await post('/items/1', { a: 1 }, { ...key, 'x-owner': 'u1' })
  t.same(runs, ['items', 'items', 'items'])
  const replay = await post('/items/1', { a: 1 }, { ...key, 'x-owner': 'u1' })
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the SDK owner has its own stored result')
  t.same(runs.length, 3)
})

t.test('without a signed-in caller the header is ignored', async (t) => {
  const { app, runs } = await appWith(t)
  for (let i = 0; i < 2; i++) {
    const res = await app.inject({ method: 'POST', url: '/items/1', payload: { a: 1 }, headers: { 'idempotency-key': 'anon' } })
    t.equal(res.statusCode, 201)
    t.equal(res.headers['idempotent-replayed'], undefined)
  }
  t.same(runs, ['items', 'items'])
})

t.test('the key must be 1 to 255 visible ASCII characters', async (t) => {
  const { post } = await appWith(t)
  for (const good of ['!', '~', 'a'.repeat(255), 'A-b_c.9']) {
    t.equal((await post('/items/1', { good }, { 'idempotency-key': good })).statusCode, 201, good.slice(0, 10))
  }
  for (const bad of ['a'.repeat(256), 'has space', 'tab\there', 'é']) {
    const res = await post('/items/1', {}, { 'idempotency-key': bad })
    t.equal(res.statusCode, 400, bad.slice(0, 10))
    t.equal(res.json().message, 'Idempotency-Key must be 1 to 255 visible ASCII characters')
  }
})

t.test('a failed request stores nothing: the retry runs again and its success is kept', async (t) => {
  const { runs, post } = await appWith(t)
  const key = { 'idempotency-key': 'retry' }
  t.equal((await post('/items/1', { fail: 500 }, key)).statusCode, 500)
  t.equal((await post('/items/1', { fail: 500 }, key)).statusCode, 500, 'not replayed: ran again')
  t.equal((await post('/items/1', { fail: 199 + 1 }, key)).statusCode, 200, 'a 200 is a success')
  t.equal((await post('/items/1', { fail: 200 }, key)).headers['idempotent-replayed'], 'true')
  t.equal(runs.length, 3)
  const k2 = { 'idempotency-key': 'redirect' }
  t.equal((await post('/items/1', { fail: 300 }, k2)).statusCode, 300)
  t.equal((await post('/items/1', { fail: 300 }, k2)).headers['idempotent-replayed'], undefined, 'a 3xx is not stored')
  t.equal(runs.length, 5)
})

t.test('a duplicate of a request still running waits for it and gets its result', async (t) => {
  const { runs, gates, post } = await appWith(t)
  const key = { 'idempotency-key': 'slow' }
  const first = post('/items/1', { wait: true }, key)
  while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve))
  const second = post('/items/1', { wait: true }, key)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(runs, ['items'], 'the duplicate did not start')
  gates[0]()
  const [a, b] = await Promise.all([first, second])
  t.equal(a.statusCode, 201)
  t.equal(b.body, a.body)
  t.equal(b.headers['idempotent-replayed'], 'true')
})

t.test('a stream route replays as metadata, one text_delta with the message, and done with the whole turn', async (t) => {
  const { runs, post } = await appWith(t)
  const key = { 'idempotency-key': 'turn' }
  const first = await post('/turn', { m: 'hi' }, key)
  t.same(first.json(), { message: 'Hello there', current_state: 'ask', score: 2 })
  const replay = await post('/turn', { m: 'hi' }, key)
  t.match(replay.headers['content-type'], /^text\/event-stream/)
  t.same(parseSse(replay.body), [
    { event: 'metadata', data: { current_state: 'ask', score: 2 } },
    { event: 'text_delta', data: { text: 'Hello there' } },
    { event: 'done', data: { message: 'Hello there', current_state: 'ask', score: 2 } }
  ])
  t.same(runs, ['turn'])
})

t.test('the route\'s own preHandler and onSend hooks still run; routes without the flag are untouched', async (t) => {
  const { runs, post } = await appWith(t)
  await post('/hooks', {}, { 'idempotency-key': 'h' })
  t.same(runs, ['pre', 'send'])
  t.equal((await post('/hooks', {}, { 'idempotency-key': 'h' })).headers['idempotent-replayed'], 'true')
  await post('/hooks2', {}, { 'idempotency-key': 'h2' })
  t.same(runs.slice(-2), ['pre1', 'pre2'])
  runs.length = 0
  await post('/plain', {}, { 'idempotency-key': 'p' })
  await post('/plain', {}, { 'idempotency-key': 'p' })
  t.same(runs, ['plain', 'plain'])
})

t.test('a result is replayed only within the TTL', async (t) => {
  const { runs, post } = await appWith(t, { ttlMs: 60_000 })
  const key = { 'idempotency-key': 'ttl' }
  await post('/items/1', { a: 1 }, key)
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const start = realNow()
  Date.now = () => start + 30_000
  t.equal((await post('/items/1', { a: 1 }, key)).headers['idempotent-replayed'], 'true')
  Date.now = () => start + 61_000
  const late = await post('/items/1', { a: 1 }, key)
  t.equal(late.headers['idempotent-replayed'], undefined, 'expired: runs afresh')
  t.equal(runs.length, 2)
})
