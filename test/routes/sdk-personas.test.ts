// SDK GET /sdk/personas: the key owner's published personas, exact field set, per-key rate limit.
import t from 'tap'
import { eq } from 'drizzle-orm'
import { tablesOf } from '../helpers/db.ts'
import { bearer, build, createKey, register } from '../helpers/build.ts'
import { saveExample } from '../helpers/examples.ts'

t.test('lists only the key owner\'s published personas with exactly id, name, description, created_at, updated_at', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const other = await register(app)
  const first = await saveExample(app, owner, 'vex-bouncer', { publish: true })
  const second = await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const { personas } = tablesOf(app)
  await app.db.update(personas).set({ createdAt: '2025-01-01T00:00:00.000Z' }).where(eq(personas.id, first.persona.id))
  await saveExample(app, owner, 'tam-toll-keeper', { rename: 'Draft' })
  await saveExample(app, other, 'tam-toll-keeper', { publish: true, rename: 'Someone else' })
  const key = await createKey(app, owner)
  // The SDKs send Content-Type: application/json on every request, GETs included.
  const res = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key, 'content-type': 'application/json' } })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), [
    { id: first.persona.id, name: 'Vex', description: first.persona.description, created_at: '2025-01-01T00:00:00.000Z', updated_at: first.persona.updated_at },
    { id: second.persona.id, name: 'Old Tam', description: second.persona.description, created_at: second.persona.created_at, updated_at: second.persona.updated_at }
  ], 'oldest first; drafts and other owners\' personas left out')

  const otherKey = await createKey(app, other)
  const theirs = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': otherKey } })
  t.strictSame(theirs.json().map((p: { name: string }) => p.name), ['Someone else'])

  await app.inject({ method: 'POST', url: `/api/v1/personas/${second.persona.id}/unpublish`, headers: bearer(owner) })
  const after = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })
  t.strictSame(after.json().map((p: { id: string }) => p.id), [first.persona.id], 'unpublishing removes it at once')
})

t.test('every key of an owner sees the same list; an owner with nothing published gets []', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const lonely = await register(app)
  await saveExample(app, owner, 'tam-toll-keeper', { publish: true })
  const [a, b] = [await createKey(app, owner, 'a'), await createKey(app, owner, 'b')]
  const listA = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': a } })
  const listB = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': b } })
  t.equal(listA.json().length, 1)
  t.strictSame(listA.json(), listB.json())
  const none = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': await createKey(app, lonely) } })
  t.equal(none.statusCode, 200)
  t.strictSame(none.json(), [])
})

t.test('needs an API key: missing 401, JWT 401', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const missing = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas' })
  t.equal(missing.statusCode, 401)
  t.strictSame(missing.json(), { error: { message: 'Missing X-API-Key header' } })
  const jwt = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: bearer(owner) })
  t.equal(jwt.statusCode, 401)
  t.strictSame(jwt.json(), { error: { message: 'Missing X-API-Key header' } })
})

t.test('is limited per key in the SDK General category, with rate-limit headers', async (t) => {
  const app = await build(t, { RATE_LIMIT_SDK_GENERAL: '2' })
  const owner = await register(app)
  const key = await createKey(app, owner, 'a')
  const other = await createKey(app, owner, 'b')
  const first = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })
  t.equal(first.headers['x-ratelimit-limit'], '2')
  t.equal(first.headers['x-ratelimit-remaining'], '1')
  await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })
  const limited = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })
  t.equal(limited.statusCode, 429)
  t.ok(Number(limited.headers['retry-after']) >= 1)
  t.match(limited.json(), { error: { message: /^Rate limit exceeded: 2 requests per minute allowed/ } })
  const fresh = await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': other } })
  t.equal(fresh.statusCode, 200, 'another key has its own bucket')
})
