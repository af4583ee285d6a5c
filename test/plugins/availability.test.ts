// The maintenance and pressure plugins alone: which routes stay up, the 503 answer, the cached switch, the setting, the thresholds.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import maintenance from '../../src/plugins/maintenance.ts'
import pressure, { pressureReason } from '../../src/plugins/pressure.ts'
import { openDatabase } from '../../src/db.ts'
import { createSettingsRepository } from '../../src/repositories/settings-repository.ts'

const dbPlugin = fp(async (app) => {
  const db = openDatabase(':memory:')
  app.decorate('db', db)
  app.decorate('repos', { settings: createSettingsRepository(db) } as never)
  app.addHook('onClose', async () => { db.$client.close() })
}, { name: 'repositories' })

const UP = ['/', '/healthz', '/readyz', '/openapi.json', '/docs', '/docs/static/x', '/api/v1/admin/users', '/elsewhere/admin-only']
const DOWN = ['/api/v1/things', '/docsx', '/api/v1/administer', '/api/v1/adminx/y', '/healthz/x']

function routes (app: FastifyInstance) {
  for (const url of [...UP, ...DOWN]) {
    app.get(url, { config: url === '/elsewhere/admin-only' ? { auth: 'admin' } : {} }, async () => ({ ok: url }))
  }
}

async function maintenanceApp (t: Test, opts: { forced?: boolean, retryAfterS?: number, cacheMs?: number } = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin)
  await app.register(maintenance, { forced: false, retryAfterS: 60, cacheMs: 60_000, ...opts })
  routes(app)
  await app.ready()
  return app
}

const status = async (app: FastifyInstance, url: string) => (await app.inject({ method: 'GET', url })).statusCode

t.test('maintenance off: everything answers; the state says so', async (t) => {
  const app = await maintenanceApp(t, { retryAfterS: 45 })
  t.same(await app.maintenance.state(), { enabled: false, source: null, message: null, retry_after: 45, updated_at: null })
  for (const url of [...UP, ...DOWN]) t.equal(await status(app, url), 200, url)
})

t.test('the admin switch: 503 with Retry-After and the message, except health, readiness, docs and admin routes', async (t) => {
  const app = await maintenanceApp(t)
  const state = await app.maintenance.set({ enabled: true, message: 'Moving house', retry_after: 120 })
  t.match(state, { enabled: true, source: 'admin', message: 'Moving house', retry_after: 120, updated_at: /^\d{4}-\d\d-\d\dT/ })
  for (const url of UP) t.equal(await status(app, url), 200, `${url} stays up`)
  for (const url of DOWN) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 503, url)
    t.equal(res.headers['retry-after'], '120')
    t.match(res.headers['content-type'], /^application\/json/)
    t.same(res.json(), { error: { message: 'Service under maintenance: Moving house; retry after 120 seconds' } })
  }
  t.equal(await status(app, '/no-such-route'), 503, 'an unknown route too')

  await app.maintenance.set({ enabled: true })
  const plain = await app.inject({ method: 'GET', url: '/api/v1/things' })
  t.equal(plain.headers['retry-after'], '60', 'without retry_after: the setting')
  t.same(plain.json(), { error: { message: 'Service under maintenance; retry after 60 seconds' } })
  t.match(await app.maintenance.set({ enabled: false, message: 'ignored' }), { enabled: false, source: null, message: 'ignored' })
  t.equal(await status(app, '/api/v1/things'), 200)
})

t.test('the setting keeps maintenance on whatever the switch says', async (t) => {
  const app = await maintenanceApp(t, { forced: true, retryAfterS: 30 })
  t.same(await app.maintenance.state(), { enabled: true, source: 'setting', message: null, retry_after: 30, updated_at: null })
  t.equal(await status(app, '/api/v1/things'), 503)
  t.equal(await status(app, '/healthz'), 200)
  t.match(await app.maintenance.set({ enabled: true, message: 'm' }), { enabled: true, source: 'setting', message: 'm' })
  t.match(await app.maintenance.set({ enabled: false }), { enabled: true, source: 'setting' })
})

t.test('another instance\'s switch is seen once this instance\'s cached read is cacheMs old', async (t) => {
  const app = await maintenanceApp(t, { cacheMs: 10_000 })
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const start = realNow()
  Date.now = () => start
  t.equal(await status(app, '/api/v1/things'), 200, 'read and cached: off')
  const other = createSettingsRepository(app.db)
  await other.set('maintenance', { enabled: true, message: null, retry_after: null, updated_at: new Date(start).toISOString() })
  Date.now = () => start + 9_999
  t.equal(await status(app, '/api/v1/things'), 200, 'the cached read is still trusted')
  Date.now = () => start + 10_000
  t.equal(await status(app, '/api/v1/things'), 503, 'now re-read')
  t.equal((await app.maintenance.state()).source, 'admin')
})

t.test('with cacheMs 0 every request reads the switch', async (t) => {
  const app = await maintenanceApp(t, { cacheMs: 0 })
  t.equal(await status(app, '/api/v1/things'), 200)
  await createSettingsRepository(app.db).set('maintenance', { enabled: true, message: 'now', retry_after: 5, updated_at: new Date().toISOString() })
  t.equal(await status(app, '/api/v1/things'), 503)
})

const OFF = { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0, maxRssBytes: 0, retryAfterS: 10 }
const MB = 1024 * 1024

t.test('pressureReason: each threshold, its edge, 0 = off, and no measurement', async (t) => {
  const usage = { eventLoopDelay: 100, heapUsed: 300 * MB, rssBytes: 500 * MB }
  t.equal(pressureReason(usage, OFF), null, 'all off')
  t.equal(pressureReason(usage, { ...OFF, maxEventLoopDelayMs: 100 }), null, 'at the threshold is not over it')
  t.equal(pressureReason({ ...usage, eventLoopDelay: 100.6 }, { ...OFF, maxEventLoopDelayMs: 100 }), 'event-loop delay 101 ms is over 100 ms')
  t.equal(pressureReason({ ...usage, eventLoopDelay: Infinity }, { ...OFF, maxEventLoopDelayMs: 100 }), null, 'Infinity is no measurement')
  t.equal(pressureReason(usage, { ...OFF, maxHeapUsedBytes: 300 * MB }), null)
  t.equal(pressureReason(usage, { ...OFF, maxHeapUsedBytes: 200.4 * MB }), 'heap in use 300 MB is over 200 MB')
  t.equal(pressureReason(usage, { ...OFF, maxRssBytes: 500 * MB }), null)
  t.equal(pressureReason({ ...usage, rssBytes: 500.6 * MB }, { ...OFF, maxRssBytes: 400 * MB }), 'resident memory 501 MB is over 400 MB')
  t.equal(pressureReason(usage, { ...OFF, maxEventLoopDelayMs: 50, maxHeapUsedBytes: MB, maxRssBytes: MB }), 'event-loop delay 100 ms is over 50 ms', 'the delay is named first')
  t.equal(pressureReason(usage, { ...OFF, maxHeapUsedBytes: MB, maxRssBytes: MB }), 'heap in use 300 MB is over 1 MB', 'then the heap')
  t.equal(pressureReason({ eventLoopDelay: 0, heapUsed: 0, rssBytes: 0 }, { ...OFF, maxEventLoopDelayMs: 1, maxHeapUsedBytes: 1, maxRssBytes: 1 }), null)
})

t.test('under pressure: 503 with Retry-After except on the routes that stay up; app.pressure() names the reason', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(pressure, { ...OFF, maxHeapUsedBytes: 1, retryAfterS: 7 })
  routes(app)
  await app.ready()
  for (let i = 0; i < 200 && app.pressure() === null; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.match(app.pressure(), /^heap in use \d+ MB is over 0 MB$/)
  for (const url of UP) t.equal(await status(app, url), 200, `${url} stays up`)
  const res = await app.inject({ method: 'GET', url: '/api/v1/things' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '7')
  t.same(res.json(), { error: { message: 'Server temporarily overloaded; retry after 7 seconds' } })
})

t.test('without pressure nothing is shed', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(pressure, { ...OFF, maxRssBytes: 1024 * 1024 * MB })
  routes(app)
  await app.ready()
  t.equal(app.pressure(), null)
  t.equal(await status(app, '/api/v1/things'), 200)
})
