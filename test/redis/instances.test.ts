// Two instances in one process on one SQLite file and one Redis: shared limits, invalidations heard by the other, turns serialized across both.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { Type } from '@sinclair/typebox'
import { buildApp, type RapportApp } from '../../src/app.ts'
import { bearer, createKey, register, testConfig } from '../helpers/build.ts'
import { saveExample } from '../helpers/examples.ts'
import { llmHeaders, scriptFake } from '../helpers/chat.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'
import { startRedis } from '../helpers/redis.ts'

const server = await startRedis()
t.teardown(() => server.stop())
const fake = await startFakeLlm({ latency: { firstTokenMs: 10, perTokenMs: 1 } })
t.teardown(() => fake.close())

// A and B share the database file and Redis, as two processes behind a load balancer would.
async function pair (t: Test, env: Record<string, string> = {}): Promise<[RapportApp, RapportApp]> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-instances-'))
  await server.connect().flushall()
  const config = testConfig({
    DATABASE_URL: join(dir, 'rapport.db'),
    REDIS_URL: server.url,
    ADMIN_EMAILS: 'root@example.com',
    OPENAI_BASE_URL: `${fake.url}/openai/v1`,
    ...env
  })
  const probe = async (api: Parameters<NonNullable<Parameters<typeof buildApp>[1]>['extraRoutes'] & object>[0]) => {
    api.get('/probe', { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }))
  }
  const a = await buildApp(config, { extraRoutes: probe })
  const b = await buildApp(config, { extraRoutes: probe })
  t.teardown(async () => {
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  })
  await a.ready()
  await b.ready()
  return [a, b]
}

t.test('rate-limit counters are shared: the request over the limit is refused by whichever instance gets it', async (t) => {
  const [a, b] = await pair(t, { RATE_LIMIT_GENERAL: '4' })
  const order = [a, b, a, b]
  for (const [i, app] of order.entries()) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/probe', remoteAddress: '10.1.1.1' })
    t.equal(res.statusCode, 200, `request ${i + 1} passes`)
    t.equal(res.headers['x-ratelimit-remaining'], String(3 - i), 'counted once across both instances')
  }
  for (const app of [a, b]) {
    const limited = await app.inject({ method: 'GET', url: '/api/v1/probe', remoteAddress: '10.1.1.1' })
    t.equal(limited.statusCode, 429)
    t.match(limited.json(), { error: { message: /^Rate limit exceeded: 4 requests per minute allowed/ } })
  }
  const other = await b.inject({ method: 'GET', url: '/api/v1/probe', remoteAddress: '10.1.1.2' })
  t.equal(other.statusCode, 200, 'another IP keeps its own counter')
})

t.test('a key revoked, a user disabled or demoted on one instance applies on the other at its next request', async (t) => {
  const [a, b] = await pair(t)
  const root = await register(a, 'root@example.com')
  const owner = await register(a)
  const key = await createKey(a, owner)
  const spare = await createKey(a, owner, 'spare')
  const sdk = (app: RapportApp, k: string) => app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': k } })
  t.equal((await sdk(b, key)).statusCode, 200, 'B has the key cached')
  const keyId = (await a.inject({ method: 'GET', url: '/api/v1/sdk/api-keys', headers: bearer(owner) })).json().find((k: { name: string }) => k.name === 'game').id
  t.equal((await a.inject({ method: 'DELETE', url: `/api/v1/sdk/api-keys/${keyId}`, headers: bearer(owner) })).statusCode, 204)
  t.same((await sdk(b, key)).json(), { error: { message: 'This API key has been revoked' } })
  t.equal((await sdk(b, spare)).statusCode, 200, 'the other key still works')

  t.equal((await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(owner) })).json().role, 'user', 'B has the user cached')
  t.equal((await a.inject({ method: 'PATCH', url: `/api/v1/admin/users/${owner.id}`, headers: bearer(root), payload: { role: 'admin' } })).statusCode, 200)
  t.equal((await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(owner) })).json().role, 'admin', 'the role change reached B')
  t.equal((await b.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(owner) })).statusCode, 200)
  t.equal((await a.inject({ method: 'PATCH', url: `/api/v1/admin/users/${owner.id}`, headers: bearer(root), payload: { disabled: true } })).statusCode, 200)
  t.same((await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(owner) })).json(), { error: { message: 'This account is disabled' } })
  t.same((await sdk(b, spare)).json(), { error: { message: 'The account that owns this API key is disabled' } })
})

t.test('a persona published, saved or unpublished on one instance is seen by the other', async (t) => {
  const [a, b] = await pair(t)
  const owner = await register(a)
  const key = await createKey(a, owner)
  const list = async (app: RapportApp) => (await app.inject({ method: 'GET', url: '/api/v1/sdk/personas', headers: { 'x-api-key': key } })).json().map((p: { name: string }) => p.name)
  const saved = await saveExample(a, owner, 'tam-toll-keeper')
  t.same(await list(b), [], 'B caches the empty list')
  t.equal((await a.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/publish`, headers: bearer(owner) })).statusCode, 200)
  t.same(await list(b), ['Old Tam'], 'published on A, listed by B')

  const full = async (app: RapportApp) => (await app.inject({ method: 'GET', url: `/api/v1/personas/${saved.persona.id}/full`, headers: bearer(owner) })).json()
  t.equal((await full(b)).persona.name, 'Old Tam', 'B caches the graph')
  const body = { persona: { ...saved.persona, name: 'Young Tam' }, machines: saved.machines, machine_links: saved.machine_links, variables: saved.variables }
  const res = await a.inject({ method: 'POST', url: `/api/v1/creator/save?persona_id=${saved.persona.id}`, headers: bearer(owner), payload: body })
  t.equal(res.statusCode, 200, 'saved on A')
  t.equal((await full(b)).persona.name, 'Young Tam', 'saved on A, read by B')
  t.same(await list(b), ['Young Tam'])
  t.equal((await b.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/unpublish`, headers: bearer(owner) })).statusCode, 200)
  t.same(await list(a), [], 'unpublished on B, gone from A')
})

t.test('concurrent turns of one session spread over both instances run one at a time: contiguous history', async (t) => {
  const [a, b] = await pair(t)
  const owner = await register(a)
  const key = await createKey(a, owner)
  const saved = await saveExample(a, owner, 'vex-bouncer', { publish: true })
  scriptFake(fake, saved)
  const sdk = (app: RapportApp, path: string, payload: object) => app.inject({
    method: 'POST', url: `/api/v1/sdk/chat/${saved.persona.id}${path}`, headers: { 'x-api-key': key, ...llmHeaders }, payload
  })
  t.equal((await sdk(a, '/init-session', { user_session_id: 'p1', player_name: 'Ada', player_gender: 'female' })).statusCode, 200)
  const sent = await Promise.all([a, b, a, b, a].map((app, i) => sdk(app, '/message', { user_session_id: 'p1', message: `message ${i}` })))
  for (const res of sent) t.equal(res.statusCode, 200, 'the turn answered')
  const history = (await b.inject({ method: 'GET', url: `/api/v1/sdk/chat/${saved.persona.id}/history?user_session_id=p1`, headers: { 'x-api-key': key } })).json()
  t.equal(history.messages.length, 11, 'the greeting and 10 new messages')
  const roles = history.messages.slice(1).map((m: { role: string }) => m.role)
  t.same(roles, ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant'], 'each question followed by its answer')
  const asked = history.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content).sort()
  t.same(asked, ['message 0', 'message 1', 'message 2', 'message 3', 'message 4'])
})

t.test('an unreachable Redis stops the start with a message that hides the password; a lost one fails readiness', async (t) => {
  const own = await startRedis()
  const port = new URL(own.url).port
  await own.stop()
  const refused = await buildApp(testConfig({ REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}` })).then(() => null, (err: Error) => err.message)
  t.match(refused, /^Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/)
  t.notMatch(refused, /hunter2/)

  const lost = await startRedis()
  const app = await buildApp(testConfig({ REDIS_URL: lost.url }))
  t.teardown(() => app.close())
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
  await lost.stop()
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: { message: 'Redis unavailable' } })
})
