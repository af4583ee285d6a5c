// Test helpers: a fresh app on its own database per test (in-memory SQLite, or a new PostgreSQL database under npm run test:pg), plus request shortcuts.
import type { Test } from 'tap'
import { buildApp, type BuildOptions, type RapportApp } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { freshDatabase, onPostgres } from './postgres.ts'

/** The turn pipelines a test run can be pinned to with RAPPORT_TEST_PIPELINE (default: the server's default). */
export const PIPELINES: Record<string, Record<string, string>> = {
  sequential: { CHAT_PIPELINE: 'sequential', SPECULATIVE_REPLY: 'false' },
  streamed: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'false' },
  speculative: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'true' }
}

/** A config for tests: in-memory database, silent logs, no load shedding, the pinned pipeline, overridable environment. */
export function testConfig (env: Record<string, string> = {}): Config {
  const pipeline = PIPELINES[process.env.RAPPORT_TEST_PIPELINE ?? ''] ?? {}
  // Load shedding on event-loop delay is off: a busy test machine must not turn requests into 503s.
  return loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-test-secret!', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', ...pipeline, ...env })
}

/** A database of its own for one test: in-memory SQLite, or (npm run test:pg) a new PostgreSQL database dropped when `t` ends. */
export async function testDatabaseUrl (t: Test): Promise<string> {
  return onPostgres ? await freshDatabase(t) : ':memory:'
}

/** testConfig on a database of the test's own (see testDatabaseUrl); env.DATABASE_URL, when given, wins. */
export async function testAppConfig (t: Test, env: Record<string, string> = {}): Promise<Config> {
  return testConfig({ DATABASE_URL: env.DATABASE_URL ?? await testDatabaseUrl(t), ...env })
}

/** Builds a fresh app and closes it when the test ends. */
export async function build (t: Test, env: Record<string, string> = {}, config?: Partial<Config>, options?: BuildOptions): Promise<RapportApp> {
  const app = await buildApp({ ...await testAppConfig(t, env), ...config }, options)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

export interface Account { token: string, id: string, email: string }

let counter = 0
/** Registers a user and returns its token and id. */
export async function register (app: RapportApp, email = `user${++counter}@example.com`, password = 'correct horse'): Promise<Account> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password, display_name: 'Tester' } })
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`)
  const body = res.json()
  return { token: body.token, id: body.user.id, email }
}

/** Creates an API key for an account and returns the full key. */
export async function createKey (app: RapportApp, account: Account, name = 'game'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/sdk/api-keys', headers: bearer(account), payload: { name } })
  if (res.statusCode !== 201) throw new Error(`key failed: ${res.statusCode} ${res.body}`)
  return res.json().key
}

export const bearer = (a: { token: string }) => ({ authorization: `Bearer ${a.token}` })
