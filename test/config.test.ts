// Configuration: defaults, validation messages naming the setting, production safety, dev secret persistence.
import t from 'tap'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'

t.test('defaults work on a laptop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cfg-'))
  const c = loadConfig({ DATA_DIR: dir })
  t.equal(c.port, 3000)
  t.equal(c.host, '127.0.0.1')
  t.equal(c.databaseUrl, './data/rapport.db')
  t.same(c.rateLimits, { generation: 10, chat: 60, general: 120, sdkChat: 30, sdkGeneral: 60 })
  t.equal(c.rateLimitWindowMs, 60_000)
  t.equal(c.llm.defaultModel, 'gpt-4o-mini')
  t.same(c.chat, { pipeline: 'streamed', speculativeReply: true, speculativeTransitions: 0 }, 'turns decided from the streamed evaluation, the reply speculated')
  t.equal(c.jwtExpiresIn, '7d')
  t.ok(c.jwtSecret.length >= 32, 'a development secret is generated')
})

t.test('the development JWT secret is generated once and kept under DATA_DIR', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cfg-'))
  const first = loadConfig({ DATA_DIR: dir, DATABASE_URL: join(dir, 'x.db') })
  const second = loadConfig({ DATA_DIR: dir, DATABASE_URL: join(dir, 'x.db') })
  t.equal(first.jwtSecret, second.jwtSecret)
  t.equal(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim(), first.jwtSecret)
})

t.test('a bad setting is refused with a message naming it', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { message: /PORT/ })
  t.throws(() => loadConfig({ PORT: '70000' }), { message: /PORT/ })
  t.throws(() => loadConfig({ RATE_LIMIT_CHAT: '0', DATABASE_URL: ':memory:' }), { message: /RATE_LIMIT_CHAT/ })
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud', DATABASE_URL: ':memory:' }), { message: /LOG_LEVEL/ })
  t.throws(() => loadConfig({ SDK_ALLOW_SERVER_LLM_KEY: 'maybe', DATABASE_URL: ':memory:' }), { name: 'ConfigError', message: /SDK_ALLOW_SERVER_LLM_KEY/ })
})

t.test('production refuses a missing or short JWT secret', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), { message: /JWT_SECRET/ })
  t.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' }), { message: /at least 32/ })
  const ok = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })
  t.equal(ok.jwtSecret, 'x'.repeat(32))
})

t.test('lists and numbers are parsed', async (t) => {
  const c = loadConfig({ DATABASE_URL: ':memory:', ADMIN_EMAILS: ' Boss@Example.com, ops@example.com ', CORS_ORIGINS: 'https://a.example,https://b.example', RATE_LIMIT_SDK_CHAT: '5', RATE_LIMIT_WINDOW_MS: '2500', JWT_EXPIRES_IN: '3600', SDK_ALLOW_SERVER_LLM_KEY: 'true' })
  t.same([...c.adminEmails], ['boss@example.com', 'ops@example.com'])
  t.same(c.corsOrigins, ['https://a.example', 'https://b.example'])
  t.equal(c.rateLimits.sdkChat, 5)
  t.equal(c.rateLimitWindowMs, 2500)
  t.equal(c.jwtExpiresIn, '3600s')
  t.equal(c.llm.allowServerKeyForSdk, true)
})

t.test('Redis is optional; its URL and the lease are checked', async (t) => {
  const plain = loadConfig({ DATABASE_URL: ':memory:' })
  t.same(plain.redis, { url: undefined, leaseMs: 10_000 })
  const c = loadConfig({ DATABASE_URL: ':memory:', REDIS_URL: 'redis://127.0.0.1:6390/2', SESSION_LEASE_MS: '2500' })
  t.same(c.redis, { url: 'redis://127.0.0.1:6390/2', leaseMs: 2500 })
  t.throws(() => loadConfig({ DATABASE_URL: ':memory:', REDIS_URL: 'localhost:6379' }), { name: 'ConfigError', message: /REDIS_URL/ })
  t.throws(() => loadConfig({ DATABASE_URL: ':memory:', SESSION_LEASE_MS: '10' }), { name: 'ConfigError', message: /SESSION_LEASE_MS/ })
})
