// Tests of text and JSON generation, retries, timeouts and error mapping against the fake provider server.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { createLlmClient } from '../../src/llm/client.ts'
import type { LlmClient } from '../../src/llm/client.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'
import type { FakeLlm } from '../helpers/fake-llm.ts'

const KEY = 'sk-test-0123456789abcdef'
const OPENAI = { model: 'openai/gpt-4o-mini', apiKey: KEY }
const ANTHROPIC = { model: 'anthropic/claude-haiku-4-5', apiKey: 'sk-ant-test-0123456789' }
const PROVIDERS = [['openai', OPENAI], ['anthropic', ANTHROPIC]] as const
const PROMPT = { system: 'You are Mira, a blacksmith.', messages: [{ role: 'user' as const, content: 'Hello!' }] }
const Evaluation = Type.Object({ transition_id: Type.Union([Type.String(), Type.Null()]), follow_up: Type.Boolean(), reason: Type.String() })

let fake: FakeLlm
let llm: LlmClient
t.before(async () => {
  fake = await startFakeLlm()
  llm = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1`, anthropic: `${fake.url}/anthropic/v1` }, timeoutMs: 5000 })
})
t.beforeEach(() => { fake.reset() })
t.teardown(async () => { await fake.close() })

for (const [name, step] of PROVIDERS) {
  t.test(`${name}: generateText sends the prompt with the key and returns text, usage and model`, async (t) => {
    fake.enqueue({ text: 'Welcome to my forge.', usage: { prompt_tokens: 42, completion_tokens: 5 } })
    const result = await llm.generateText(step, { ...PROMPT, maxOutputTokens: 50, temperature: 0.2 })
    t.equal(result.text, 'Welcome to my forge.')
    t.same(result.usage, { inputTokens: 42, outputTokens: 5 })
    t.equal(result.model, step.model)
    t.ok(result.latencyMs >= 0)
    t.equal(fake.requests.length, 1)
    const req = fake.requests[0]
    t.equal(req.provider, name)
    t.equal(req.model, step.model.split('/')[1])
    t.equal(req.system, PROMPT.system)
    t.same(req.messages, [{ role: 'user', content: 'Hello!' }])
    t.equal(req.body.temperature, 0.2)
    t.equal(req.body.max_tokens, 50)
    if (name === 'openai') t.equal(req.headers.authorization, `Bearer ${KEY}`)
    else t.equal(req.headers['x-api-key'], ANTHROPIC.apiKey)
  })

  t.test(`${name}: generateJson asks for JSON and returns the schema-valid value`, async (t) => {
    fake.enqueue({ json: { transition_id: 't1', follow_up: false, reason: 'greeted' }, usage: { prompt_tokens: 9, completion_tokens: 8 } })
    const result = await llm.generateJson(step, { ...PROMPT, schema: Evaluation })
    t.same(result.value, { transition_id: 't1', follow_up: false, reason: 'greeted' })
    t.same(result.errors, [])
    t.same(result.usage, { inputTokens: 9, outputTokens: 8 })
    const req = fake.requests[0]
    t.match(req.system, /^You are Mira, a blacksmith\.\n\nAnswer with one JSON object only/)
    t.match(req.system, '"follow_up"', 'the schema is in the prompt')
    // OpenAI-style providers also get JSON mode; Anthropic has no schema-less JSON mode.
    t.equal(req.jsonMode, name === 'openai')
  })

  t.test(`${name}: generateJson tolerates code fences and reports invalid output without throwing`, async (t) => {
    fake.enqueue({ text: 'Sure!\n```json\n{"transition_id": null, "follow_up": true, "reason": "unclear"}\n```' })
    fake.enqueue({ json: { transition_id: 5, follow_up: 'yes' } })
    fake.enqueue({ text: 'I think we should pass.' })
    fake.enqueue({ text: '' })

    const fenced = await llm.generateJson(step, { ...PROMPT, schema: Evaluation })
    t.same(fenced.value, { transition_id: null, follow_up: true, reason: 'unclear' })

    const wrongShape = await llm.generateJson(step, { ...PROMPT, schema: Evaluation })
    t.equal(wrongShape.value, null)
    t.equal(wrongShape.text, '{"transition_id":5,"follow_up":"yes"}')
    t.ok(wrongShape.errors.some((e) => e.startsWith('/follow_up:')), wrongShape.errors.join('; '))
    t.ok(wrongShape.errors.some((e) => e.startsWith('/reason:')), wrongShape.errors.join('; '))

    const prose = await llm.generateJson(step, { ...PROMPT, schema: Evaluation })
    t.equal(prose.value, null)
    t.match(prose.errors[0], /^The output is not valid JSON/)

    const empty = await llm.generateJson(step, { ...PROMPT, schema: Evaluation })
    t.same([empty.value, empty.errors], [null, ['The output is empty']])
  })

  t.test(`${name}: a rejected key is a 401 about the LLM key that never contains the key`, async (t) => {
    fake.setDefault({ status: 401, errorMessage: `Incorrect API key provided: ${step.apiKey}` })
    const err = await llm.generateText(step, PROMPT).catch((e) => e)
    t.same([err.name, err.statusCode, err.message], ['LlmError', 401, 'The LLM provider rejected the LLM API key (X-LLM-API-Key)'])
    t.notMatch(err.message, step.apiKey)
    t.notMatch(String(err.stack), step.apiKey)
    t.equal(fake.requests.length, 1, '4xx is not retried')
  })

  t.test(`${name}: a provider rate limit is a 429 with retryAfter and is not retried`, async (t) => {
    fake.setDefault({ status: 429, retryAfter: 21 })
    await t.rejects(llm.generateText(step, PROMPT), { name: 'LlmError', statusCode: 429, retryAfter: 21 })
    t.equal(fake.requests.length, 1)
  })

  t.test(`${name}: an unknown model is a 400 carrying the scrubbed provider message`, async (t) => {
    fake.setDefault({ status: 400, errorMessage: `model "nope" not found for key ${step.apiKey}` })
    const err = await llm.generateText(step, PROMPT).catch((e) => e)
    t.same([err.statusCode, err.message], [400, 'The LLM provider rejected the request: model "nope" not found for key [redacted]'])
    t.equal(fake.requests.length, 1)
  })

  t.test(`${name}: a 5xx is retried once and the second answer wins`, async (t) => {
    fake.enqueue({ status: 500 })
    fake.enqueue({ text: 'second time lucky' })
    const result = await llm.generateText(step, PROMPT)
    t.equal(result.text, 'second time lucky')
    t.equal(fake.requests.length, 2)
  })

  t.test(`${name}: two 5xx in a row fail with 500 after exactly two attempts`, async (t) => {
    fake.setDefault({ status: 503, errorMessage: 'overloaded' })
    await t.rejects(llm.generateText(step, PROMPT), { name: 'LlmError', statusCode: 500, message: 'LLM provider error: the provider answered 503' })
    t.equal(fake.requests.length, 2)
  })

  t.test(`${name}: a connection cut is a network error, retried once`, async (t) => {
    fake.enqueue({ cutAfterChunks: 0 })
    fake.enqueue({ text: 'recovered' })
    t.equal((await llm.generateText(step, PROMPT)).text, 'recovered')
    t.equal(fake.requests.length, 2)

    fake.reset()
    fake.setDefault({ cutAfterChunks: 0 })
    await t.rejects(llm.generateText(step, PROMPT), { statusCode: 500, message: /^LLM provider error: could not reach the provider/ })
    t.equal(fake.requests.length, 2)
  })

  t.test(`${name}: a malformed response body is a 500 (generateJson too)`, async (t) => {
    fake.setDefault({ malformed: true })
    await t.rejects(llm.generateText(step, PROMPT), { statusCode: 500, message: 'LLM provider error: the provider sent an invalid response' })
    await t.rejects(llm.generateJson(step, { ...PROMPT, schema: Evaluation }), { name: 'LlmError', statusCode: 500 })
  })

  t.test(`${name}: generateJson throws provider failures`, async (t) => {
    fake.setDefault({ status: 401 })
    await t.rejects(llm.generateJson(step, { ...PROMPT, schema: Evaluation }), { name: 'LlmError', statusCode: 401 })
  })
}

t.test('a provider slower than timeoutMs is a 500 "timed out", not retried, and the request is abandoned', async (t) => {
  const quick = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1` }, timeoutMs: 200 })
  fake.setDefault({ delayMs: 5000 })
  await t.rejects(quick.generateText(OPENAI, PROMPT), { name: 'LlmError', statusCode: 500, message: 'LLM provider error: timed out' })
  t.equal(fake.requests.length, 1)
  await fake.waitForAborted(1)
})

t.test('a caller abort stops the provider call', async (t) => {
  fake.setDefault({ delayMs: 5000 })
  const controller = new AbortController()
  const pending = llm.generateText(OPENAI, { ...PROMPT, signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  await t.rejects(pending, { statusCode: 500, code: 'RAPPORT_LLM_ABORTED' })
  await fake.waitForAborted(1)
  t.equal(fake.requests.length, 1)
})

t.test('an unknown provider is a 400 before any request', async (t) => {
  await t.rejects(llm.generateText({ model: 'foo/bar', apiKey: KEY }, PROMPT), { statusCode: 400, message: /^Unknown model provider "foo"/ })
  t.equal(fake.requests.length, 0)
})

t.test('base URLs come from settings only and default to the public endpoints', async (t) => {
  // Nothing listens on this port: the call must go there (and fail as a network error), not anywhere else.
  const closed = createLlmClient({ baseUrls: { openai: 'http://127.0.0.1:9/v1' }, timeoutMs: 2000 })
  await t.rejects(closed.generateText(OPENAI, PROMPT), { statusCode: 500, message: /could not reach the provider/ })
  t.equal(fake.requests.length, 0)
})

t.test('a handler can answer the evaluator and the reply step differently', async (t) => {
  fake.setDefault((req) => req.system.includes('JSON Schema')
    ? { json: { transition_id: null, follow_up: false, reason: 'small talk' } }
    : { text: `You said: ${req.messages.at(-1)?.content}` })
  const evaluation = await llm.generateJson(ANTHROPIC, { ...PROMPT, schema: Evaluation })
  const reply = await llm.generateText(ANTHROPIC, PROMPT)
  t.same(evaluation.value, { transition_id: null, follow_up: false, reason: 'small talk' })
  t.equal(reply.text, 'You said: Hello!')
})

t.test('validateKey answers valid, invalid key, rejected model, and throws on outages', async (t) => {
  t.same(await llm.validateKey(OPENAI), { valid: true, model: OPENAI.model, error: null })
  t.equal(fake.requests[0].body.max_tokens, 16, 'a tiny generation')

  fake.enqueue({ status: 401, errorMessage: `bad key ${KEY}` })
  t.same(await llm.validateKey(OPENAI), { valid: false, model: OPENAI.model, error: 'The LLM provider rejected the LLM API key (X-LLM-API-Key)' })

  fake.enqueue({ status: 404, errorMessage: 'The model `gpt-4o-mini` does not exist' })
  t.same(await llm.validateKey(OPENAI), { valid: false, model: OPENAI.model, error: 'The LLM provider rejected the request: The model `gpt-4o-mini` does not exist' })

  fake.enqueue({ status: 401 })
  t.same((await llm.validateKey(ANTHROPIC)).valid, false)

  fake.setDefault({ status: 500 })
  await t.rejects(llm.validateKey(OPENAI), { name: 'LlmError', statusCode: 500 })
  fake.setDefault({ status: 429, retryAfter: 3 })
  await t.rejects(llm.validateKey(OPENAI), { name: 'LlmError', statusCode: 429, retryAfter: 3 })
})
