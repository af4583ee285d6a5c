// Log format: pretty in a development terminal, JSON elsewhere, LOG_FORMAT decides when set; the startup log names the database without secrets.
import t, { type Test } from 'tap'
import { Writable } from 'node:stream'
import { resolve } from 'node:path'
import { buildApp } from '../src/app.ts'
import { describeDatabase, prettyLogs } from '../src/logging.ts'
import { testAppConfig, testConfig } from './helpers/build.ts'

t.test('the rule: LOG_FORMAT wins; auto is pretty only in a terminal outside production', async (t) => {
  t.equal(prettyLogs('auto', 'development', true), true)
  t.equal(prettyLogs('auto', 'development', false), false, 'a pipe or a file gets JSON')
  t.equal(prettyLogs('auto', 'production', true), false, 'production logs JSON even in a terminal')
  t.equal(prettyLogs('pretty', 'production', false), true)
  t.equal(prettyLogs('json', 'development', true), false)
  t.throws(() => testConfig({ LOG_FORMAT: 'fancy' }), /Invalid setting LOG_FORMAT="fancy"/)
})

async function logsOf (t: Test, env: Record<string, string>) {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const app = await buildApp(await testAppConfig(t, { LOG_LEVEL: 'info', ...env }), { logStream: stream })
  t.teardown(() => app.close())
  await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-llm-model': 'mock/npc', 'x-llm-api-key': 'sk-hidden-key' } })
  return lines.join('')
}

t.test('LOG_FORMAT=pretty writes human-readable lines, json one JSON object per line; keys stay redacted in both', async (t) => {
  const pretty = await logsOf(t, { LOG_FORMAT: 'pretty' })
  t.match(pretty, /INFO.*incoming request/)
  t.match(pretty, /"x-llm-model": "mock\/npc"/)
  t.notMatch(pretty, /^\{/m, 'no JSON lines')
  t.notMatch(pretty, /sk-hidden-key/)
  const json = await logsOf(t, { LOG_FORMAT: 'json' })
  const parsed = json.trim().split('\n').map((l) => JSON.parse(l))
  t.ok(parsed.some((l) => l.msg === 'incoming request' && l.req.headers['x-llm-model'] === 'mock/npc'))
  t.notMatch(json, /sk-hidden-key/)
})

t.test('the database as the startup log names it', async (t) => {
  t.equal(describeDatabase('./data/rapport.db'), resolve('data/rapport.db'))
  t.equal(describeDatabase('file:/srv/rapport.db'), '/srv/rapport.db')
  t.match(describeDatabase(':memory:'), /^:memory:/)
  t.equal(describeDatabase('postgres://app:s3cret@127.0.0.1:5432/rapport'), 'postgres://app:***@127.0.0.1:5432/rapport', 'no password')
})
