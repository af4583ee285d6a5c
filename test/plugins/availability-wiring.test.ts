// Availability helpers and the maintenance / pressure plugins' wiring: the 503 envelope with its headers, plugin names and dependencies.
import t from 'tap'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { alwaysAvailable, unavailable } from '../../src/plugins/availability.ts'
import maintenance from '../../src/plugins/maintenance.ts'
import pressure from '../../src/plugins/pressure.ts'

t.test('unavailable answers 503 in the JSON error envelope with Retry-After', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/x', async (_req, reply) => unavailable(reply, 7, 'Busy'))
  const res = await app.inject('/x')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '7')
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.same(res.json(), { error: { message: 'Busy' } })
})

t.test('alwaysAvailable: health, docs, admin paths and admin routes; a request that matched no route is not', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const seen: Record<string, boolean> = {}
  app.addHook('onRequest', async (req) => { seen[req.url] = alwaysAvailable(req) })
  for (const url of ['/healthz', '/docs/x', '/api/v1/admin/users', '/api/v1/things']) app.get(url, async () => ({}))
  app.get('/api/v1/secret', { config: { auth: 'admin' } }, async () => ({}))
  for (const url of ['/healthz', '/docs/x', '/api/v1/admin/users', '/api/v1/things', '/api/v1/secret', '/nowhere']) await app.inject(url)
  t.same(seen, { '/healthz': true, '/docs/x': true, '/api/v1/admin/users': true, '/api/v1/things': false, '/api/v1/secret': true, '/nowhere': false })
})

t.test('the maintenance plugin is named maintenance and needs the repositories; pressure is named pressure', async (t) => {
  const off = { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0, maxRssBytes: 0, retryAfterS: 5 }
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fp(async (app) => { app.decorate('repos', { settings: { get: async () => null } } as never) }, { name: 'repositories' }))
  await app.register(maintenance, { forced: false, retryAfterS: 5, cacheMs: 1000 })
  await app.register(pressure, off)
  await app.register(fp(async () => {}, { name: 'needs-both', dependencies: ['maintenance', 'pressure'] }))
  await t.resolves(async () => { await app.ready() })
  const bare = Fastify()
  t.teardown(() => bare.close())
  bare.register(maintenance, { forced: false, retryAfterS: 5, cacheMs: 1000 })
  await t.rejects(async () => { await bare.ready() }, /repositories/)
})
