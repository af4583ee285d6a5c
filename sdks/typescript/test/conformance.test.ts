// Replays the shared conformance scenario (sdks/conformance/scenario.json) through the TypeScript SDK against the launcher.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Rapport, RapportError, RateLimitError } from '@rapport/sdk'
import { launch, type Launched } from './launcher.ts'
import { loadScenario, runStep, type Adapter, type StepClient } from './scenario.ts'

const run = promisify(execFile)

const client = (c: StepClient) => new Rapport({
  baseUrl: c.base_url,
  apiKey: c.api_key,
  llmApiKey: c.llm_api_key,
  llmModel: c.llm_model,
  ...(c.max_retries === undefined ? {} : { maxRetries: c.max_retries })
})

const session = (a: Record<string, any>) => ({ userSessionId: a.user_session_id, machineId: a.machine_id })

/** The scenario's snake_case operations mapped to the SDK's camelCase methods. */
const adapter: Adapter = {
  async call (op, c, a) {
    const rapport = client(c)
    switch (op) {
      case 'personas.list': return rapport.personas.list()
      case 'machines.list': return rapport.machines.list(a.persona_id, { userSessionId: a.user_session_id })
      case 'chat.init_session': return rapport.chat.initSession(a.persona_id, { ...session(a), playerName: a.player_name, playerGender: a.player_gender })
      case 'chat.send_message': return rapport.chat.sendMessage(a.persona_id, { ...session(a), message: a.message })
      case 'chat.stream_message_final': return rapport.chat.streamMessage(a.persona_id, { ...session(a), message: a.message }).finalResponse()
      case 'chat.get_session': return rapport.chat.getSession(a.persona_id, session(a))
      case 'chat.get_history': return rapport.chat.getHistory(a.persona_id, { ...session(a), includeTrace: a.include_trace })
      case 'chat.reset': return rapport.chat.reset(a.persona_id, session(a))
      case 'validate_llm_key': return rapport.validateLlmKey({ model: a.model })
      default: throw new Error(`unknown op ${op}`)
    }
  },
  async stream (c, a) {
    const events = []
    for await (const event of client(c).chat.streamMessage(a.persona_id, { ...session(a), message: a.message })) events.push(event)
    return events
  },
  describeError (err) {
    if (!(err instanceof RapportError)) return null
    return { type: err.name, status_code: err.statusCode, message: err.message, retry_after: err instanceof RateLimitError ? err.retryAfter : null }
  }
}

let launched: Launched
before(async () => { launched = await launch() })
after(async () => { await launched.stop() })

test('the TypeScript SDK passes the conformance scenario, step by step', async (t) => {
  const scenario = loadScenario()
  const vars: Record<string, unknown> = { ...launched.info }
  for (const step of scenario.steps) {
    await t.test(step.id, async () => {
      const problems = await runStep(step, scenario, vars, adapter)
      assert.deepEqual(problems, [], `${step.id} (${step.op})`)
    })
  }
})

test('the README\'s first example runs as written against the live server', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const example = /```ts\n([\s\S]*?)```/.exec(readme)![1]
  assert.ok(example.split('\n').filter((l) => l.trim() !== '').length <= 15, 'at most 15 lines')
  const dir = new URL('../test-output/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  const file = new URL('readme-example.ts', dir)
  writeFileSync(file, example)
  const { stdout } = await run('npx', ['tsx', fileURLToPath(file)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, RAPPORT_URL: launched.info.base_url, RAPPORT_API_KEY: launched.info.api_key, LLM_API_KEY: launched.info.llm_api_key }
  })
  assert.equal(stdout, [
    'Evening. Name, and what brings you to my door?',
    'Vex looks you over. Keep talking, friend. approach 0',
    'Vex looks you over. Keep talking, friend.',
    'approach 0',
    ''
  ].join('\n'))
})
