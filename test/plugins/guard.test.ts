// The guard plugin alone (a stand-in auth plugin): who may call a route, which rate-limit bucket counts it, the 429 message, the documented security.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import guard, { type AuthKind, type LimitCategory } from '../../src/plugins/guard.ts'
import { Errors } from '../../src/errors.ts'

const LIMITS = { generation: 1, chat: 1, general: 2, sdkChat: 1, sdkGeneral: 2 }

// Authorization "<role> <id>" signs in; "bad" fails. X-API-Key "<key>" signs in as key <key>; "bad" fails.
const fakeAuth = fp(async (app) => {
  app.decorateRequest('apiKey', null)
  app.decorateRequest('user', null as never)
  app.decorate('verifyJwt', async (req: FastifyRequest) => {
    const header = req.headers.authorization
    if (header === undefined || header === 'bad') throw new Errors.Unauthorized('no valid token')
    const [role, id] = header.split(' ')
    req.user = { id, role: role as 'user' }
  })
  app.decorate('verifyApiKey', async (req: FastifyRequest) => {
    const key = req.headers['x-api-key'] as string | undefined
    if (key === undefined || key === 'bad') throw new Errors.Unauthorized('no valid key')
    req.apiKey = { keyId: key, userId: `owner-${key}` }
  })
}, { name: 'auth' })

async function appWith (t: Test, routes: Array<{ url: string, auth?: AuthKind, limit?: LimitCategory | false, preValidation?: 'one' | 'two' }>, windowMs?: number): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fakeAuth)
  await app.register(guard, { limits: LIMITS, windowMs })
  await app.register(async (scope) => {
    for (const r of routes) {
      const config: Record<string, unknown> = {}
      if (r.auth !== undefined) config.auth = r.auth
      if (r.limit !== undefined) config.limit = r.limit
      const mark = (name: string) => async (req: FastifyRequest) => { (req as unknown as { marks: string[] }).marks.push(name) }
      const preValidation = r.preValidation === 'one' ? mark('one') : r.preValidation === 'two' ? [mark('one'), mark('two')] : undefined
      scope.get(r.url, {
        config,
        schema: { response: { 200: { type: 'object', additionalProperties: true } } },
        ...(preValidation ? { preValidation } : {}),
        onRequest: async (req) => { (req as unknown as { marks: string[] }).marks = [] }
      }, async (req) => ({ user: req.user ?? null, apiKey: req.apiKey, marks: (req as unknown as { marks: string[] }).marks }))
    }
  })
  await app.ready()
  return app
}

const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}, ip = '10.0.0.1') =>
  app.inject({ method: 'GET', url, headers, remoteAddress: ip })

t.test('each auth kind lets in and refuses the right callers', async (t) => {
  const app = await appWith(t, [
    { url: '/none', auth: 'none', limit: false },
    { url: '/default', limit: false },
    { url: '/jwt', auth: 'jwt', limit: false },
    { url: '/user', auth: 'user', limit: false },
    { url: '/admin', auth: 'admin', limit: false },
    { url: '/optional', auth: 'jwt-optional', limit: false },
    { url: '/sdk', auth: 'api-key', limit: false }
  ])
  const cases: Array<[string, Record<string, string>, number, string?]> = [
    ['/none', { authorization: 'bad' }, 200],
    ['/default', { authorization: 'bad' }, 200],
    ['/jwt', {}, 401, 'no valid token'],
    ['/jwt', { authorization: 'guest g1' }, 200],
    ['/user', { authorization: 'guest g1' }, 403, 'Guest accounts cannot do this: register an account'],
    ['/user', { authorization: 'user u1' }, 200],
    ['/user', { authorization: 'admin a1' }, 200],
    ['/admin', { authorization: 'user u1' }, 403, 'Admin role required'],
    ['/admin', { authorization: 'guest g1' }, 403, 'Admin role required'],
    ['/admin', { authorization: 'admin a1' }, 200],
    ['/admin', {}, 401, 'no valid token'],
    ['/optional', {}, 200],
    ['/optional', { authorization: 'bad' }, 401, 'no valid token'],
    ['/optional', { authorization: 'guest g1' }, 200],
    ['/sdk', {}, 401, 'no valid key'],
    ['/sdk', { 'x-api-key': 'k1' }, 200]
  ]
  for (const [url, headers, status, message] of cases) {
    const res = await get(app, url, headers)
    t.equal(res.statusCode, status, `${url} ${JSON.stringify(headers)}`)
    if (message !== undefined) t.equal(res.json().message, message)
  }
  t.same((await get(app, '/optional')).json().user, null, 'no header: nobody is signed in')
  t.same((await get(app, '/optional', { authorization: 'user u7' })).json().user, { id: 'u7', role: 'user' })
  t.same((await get(app, '/sdk', { 'x-api-key': 'k9' })).json().apiKey, { keyId: 'k9', userId: 'owner-k9' })
  t.same((await get(app, '/none', { 'x-api-key': 'k9', authorization: 'user u1' })).json(), { user: null, apiKey: null, marks: [] }, 'none verifies nothing')
})

t.test('the guard runs first, before the route\'s own preValidation hooks (one or several)', async (t) => {
  const app = await appWith(t, [
    { url: '/one', auth: 'jwt', limit: false, preValidation: 'one' },
    { url: '/two', auth: 'jwt', limit: false, preValidation: 'two' }
  ])
  t.same((await get(app, '/one', { authorization: 'user u1' })).json().marks, ['one'])
  t.same((await get(app, '/two', { authorization: 'user u1' })).json().marks, ['one', 'two'])
  t.equal((await get(app, '/two')).statusCode, 401, 'the route hooks never run for a refused caller')
})

t.test('each category counts in its own bucket with its own maximum; no limit means none', async (t) => {
  const app = await appWith(t, [
    { url: '/gen', limit: 'generation' },
    { url: '/chat', limit: 'chat' },
    { url: '/general' },
    { url: '/general2', limit: 'general' },
    { url: '/free', limit: false }
  ])
  const statuses = async (url: string, n: number, ip?: string) => {
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push((await get(app, url, {}, ip)).statusCode)
    return out
  }
  t.same(await statuses('/gen', 2), [200, 429], 'generation: 1')
  t.same(await statuses('/chat', 2), [200, 429], 'chat: 1, not spent by generation')
  t.same(await statuses('/general', 1), [200])
  t.same(await statuses('/general2', 2), [200, 429], 'the default category is general: max 2 shared with /general')
  t.same(await statuses('/gen', 1, '10.0.0.2'), [200], 'another IP has its own bucket')
  t.same(await statuses('/free', 6), [200, 200, 200, 200, 200, 200])
  const refused = await get(app, '/chat')
  t.equal(refused.headers['x-ratelimit-limit'], '1')
  t.match(refused.json().message, /^Rate limit exceeded: 1 requests per minute allowed\. Retry after \d+ seconds$/)
  const seconds = Number(/after (\d+) seconds/.exec(refused.json().message)?.[1])
  t.ok(seconds > 30 && seconds <= 60, `retry after the rest of the minute (${seconds})`)
})

t.test('SDK routes count per API key (default sdkGeneral), and per IP when the key fails', async (t) => {
  const app = await appWith(t, [
    { url: '/sdk', auth: 'api-key' },
    { url: '/sdk-chat', auth: 'api-key', limit: 'sdkChat' }
  ])
  const key = (k: string, ip?: string) => get(app, '/sdk', { 'x-api-key': k }, ip)
  t.same([(await key('a')).statusCode, (await key('a', '10.0.0.9')).statusCode, (await key('a')).statusCode], [200, 200, 429], 'one key from two IPs: one bucket of 2')
  t.equal((await key('b')).statusCode, 200, 'another key from the same IP has its own bucket')
  t.equal(
    (await get(app, '/sdk-chat', { 'x-api-key': 'a' })).statusCode, 200, 'sdkChat is another bucket')
  t.equal((await get(app, '/sdk-chat', { 'x-api-key': 'a' }, '10.0.0.8')).statusCode, 429, 'sdkChat: 1 per key')
  const failed = [(await key('bad', '10.0.0.5')).statusCode, (await key('bad', '10.0.0.5')).statusCode, (await key('bad', '10.0.0.5')).statusCode]
  t.same(failed, [401, 401, 429], 'failed authentication is counted too (per IP)')
  t.equal((await key('bad', '10.0.0.6')).statusCode, 401, 'per IP: another address is not limited')
})

t.test('a window other than a minute is named in seconds', async (t) => {
  const app = await appWith(t, [{ url: '/chat', limit: 'chat' }], 30_000)
  await get(app, '/chat')
  const res = await get(app, '/chat')
  t.equal(res.statusCode, 429)
  t.match(res.json().message, /^Rate limit exceeded: 1 requests per 30 seconds allowed\. Retry after \d+ seconds$/)
  const seconds = Number(/after (\d+) seconds/.exec(res.json().message)?.[1])
  t.ok(seconds > 1 && seconds <= 30, `retry after the rest of the window (${seconds})`)
})

t.test('routes with a schema document their security scheme', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fakeAuth)
  await app.register(guard, { limits: LIMITS })
  const seen: Record<string, unknown> = {}
  app.addHook('onRoute', (route) => { seen[route.url] = route.schema?.security ?? 'none' })
  const kinds: Array<AuthKind | undefined> = ['jwt', 'user', 'admin', 'jwt-optional', 'api-key', 'none', undefined]
  await app.register(async (scope) => {
    for (const auth of kinds) scope.get(`/${auth ?? 'default'}`, { config: auth ? { auth } : {}, schema: { summary: 'x' } }, async () => ({}))
    scope.get('/plain', { config: { auth: 'jwt' } }, async () => ({}))
  })
  await app.ready()
  const bearer = [{ bearerAuth: [] }]
  t.same(seen, {
    '/jwt': bearer,
    '/user': bearer,
    '/admin': bearer,
    '/jwt-optional': [{ bearerAuth: [] }, {}],
    '/api-key': [{ apiKeyAuth: [] }],
    '/none': 'none',
    '/default': 'none',
    '/plain': 'none'
  })
})

t.test('only routes with a category are counted: no rate-limit headers on a route without a limit', async (t) => {
  const app = await appWith(t, [{ url: '/free', limit: false }, { url: '/counted', limit: 'general' }])
  const free = await get(app, '/free')
  t.equal(free.headers['x-ratelimit-limit'], undefined)
  t.equal(free.headers['x-ratelimit-remaining'], undefined)
  t.equal((await get(app, '/counted')).headers['x-ratelimit-limit'], '2')
})

t.test('the plugin is named guard (idempotency depends on it) and needs the auth plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fakeAuth)
  await app.register(guard, { limits: LIMITS })
  await app.register(fp(async () => {}, { name: 'needs-guard', dependencies: ['guard'] }))
  await t.resolves(async () => { await app.ready() })

  const bare = Fastify()
  t.teardown(() => bare.close())
  bare.register(guard, { limits: LIMITS })
  await t.rejects(async () => { await bare.ready() }, /auth/)
})
