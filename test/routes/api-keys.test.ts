// API keys: create (shown once), list (prefix + last four), revoke (immediate), hashed storage, SDK auth.
import t, { type Test } from 'tap'
import { Type } from '@sinclair/typebox'
import { buildApp } from '../../src/app.ts'
import { bearer, build, createKey, register, testAppConfig } from '../helpers/build.ts'
import { tablesOf } from '../helpers/db.ts'

// A probe SDK route so the key plugin is exercised independently of later SDK endpoints.
async function buildWithProbe (t: Test, env: Record<string, string> = {}) {
  const app = await buildApp(await testAppConfig(t, env), {
    extraRoutes: async (api) => {
      api.get('/sdk/probe', { config: { auth: 'api-key' }, schema: { response: { 200: Type.Object({ user_id: Type.String() }) } } },
        async (req) => ({ user_id: req.apiKey!.userId }))
    }
  })
  t.teardown(() => app.close())
  return app
}

t.test('create shows the full key once; list shows prefix and last four only', async (t) => {
  const app = await build(t)
  const a = await register(app)
  const res = await app.inject({ method: 'POST', url: '/api/v1/sdk/api-keys', headers: bearer(a), payload: { name: 'Unity build' } })
  t.equal(res.statusCode, 201)
  const created = res.json()
  t.match(created.key, /^pk_live_[0-9a-f]{32}$/)
  t.same(Object.keys(created).sort(), ['created_at', 'id', 'key', 'key_prefix', 'last_four', 'name'])
  t.equal(created.key_prefix, 'pk_live_')
  t.equal(created.last_four, created.key.slice(-4))

  const list = await app.inject({ method: 'GET', url: '/api/v1/sdk/api-keys', headers: bearer(a) })
  t.same(list.json(), [{ id: created.id, name: 'Unity build', key_prefix: 'pk_live_', last_four: created.last_four, created_at: created.created_at, last_used_at: null }])
  t.notMatch(list.body, created.key)

  const [row] = await app.db.select().from(tablesOf(app).apiKeys)
  t.not(row.keyHash, created.key, 'stored as a hash')
  t.notMatch(JSON.stringify(row), created.key.slice(8), 'the key is nowhere in the row')
})

t.test('keys are listed only to their owner; another user cannot revoke them', async (t) => {
  const app = await build(t)
  const a = await register(app)
  const b = await register(app)
  const key = await app.inject({ method: 'POST', url: '/api/v1/sdk/api-keys', headers: bearer(a), payload: { name: 'a' } })
  t.same((await app.inject({ method: 'GET', url: '/api/v1/sdk/api-keys', headers: bearer(b) })).json(), [])
  const del = await app.inject({ method: 'DELETE', url: `/api/v1/sdk/api-keys/${key.json().id}`, headers: bearer(b) })
  t.equal(del.statusCode, 404)
  t.same(del.json(), { error: { message: 'API key not found' } })
})

t.test('an API key authenticates SDK routes until revoked', async (t) => {
  const app = await buildWithProbe(t)
  const a = await register(app)
  const key = await createKey(app, a)
  const ok = await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: { 'x-api-key': key } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { user_id: a.id })

  const id = (await app.inject({ method: 'GET', url: '/api/v1/sdk/api-keys', headers: bearer(a) })).json()[0].id
  const del = await app.inject({ method: 'DELETE', url: `/api/v1/sdk/api-keys/${id}`, headers: bearer(a) })
  t.equal(del.statusCode, 204)
  t.equal(del.body, '')
  const after = await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: { 'x-api-key': key } })
  t.equal(after.statusCode, 401)
  t.same(after.json(), { error: { message: 'This API key has been revoked' } })
  t.same((await app.inject({ method: 'GET', url: '/api/v1/sdk/api-keys', headers: bearer(a) })).json(), [], 'revoked keys are not listed')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/sdk/api-keys/${id}`, headers: bearer(a) })).statusCode, 404, 'revoking twice is 404')
})

t.test('missing, malformed and unknown API keys are 401', async (t) => {
  const app = await buildWithProbe(t)
  const cases: Array<[Record<string, string>, string]> = [
    [{}, 'Missing X-API-Key header'],
    [{ 'x-api-key': 'sk_nope' }, 'Invalid API key'],
    [{ 'x-api-key': 'pk_live_' + '0'.repeat(32) }, 'Invalid API key']
  ]
  for (const [headers, message] of cases) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers })
    t.equal(res.statusCode, 401)
    t.same(res.json(), { error: { message } })
  }
})

t.test('a JWT does not open SDK routes and an API key does not open web routes', async (t) => {
  const app = await buildWithProbe(t)
  const a = await register(app)
  const key = await createKey(app, a)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: bearer(a) })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': key } })).statusCode, 401)
})

t.test('a disabled owner\'s keys stop working at once', async (t) => {
  const app = await buildWithProbe(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(app, 'root@example.com')
  const a = await register(app)
  const key = await createKey(app, a)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: { 'x-api-key': key } })).statusCode, 200)
  await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${a.id}`, headers: bearer(root), payload: { disabled: true } })
  const res = await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: { 'x-api-key': key } })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { error: { message: 'The account that owns this API key is disabled' } })
  await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${a.id}`, headers: bearer(root), payload: { disabled: false } })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: { 'x-api-key': key } })).statusCode, 200, 're-enabling restores access')
})

t.test('last_used_at is recorded without a write per request and shown in the list', async (t) => {
  const app = await buildWithProbe(t)
  const a = await register(app)
  const key = await createKey(app, a)
  await app.inject({ method: 'GET', url: '/api/v1/sdk/probe', headers: { 'x-api-key': key } })
  const { apiKeys } = tablesOf(app)
  t.equal((await app.db.select().from(apiKeys))[0].lastUsedAt, null, 'not written on the request path')
  const listed = (await app.inject({ method: 'GET', url: '/api/v1/sdk/api-keys', headers: bearer(a) })).json()[0]
  t.match(listed.last_used_at, /^\d{4}-\d\d-\d\dT/, 'but already visible in the list')
  await app.repos.apiKeys.flushUsage()
  t.equal((await app.db.select().from(apiKeys))[0].lastUsedAt, listed.last_used_at, 'and written by the batch flush')
})
