// Tests of provider routing in the LLM client: each provider's own SDK at its configured base URL, the mock provider, JSON mode per provider, Gemini's finish reasons.
import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { Type } from '@sinclair/typebox'
import { createLlmClient } from '../../src/llm/client.ts'
import type { LlmSettings } from '../../src/llm/client.ts'
import type { ProviderId } from '../../src/llm/models.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'
import type { FakeLlm } from '../helpers/fake-llm.ts'

const KEY = 'sk-test-0123456789abcdef'
const PROMPT = { system: 'You are Mira.', messages: [{ role: 'user' as const, content: 'Hi' }] }

let fake: FakeLlm
t.before(async () => { fake = await startFakeLlm() })
t.beforeEach(() => { fake.reset() })
t.teardown(async () => { await fake.close() })

// Every OpenAI-style provider speaks to the fake's chat-completions route; the user agent names the SDK that made the call.
const OPENAI_STYLE: [ProviderId, string][] = [
  ['openai', 'ai-sdk/openai/'],
  ['groq', 'ai-sdk/groq/'],
  ['mistral', 'ai-sdk/mistral/'],
  ['deepseek', 'ai-sdk/deepseek/'],
  ['together_ai', 'ai-sdk/togetherai/'],
  ['xai', 'ai-sdk/xai/'],
  ['openrouter', 'ai-sdk/openai-compatible/'],
  ['ollama', 'ai-sdk/openai-compatible/']
]

for (const [provider, agent] of OPENAI_STYLE) {
  t.test(`${provider}/… models are called through their own SDK at the configured base URL (trailing slashes dropped)`, async (t) => {
    const llm = createLlmClient({ baseUrls: { [provider]: `${fake.url}/openai/v1///` }, timeoutMs: 5000 })
    fake.enqueue({ text: `hello from ${provider}`, usage: { prompt_tokens: 3, completion_tokens: 4 } })
    const result = await llm.generateText({ model: `${provider}/m1`, apiKey: KEY }, PROMPT)
    t.same([result.text, result.usage, result.model], [`hello from ${provider}`, { inputTokens: 3, outputTokens: 4 }, `${provider}/m1`])
    t.equal(fake.requests.length, 1)
    const req = fake.requests[0]
    t.same([req.path, req.model, req.headers.authorization], ['/openai/v1/chat/completions', 'm1', `Bearer ${KEY}`])
    t.ok(String(req.headers['user-agent']).startsWith(agent), String(req.headers['user-agent']))
  })
}

t.test('openrouter and ollama streams ask the provider for usage', async (t) => {
  for (const provider of ['openrouter', 'ollama'] as const) {
    fake.reset()
    const llm = createLlmClient({ baseUrls: { [provider]: `${fake.url}/openai/v1` }, timeoutMs: 5000 })
    fake.enqueue({ text: 'streamed', usage: { prompt_tokens: 7, completion_tokens: 2 } })
    const final = await llm.streamText({ model: `${provider}/m1`, apiKey: KEY }, PROMPT).final
    t.same(final.usage, { inputTokens: 7, outputTokens: 2 })
    t.same(fake.requests[0].body.stream_options, { include_usage: true })
  }
})

/** A local server answering in the Gemini API's format, with the given finish reason; it records each request's path and key. */
async function geminiServer (t: Test, finishReason: string) {
  const seen: { url?: string, key?: string | string[] }[] = []
  const server = createServer((req, res) => {
    seen.push({ url: req.url, key: req.headers['x-goog-api-key'] })
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({
        candidates: [{ content: { role: 'model', parts: [{ text: 'hello from gemini' }] }, finishReason, index: 0 }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 }
      }))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { llm: createLlmClient({ baseUrls: { gemini: `${url}/v1beta/` }, timeoutMs: 5000 }), seen }
}
const GEMINI = { model: 'gemini/gemini-2.5-flash', apiKey: 'AIza-test-key' }

t.test('gemini/… models go to the Gemini API under the configured base URL', async (t) => {
  const { llm, seen } = await geminiServer(t, 'STOP')
  const result = await llm.generateText(GEMINI, PROMPT)
  t.same([result.text, result.usage], ['hello from gemini', { inputTokens: 5, outputTokens: 3 }])
  t.same(seen, [{ url: '/v1beta/models/gemini-2.5-flash:generateContent', key: 'AIza-test-key' }])
})

t.test('a finish reason of "error" is a provider failure, not retried', async (t) => {
  const { llm, seen } = await geminiServer(t, 'MALFORMED_FUNCTION_CALL')
  await t.rejects(llm.generateText(GEMINI, PROMPT), { name: 'LlmError', statusCode: 500, code: 'RAPPORT_LLM_PROVIDER_ERROR', message: 'LLM provider error: the provider reported an error in its answer' })
  t.equal(seen.length, 1)
})

t.test('an empty finish reason is no finish marker: retried once, then cut short', async (t) => {
  const { llm, seen } = await geminiServer(t, '')
  await t.rejects(llm.generateText(GEMINI, PROMPT), { name: 'LlmError', statusCode: 500, message: 'LLM provider error: the answer was cut short (no finish marker)' })
  t.equal(seen.length, 2)
})

t.test('an unknown finish reason is named, scrubbed of the key and cut at 60 characters', async (t) => {
  const { llm } = await geminiServer(t, `ODD_${GEMINI.apiKey}_${'X'.repeat(80)}`)
  const err = await llm.generateText(GEMINI, PROMPT).catch((e: unknown) => e) as Error
  t.equal(err.message, `LLM provider error: the answer ended with an unexpected finish reason (${`ODD_[redacted]_${'X'.repeat(80)}`.slice(0, 60)}…)`)
})

const Answer = Type.Object({ ok: Type.Boolean() })

t.test('mock/… models are answered in-process when the mock is on, and refused otherwise', async (t) => {
  // No base URL is configured for the mock: it needs none.
  const settings: LlmSettings = { baseUrls: {}, timeoutMs: 5000, mock: true }
  const llm = createLlmClient(settings)
  const result = await llm.generateText({ model: 'mock/npc', apiKey: '' }, { system: 'What you do now: Nod slowly.', messages: [{ role: 'user', content: 'hi' }] })
  t.same([result.text, result.model], ['Nod slowly.', 'mock/npc'])
  t.ok(result.usage.inputTokens > 0 && result.usage.outputTokens === 3, JSON.stringify(result.usage))
  const streamed = llm.streamText({ model: 'mock/npc', apiKey: '' }, { system: 'What you do now: Nod.', messages: [] })
  const deltas: string[] = []
  for await (const d of streamed.textStream) deltas.push(d)
  t.same(deltas, ['Nod.'])
  t.equal(fake.requests.length, 0)
  await t.rejects(createLlmClient({ baseUrls: {}, timeoutMs: 5000 }).generateText({ model: 'mock/npc', apiKey: '' }, PROMPT), { statusCode: 400, code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' })
})

t.test('streamJson asks OpenAI-style providers for JSON mode, never Anthropic; streamText never does', async (t) => {
  const llm = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1`, anthropic: `${fake.url}/anthropic/v1` }, timeoutMs: 5000 })
  fake.setDefault({ json: { ok: true } })
  const openai = { model: 'openai/m1', apiKey: KEY }
  const anthropic = { model: 'anthropic/claude-x', apiKey: 'sk-ant-test-0123456789' }
  t.equal((await llm.streamJson(openai, { ...PROMPT, schema: Answer }).final).text, '{"ok":true}')
  await llm.streamJson(anthropic, { ...PROMPT, schema: Answer }).final
  await llm.streamText(openai, PROMPT).final
  t.same(fake.requests.map((r) => [r.provider, r.stream, r.jsonMode]), [['openai', true, true], ['anthropic', true, false], ['openai', true, false]])
  t.match(fake.requests[0].system, /^You are Mira\.\n\nAnswer with one JSON object only: no prose, no Markdown code fences\. It must be valid JSON matching this JSON Schema:\n\{/)
  t.equal(fake.requests[2].system, 'You are Mira.', 'streamText adds no JSON instruction')
})
