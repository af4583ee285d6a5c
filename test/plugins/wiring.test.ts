// The wiring plugins alone: db (pragmas, closed with the server), repositories (a disabled owner's keys, ping, dependencies), chat (configured base URLs, close), CORS.
import t from 'tap'
import https from 'node:https'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import dbPlugin from '../../src/plugins/db.ts'
import repositoriesPlugin from '../../src/plugins/repositories.ts'
import chatPlugin from '../../src/plugins/chat.ts'
import { ALLOWED_HEADERS, EXPOSED_HEADERS, PREFLIGHT_MAX_AGE, registerCors } from '../../src/plugins/cors.ts'
import { loadConfig } from '../../src/config.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'

t.test('db opens the database with the requested durability and closes it with the server', async (t) => {
  for (const [synchronous, level] of [[undefined, 2], ['NORMAL', 1]] as const) {
    const app = Fastify()
    await app.register(dbPlugin, { databaseUrl: ':memory:', synchronous })
    await app.ready()
    t.equal(app.db.$client.pragma('synchronous', { simple: true }), level, `synchronous ${synchronous ?? 'default (FULL)'}`)
    t.equal(app.db.$client.open, true)
    await app.close()
    t.equal(app.db.$client.open, false, 'closed with the server')
  }
})

t.test('repositories: an API key authenticates while its owner is enabled, and not once disabled', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin, { databaseUrl: ':memory:' })
  await app.register(repositoriesPlugin)
  await app.ready()
  const user = await app.repos.users.create({ email: 'a@example.com', passwordHash: null, displayName: 'A', role: 'user' })
  if (user === null) throw new Error('no user')
  const created = await app.repos.apiKeys.create(user.id, 'game')
  t.match(await app.repos.apiKeys.authenticate(created.key), { userId: user.id })
  await app.repos.users.update(user.id, { disabled: true })
  t.equal(await app.repos.apiKeys.authenticate(created.key), 'disabled')
  t.same(Object.keys(app.repos).sort(), ['apiKeys', 'idempotency', 'personas', 'ping', 'sessions', 'settings', 'stats', 'users'])
})

t.test('chat: a configured base URL is where the provider is called', async (t) => {
  const fake = await startFakeLlm()
  t.teardown(() => fake.close())
  const config = loadConfig({ DATABASE_URL: ':memory:', JWT_SECRET: 'test-secret-test-secret-test-secret!', OPENAI_BASE_URL: `${fake.url}/openai/v1` })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin, { databaseUrl: ':memory:' })
  await app.register(repositoriesPlugin)
  await app.register(chatPlugin, { llm: config.llm, chat: config.chat })
  await app.ready()
  const result = await app.llm.generateText({ model: 'gpt-4o-mini', apiKey: 'sk-test-0123456789abcdef' }, { system: 'Be brief.', messages: [{ role: 'user', content: 'hello' }] })
  t.type(result.text, 'string')
  t.equal(fake.requests.length, 1, 'the fake provider got the call')
  t.type(app.chat.close, 'function')
})

t.test('CORS: none without origins; listed origins, or any with *, get the API\'s headers', async (t) => {
  const none = Fastify()
  t.teardown(() => none.close())
  await registerCors(none, [])
  none.get('/x', async () => ({}))
  t.equal((await none.inject({ url: '/x', headers: { origin: 'https://game.example' } })).headers['access-control-allow-origin'], undefined)

  const listed = Fastify()
  t.teardown(() => listed.close())
  await registerCors(listed, ['https://game.example'])
  listed.get('/x', async () => ({}))
  const ok = await listed.inject({ url: '/x', headers: { origin: 'https://game.example' } })
  t.equal(ok.headers['access-control-allow-origin'], 'https://game.example')
  t.equal(ok.headers['access-control-expose-headers'], EXPOSED_HEADERS.join(', '))
  t.equal((await listed.inject({ url: '/x', headers: { origin: 'https://evil.example' } })).headers['access-control-allow-origin'], undefined)
  const preflight = await listed.inject({ method: 'OPTIONS', url: '/x', headers: { origin: 'https://game.example', 'access-control-request-method': 'POST' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-headers'], ALLOWED_HEADERS.join(', '))
  t.equal(preflight.headers['access-control-max-age'], String(PREFLIGHT_MAX_AGE))

  const any = Fastify()
  t.teardown(() => any.close())
  await registerCors(any, ['https://game.example', '*'])
  any.get('/x', async () => ({}))
  t.equal((await any.inject({ url: '/x', headers: { origin: 'https://anywhere.example' } })).headers['access-control-allow-origin'], 'https://anywhere.example')
})

t.test('repositories need db, chat needs repositories; each is known by its name to the plugins that depend on it', async (t) => {
  const noDb = Fastify()
  t.teardown(() => noDb.close())
  await t.rejects(async () => { await noDb.register(repositoriesPlugin) }, /dependency 'db'/)
  const noRepos = Fastify()
  t.teardown(() => noRepos.close())
  await noRepos.register(dbPlugin, { databaseUrl: ':memory:' })
  const config = loadConfig({ DATABASE_URL: ':memory:', JWT_SECRET: 'test-secret-test-secret-test-secret!' })
  await t.rejects(async () => { await noRepos.register(chatPlugin, { llm: config.llm, chat: config.chat }) }, /dependency 'repositories'/)

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin, { databaseUrl: ':memory:' })
  await app.register(repositoriesPlugin)
  await app.register(chatPlugin, { llm: config.llm, chat: config.chat })
  await app.register(fp(async () => {}, { name: 'after-chat', dependencies: ['repositories', 'chat'] }))
  await app.ready()
  t.ok(app.hasPlugin('repositories') && app.hasPlugin('chat'))
})

t.test('repositories: ping answers while the database is open and fails once it is closed', async (t) => {
  const app = Fastify()
  await app.register(dbPlugin, { databaseUrl: ':memory:' })
  await app.register(repositoriesPlugin)
  await app.ready()
  await t.resolves(app.repos.ping())
  await app.close()
  await t.rejects(app.repos.ping(), /not open/)
})

t.test('chat: closing the server closes the chat service, giving background work 3 s', async (t) => {
  const config = loadConfig({ DATABASE_URL: ':memory:', JWT_SECRET: 'test-secret-test-secret-test-secret!' })
  const app = Fastify()
  await app.register(dbPlugin, { databaseUrl: ':memory:' })
  await app.register(repositoriesPlugin)
  await app.register(chatPlugin, { llm: config.llm, chat: config.chat })
  await app.ready()
  const calls: unknown[] = []
  const close = app.chat.close
  app.chat.close = async (ms) => { calls.push(ms); await close(ms) }
  await app.close()
  t.same(calls, [3000])
})

t.test('CORS: without origins no preflight is answered', async (t) => {
  const none = Fastify()
  t.teardown(() => none.close())
  await registerCors(none, [])
  none.get('/x', async () => ({}))
  const preflight = await none.inject({ method: 'OPTIONS', url: '/x', headers: { origin: 'https://game.example', 'access-control-request-method': 'GET' } })
  t.equal(preflight.statusCode, 404)
  t.equal((await none.inject({ url: '/x', headers: { origin: 'https://game.example' } })).headers.vary, undefined)
})

t.test('chat: an empty or missing base URL leaves the provider\'s default', async (t) => {
  const urls: string[] = []
  const request = https.request
  // Nothing leaves the machine: the request is recorded and refused before any connection.
  https.request = ((url: URL) => { urls.push(String(url)); throw new Error('offline test') }) as typeof https.request
  t.teardown(() => { https.request = request })
  // loadConfig already drops empty settings; the plugin also takes its options from other callers.
  const config = loadConfig({ DATABASE_URL: ':memory:', JWT_SECRET: 'test-secret-test-secret-test-secret!' })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin, { databaseUrl: ':memory:' })
  await app.register(repositoriesPlugin)
  await app.register(chatPlugin, { llm: { ...config.llm, baseUrls: { openai: '', anthropic: undefined } }, chat: config.chat })
  await app.ready()
  await t.rejects(app.llm.generateText({ model: 'gpt-4o-mini', apiKey: 'sk-test-0123456789abcdef' }, { system: 'Be brief.', messages: [{ role: 'user', content: 'hello' }] }))
  t.ok(urls.length > 0 && urls.every((u) => u === 'https://api.openai.com/v1/chat/completions'), urls.join(' '))
})
