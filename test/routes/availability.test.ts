// 503 (SPEC §11): maintenance mode (admin switch in the database, or a setting) and overload shedding; health, docs and admin stay up.
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RapportApp } from '../../src/app.ts'
import { bearer, build, createKey, register, type Account } from '../helpers/build.ts'
import { chatSetup } from '../helpers/chat.ts'
import { parseSse } from '../helpers/sse.ts'
import { pressureReason } from '../../src/plugins/pressure.ts'

function tempDb (t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-availability-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'rapport.db')
}

const maintenance = (app: RapportApp, who: Account, body?: object) => app.inject({
  method: body ? 'PUT' : 'GET', url: '/api/v1/admin/maintenance', headers: bearer(who), ...(body ? { payload: body } : {})
})

/** The routes that stay up, and what they answer. */
async function alwaysUp (t: Test, app: RapportApp, admin: Account) {
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'healthz')
  t.equal((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200, 'openapi')
  t.ok((await app.inject({ method: 'GET', url: '/docs/' })).statusCode < 400, 'docs')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(admin) })).statusCode, 200, 'admin')
}

t.test('the admin switch answers 503 with Retry-After everywhere but health, docs and admin, and switches back', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(app, 'root@example.com')
  const user = await register(app)
  const key = await createKey(app, user)
  t.same((await maintenance(app, root)).json(), { enabled: false, source: null, message: null, retry_after: 60, updated_at: null })
  t.equal((await maintenance(app, user, { enabled: true })).statusCode, 403, 'admins only')

  const on = await maintenance(app, root, { enabled: true, message: 'Upgrading the database', retry_after: 120 })
  t.equal(on.statusCode, 200)
  t.match(on.json(), { enabled: true, source: 'admin', message: 'Upgrading the database', retry_after: 120, updated_at: String })

  const expected = { error: { message: 'Service under maintenance: Upgrading the database; retry after 120 seconds' } }
  for (const [method, url, headers] of [
    ['GET', '/api/v1/sdk/personas', { 'x-api-key': key }],
    ['GET', '/api/v1/auth/me', bearer(user)],
    ['POST', '/api/v1/auth/login', {}],
    ['GET', '/api/v1/no-such-route', {}]
  ] as const) {
    const res = await app.inject({ method, url, headers, ...(method === 'POST' ? { payload: { email: user.email, password: 'correct horse' } } : {}) })
    t.equal(res.statusCode, 503, `${method} ${url}`)
    t.equal(res.headers['retry-after'], '120')
    t.same(res.json(), expected)
  }
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'readiness: this instance is fine')
  await alwaysUp(t, app, root)

  t.match((await maintenance(app, root, { enabled: false })).json(), { enabled: false, source: null, retry_after: 60 })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })).statusCode, 200)
})

t.test('every instance on the database sees the switch', async (t) => {
  const file = tempDb(t)
  const env = { DATABASE_URL: file, ADMIN_EMAILS: 'root@example.com', MAINTENANCE_CACHE_MS: '0' }
  const a = await build(t, env)
  const b = await build(t, env)
  const root = await register(a, 'root@example.com')
  t.equal((await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(root) })).statusCode, 200)
  await maintenance(a, root, { enabled: true })
  const res = await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(root) })
  t.same([res.statusCode, res.headers['retry-after'], res.json()], [503, '60', { error: { message: 'Service under maintenance; retry after 60 seconds' } }])
  t.match((await maintenance(b, root)).json(), { enabled: true, source: 'admin' })
})

t.test('the MAINTENANCE_MODE setting keeps maintenance on whatever the switch says', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com', MAINTENANCE_MODE: 'true', MAINTENANCE_RETRY_AFTER_S: '30' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'root@example.com', password: 'correct horse' } })
  t.same([res.statusCode, res.headers['retry-after']], [503, '30'])
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/admin/maintenance' })).statusCode, 401, 'admin routes are up and still authenticate')
})

t.test('a turn in flight when maintenance starts finishes; the next one is refused', async (t) => {
  const c = await chatSetup(t, { env: { ADMIN_EMAILS: 'root@example.com' } })
  const root = await register(c.app, 'root@example.com')
  c.reply('Hi.')
  await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })
  c.evaluate('door:approach->guest_list:pass')
  c.reply({ chunks: ['Come ', 'in.'], firstTokenDelayMs: 300 })
  const running = c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'On the list.' })
  while (c.requestsOf('reply').length < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal((await maintenance(c.app, root, { enabled: true })).statusCode, 200, 'switched on while the reply streams')
  const events = parseSse((await running).body)
  t.same(events.at(-1)?.event, 'done')
  t.equal(events.at(-1)?.data.message, 'Come in.')
  const next = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Thanks.' })
  t.equal(next.statusCode, 503)
  await maintenance(c.app, root, { enabled: false })
  const history = await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1`)
  t.same(history.json().messages.map((m: { content: string }) => m.content), ['Hi.', 'On the list.', 'Come in.'], 'the in-flight turn was committed')
})

t.test('over a memory threshold requests are shed with 503; health, docs and admin stay up and readiness reports the pressure', async (t) => {
  const file = tempDb(t)
  const calm = await build(t, { DATABASE_URL: file, ADMIN_EMAILS: 'root@example.com' })
  const root = await register(calm, 'root@example.com')
  const key = await createKey(calm, root)
  const app = await build(t, { DATABASE_URL: file, PRESSURE_MAX_HEAP_USED_BYTES: '1', PRESSURE_RETRY_AFTER_S: '7' })
  // The first memory sample is taken about a second after start.
  while (app.pressure() === null) await new Promise((resolve) => setTimeout(resolve, 50))
  const shed = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })
  t.same([shed.statusCode, shed.headers['retry-after'], shed.json()], [503, '7', { error: { message: 'Server temporarily overloaded; retry after 7 seconds' } }])
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { error: { message: /^Under pressure: heap in use \d+ MB is over 0 MB$/ } })
  await alwaysUp(t, app, root)
  t.equal((await calm.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })).statusCode, 200, 'without thresholds nothing is shed')
})

t.test('an event-loop reading without a sample (Infinity, as at start) neither sheds nor fails readiness; a real one does', async (t) => {
  const opts = { maxEventLoopDelayMs: 1000, maxHeapUsedBytes: 0, maxRssBytes: 0, retryAfterS: 5 }
  t.equal(pressureReason({ eventLoopDelay: Infinity, heapUsed: 1, rssBytes: 1 }, opts), null)
  t.equal(pressureReason({ eventLoopDelay: 999, heapUsed: 1, rssBytes: 1 }, opts), null)
  t.equal(pressureReason({ eventLoopDelay: 1500, heapUsed: 1, rssBytes: 1 }, opts), 'event-loop delay 1500 ms is over 1000 ms')
  t.equal(pressureReason({ eventLoopDelay: 1500, heapUsed: 1, rssBytes: 1 }, { ...opts, maxEventLoopDelayMs: 0 }), null, '0 turns the check off')
})
