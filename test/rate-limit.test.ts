// Rate limits: five categories, per IP on web routes, per API key on SDK routes, headers and 429 envelope.
import t, { type Test } from 'tap'
import { Type } from '@sinclair/typebox'
import { buildApp } from '../src/app.ts'
import type { LimitCategory } from '../src/plugins/guard.ts'
import { bearer, createKey, register, testAppConfig } from './helpers/build.ts'

const Ok = { response: { 200: Type.Object({ ok: Type.Boolean() }) } }

// Probe routes, one per category, on the real guard.
async function buildLimited (t: Test, env: Record<string, string>) {
  const app = await buildApp(await testAppConfig(t, env), {
    extraRoutes: async (api) => {
      const web: Array<[string, LimitCategory]> = [['generation', 'generation'], ['chat', 'chat']]
      for (const [path, limit] of web) api.post(`/probe/${path}`, { config: { auth: 'jwt', limit }, schema: Ok }, async () => ({ ok: true }))
      api.post('/sdk/probe/chat', { config: { auth: 'api-key', limit: 'sdkChat' }, schema: Ok }, async () => ({ ok: true }))
      api.get('/sdk/probe/general', { config: { auth: 'api-key' }, schema: Ok }, async () => ({ ok: true }))
    }
  })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

const remoteAddress = (ip: string) => ({ remoteAddress: ip })

t.test('each category has its own limit, headers on every response and a 429 envelope', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_GENERATION: '2', RATE_LIMIT_CHAT: '3', RATE_LIMIT_GENERAL: '20', RATE_LIMIT_SDK_CHAT: '2', RATE_LIMIT_SDK_GENERAL: '3' })
  const a = await register(app)
  const key = await createKey(app, a)

  const cases: Array<[string, 'GET' | 'POST', string, Record<string, string>, number]> = [
    ['generation', 'POST', '/api/v1/probe/generation', bearer(a), 2],
    ['chat', 'POST', '/api/v1/probe/chat', bearer(a), 3],
    ['sdk chat', 'POST', '/api/v1/sdk/probe/chat', { 'x-api-key': key }, 2],
    ['sdk general', 'GET', '/api/v1/sdk/probe/general', { 'x-api-key': key }, 3]
  ]
  for (const [name, method, url, headers, max] of cases) {
    for (let i = 1; i <= max; i++) {
      const ok = await app.inject({ method, url, headers })
      t.equal(ok.statusCode, 200, `${name} request ${i} passes`)
      t.equal(ok.headers['x-ratelimit-limit'], String(max))
      t.equal(ok.headers['x-ratelimit-remaining'], String(max - i))
      t.ok(Number(ok.headers['x-ratelimit-reset']) > 0)
    }
    const limited = await app.inject({ method, url, headers })
    t.equal(limited.statusCode, 429, `${name} request ${max + 1} is limited`)
    t.same(limited.json(), { error: { message: `Rate limit exceeded: ${max} requests per minute allowed. Retry after ${limited.headers['retry-after']} seconds` } })
    t.ok(Number(limited.headers['retry-after']) >= 1 && Number(limited.headers['retry-after']) <= 60)
    t.equal(limited.headers['x-ratelimit-remaining'], '0')
  }
})

t.test('the general category covers other web routes and unknown routes, per IP', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_GENERAL: '3' })
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: i === 0 ? '/api/v1/auth/me' : '/api/v1/no-such-route', ...remoteAddress('10.0.0.1') })
    t.not(res.statusCode, 429)
    t.equal(res.headers['x-ratelimit-limit'], '3')
  }
  const limited = await app.inject({ method: 'GET', url: '/api/v1/no-such-route', ...remoteAddress('10.0.0.1') })
  t.equal(limited.statusCode, 429, 'unknown routes count as General')
  const otherIp = await app.inject({ method: 'GET', url: '/api/v1/no-such-route', ...remoteAddress('10.0.0.2') })
  t.equal(otherIp.statusCode, 404, 'another IP has its own bucket')
  const health = await app.inject({ method: 'GET', url: '/healthz', ...remoteAddress('10.0.0.1') })
  t.equal(health.statusCode, 200, 'health probes are not limited')
})

t.test('SDK limits are per API key, not per IP', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_SDK_GENERAL: '2' })
  const a = await register(app)
  const k1 = await createKey(app, a, 'one')
  const k2 = await createKey(app, a, 'two')
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: { 'x-api-key': k1 }, ...remoteAddress('10.0.0.1') })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: { 'x-api-key': k1 }, ...remoteAddress('10.0.0.9') })).statusCode, 429, 'the same key from another IP is still limited')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: { 'x-api-key': k2 }, ...remoteAddress('10.0.0.1') })).statusCode, 200, 'another key from the same IP is not')
})

t.test('failed authentication is limited per IP, so floods of bad keys or tokens are stopped', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_SDK_GENERAL: '2', RATE_LIMIT_CHAT: '2' })
  const bad = { 'x-api-key': 'pk_live_' + 'f'.repeat(32) }
  for (let i = 0; i < 2; i++) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: bad, ...remoteAddress('10.1.1.1') })
    t.equal(res.statusCode, 401, 'authentication is reported while under the limit')
    t.equal(res.headers['x-ratelimit-remaining'], String(1 - i))
  }
  const flood = await app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: bad, ...remoteAddress('10.1.1.1') })
  t.equal(flood.statusCode, 429)

  const a = await register(app)
  const key = await createKey(app, a)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: { 'x-api-key': key }, ...remoteAddress('10.1.1.1') })).statusCode, 200, 'a valid key from that IP has its own bucket')

  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'POST', url: '/api/v1/probe/chat', headers: { authorization: 'Bearer junk' }, ...remoteAddress('10.1.1.2') })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/probe/chat', headers: { authorization: 'Bearer junk' }, ...remoteAddress('10.1.1.2') })).statusCode, 429)
})

t.test('RATE_LIMIT_WINDOW_MS sets the window: the bucket refills once it has passed, and Retry-After fits it', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_SDK_GENERAL: '1', RATE_LIMIT_WINDOW_MS: '1000' })
  const a = await register(app)
  const key = await createKey(app, a)
  const probe = () => app.inject({ method: 'GET', url: '/api/v1/sdk/probe/general', headers: { 'x-api-key': key } })
  t.equal((await probe()).statusCode, 200)
  const limited = await probe()
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '1', 'a one-second window never asks for more than one second')
  t.same(limited.json(), { error: { message: 'Rate limit exceeded: 1 requests per 1 seconds allowed. Retry after 1 seconds' } })
  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.equal((await probe()).statusCode, 200, 'a new window has begun')
})
