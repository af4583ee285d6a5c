// The auth plugin alone (stand-in repositories): Bearer parsing, the verified-token cache, the live user record, X-API-Key outcomes, usage flushing.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import auth from '../../src/plugins/auth.ts'

interface FakeUser { id: string, role: 'user' | 'admin' | 'guest', disabled: boolean }
const KEY = `pk_live_${'a'.repeat(32)}`

function fakeRepos (users: Map<string, FakeUser>, keys: Record<string, unknown>, flushes: string[]) {
  return fp(async (app) => {
    app.decorate('repos', {
      users: { findById: async (id: string) => users.get(id) ?? null },
      apiKeys: { authenticate: async (key: string) => keys[key] ?? 'invalid', flushUsage: async () => { flushes.push('flush') } }
    } as never)
  }, { name: 'repositories' })
}

async function appWith (t: Test, users: FakeUser[], keys: Record<string, unknown> = {}, expiresIn = '1h') {
  const byId = new Map(users.map((u) => [u.id, u]))
  const flushes: string[] = []
  const app: FastifyInstance = Fastify()
  await app.register(fakeRepos(byId, keys, flushes))
  await app.register(auth, { secret: 'a-test-secret-a-test-secret-0123', expiresIn })
  const errorOf = async (fn: () => Promise<void>) => { try { await fn(); return null } catch (err) { return { status: (err as { statusCode?: number }).statusCode, message: (err as Error).message } } }
  app.get('/jwt', async (req: FastifyRequest) => await errorOf(() => app.verifyJwt(req)) ?? { user: req.user, account: req.account })
  app.get('/key', async (req: FastifyRequest) => await errorOf(() => app.verifyApiKey(req)) ?? { apiKey: req.apiKey })
  app.get('/none', async (req: FastifyRequest) => ({ apiKey: req.apiKey, account: req.account }))
  await app.ready()
  t.teardown(() => app.close())
  return { app, byId, flushes }
}

const jwt = async (app: FastifyInstance, authorization?: string) =>
  (await app.inject({ method: 'GET', url: '/jwt', headers: authorization === undefined ? {} : { authorization } })).json()

t.test('a Bearer token signs in as its subject with the live role; anything else is a clear 401', async (t) => {
  const { app, byId } = await appWith(t, [{ id: 'u1', role: 'user', disabled: false }])
  const token = app.signToken({ id: 'u1', role: 'admin' })
  t.same(await jwt(app, `Bearer ${token}`), { user: { id: 'u1', role: 'user' }, account: { id: 'u1', role: 'user', disabled: false } }, 'role from the record, not the token')
  t.same((await jwt(app, `bearer   ${token}  `)).user, { id: 'u1', role: 'user' }, 'scheme in any case, spaces around the token')
  t.same(await jwt(app), { status: 401, message: 'Missing Authorization: Bearer <token> header' })
  t.same(await jwt(app, ''), { status: 401, message: 'Missing Authorization: Bearer <token> header' })
  for (const bad of [token, `Basic ${token}`, `Bearer ${token} extra`, 'Bearer', `xBearer ${token}`]) {
    t.same(await jwt(app, bad), { status: 401, message: 'Malformed Authorization header: expected Bearer <token>' }, bad.slice(0, 12))
  }
  const forged = await jwt(app, 'Bearer not.a.token')
  t.equal(forged.user, undefined, 'a token that does not verify signs nobody in')
  t.type(forged.message, 'string')

  byId.set('u1', { id: 'u1', role: 'admin', disabled: false })
  t.same((await jwt(app, `Bearer ${token}`)).user, { id: 'u1', role: 'admin' }, 'a role change applies at once, even for a cached token')
  byId.set('u1', { id: 'u1', role: 'admin', disabled: true })
  t.same(await jwt(app, `Bearer ${token}`), { status: 401, message: 'This account is disabled' })
  byId.delete('u1')
  t.same(await jwt(app, `Bearer ${token}`), { status: 401, message: 'Invalid token: the user no longer exists' })
})

t.test('a token without a string subject is invalid', async (t) => {
  const { app } = await appWith(t, [{ id: 'u1', role: 'user', disabled: false }])
  const token = app.jwt.sign({ sub: 42 } as never)
  t.same(await jwt(app, `Bearer ${token}`), { status: 401, message: 'Invalid token' })
})

t.test('a cached token is honoured only until it expires', async (t) => {
  const { app } = await appWith(t, [{ id: 'u1', role: 'user', disabled: false }], {}, '2s')
  const token = app.signToken({ id: 'u1', role: 'user' })
  t.same((await jwt(app, `Bearer ${token}`)).user, { id: 'u1', role: 'user' }, 'verified and cached')
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const later = realNow() + 3_000
  Date.now = () => later
  const expired = await jwt(app, `Bearer ${token}`)
  t.match(expired.message, /expired/, 'the cache does not outlive the token')
  t.equal(expired.user, undefined)
})

t.test('X-API-Key: missing, malformed, unknown, revoked, disabled owner, and a good key', async (t) => {
  const { app } = await appWith(t, [], {
    [KEY]: { keyId: 'k1', userId: 'u1' },
    [`pk_live_${'b'.repeat(32)}`]: 'revoked',
    [`pk_live_${'c'.repeat(32)}`]: 'disabled'
  })
  const key = async (headers: Record<string, string | string[]>) => (await app.inject({ method: 'GET', url: '/key', headers: headers as Record<string, string> })).json()
  t.same(await key({}), { status: 401, message: 'Missing X-API-Key header' })
  t.same(await key({ 'x-api-key': '' }), { status: 401, message: 'Missing X-API-Key header' })
  t.same(await key({ 'x-api-key': `${KEY}0` }), { status: 401, message: 'Invalid API key' }, 'not the key format: refused before any lookup')
  t.same(await key({ 'x-api-key': `pk_live_${'d'.repeat(32)}` }), { status: 401, message: 'Invalid API key' })
  t.same(await key({ 'x-api-key': `pk_live_${'b'.repeat(32)}` }), { status: 401, message: 'This API key has been revoked' })
  t.same(await key({ 'x-api-key': `pk_live_${'c'.repeat(32)}` }), { status: 401, message: 'The account that owns this API key is disabled' })
  t.same(await key({ 'x-api-key': KEY }), { apiKey: { keyId: 'k1', userId: 'u1' } })
  t.same((await app.inject({ method: 'GET', url: '/none' })).json(), { apiKey: null, account: null }, 'nothing is set without verification')
})

t.test('closing the server flushes the batched key usage', async (t) => {
  const { app, flushes } = await appWith(t, [])
  t.same(flushes, [])
  await app.close()
  t.same(flushes, ['flush'])
})

t.test('key usage is flushed every 5 seconds while the server runs', async (t) => {
  const realSetInterval = globalThis.setInterval
  const timers: Array<{ fn: () => void, ms: number | undefined }> = []
  globalThis.setInterval = ((fn: () => void, ms?: number) => {
    timers.push({ fn, ms })
    return realSetInterval(() => {}, 1 << 30)
  }) as typeof setInterval
  t.teardown(() => { globalThis.setInterval = realSetInterval })
  const { flushes } = await appWith(t, [])
  globalThis.setInterval = realSetInterval
  const flusher = timers.filter((x) => x.ms === 5000)
  t.equal(flusher.length, 1, 'one 5 s timer')
  flusher[0].fn()
  flusher[0].fn()
  t.same(flushes, ['flush', 'flush'])
})

t.test('the plugin is named auth (the guard depends on it) and needs the repositories plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fakeRepos(new Map(), {}, []))
  await app.register(auth, { secret: 'a-test-secret-a-test-secret-0123', expiresIn: '1h' })
  await app.register(fp(async () => {}, { name: 'needs-auth', dependencies: ['auth'] }))
  await t.resolves(async () => { await app.ready() })

  const bare = Fastify()
  t.teardown(() => bare.close())
  bare.register(auth, { secret: 'a-test-secret-a-test-secret-0123', expiresIn: '1h' })
  await t.rejects(async () => { await bare.ready() }, /repositories/)
})

t.test('a failed usage flush is logged as an error with its cause; the server keeps running', async (t) => {
  const realSetInterval = globalThis.setInterval
  const timers: Array<{ fn: () => void, ms: number | undefined }> = []
  globalThis.setInterval = ((fn: () => void, ms?: number) => {
    timers.push({ fn, ms })
    return realSetInterval(() => {}, 1 << 30)
  }) as typeof setInterval
  t.teardown(() => { globalThis.setInterval = realSetInterval })
  const lines: Array<{ level: number, msg: string, err?: { message: string } }> = []
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  let fail = true
  await app.register(fp(async (app) => {
    app.decorate('repos', { apiKeys: { flushUsage: async () => { if (fail) throw new Error('disk full') } } } as never)
  }, { name: 'repositories' }))
  await app.register(auth, { secret: 'a-test-secret-a-test-secret-0123', expiresIn: '1h' })
  app.get('/ok', async () => ({ ok: true }))
  await app.ready()
  globalThis.setInterval = realSetInterval
  t.teardown(() => app.close())
  timers.filter((x) => x.ms === 5000)[0].fn()
  await new Promise((resolve) => setImmediate(resolve))
  t.match(lines, [{ level: 50, msg: 'writing API key last_used_at failed', err: { message: 'disk full' } }])
  t.equal((await app.inject({ method: 'GET', url: '/ok' })).statusCode, 200)
  fail = false
})
