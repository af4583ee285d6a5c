// Tests of the LLM client's timers and abort signals: timeout and abort codes, a caller abort mid-stream, nothing left behind after a call.
import t from 'tap'
import { getEventListeners } from 'node:events'
import { createLlmClient } from '../../src/llm/client.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'

const fake = await startFakeLlm()
t.teardown(() => fake.close())
t.beforeEach(() => { fake.reset() })
const baseUrls = { openai: `${fake.url}/openai/v1` }
const step = { model: 'openai/m1', apiKey: 'sk-test-0123456789abcdef' }
const prompt = { system: 'S', messages: [{ role: 'user' as const, content: 'U' }] }

t.test('a timeout carries the code RAPPORT_LLM_TIMEOUT, on whole and streamed answers', async (t) => {
  const quick = createLlmClient({ baseUrls, timeoutMs: 150 })
  fake.setDefault({ delayMs: 3000 })
  await t.rejects(quick.generateText(step, prompt), { statusCode: 500, code: 'RAPPORT_LLM_TIMEOUT', message: 'LLM provider error: timed out' })
  await t.rejects(quick.streamText(step, prompt).final, { statusCode: 500, code: 'RAPPORT_LLM_TIMEOUT', message: 'LLM provider error: timed out' })
})

t.test('a caller abort mid-stream ends it with RAPPORT_LLM_ABORTED and closes the provider call, without a retry', async (t) => {
  const llm = createLlmClient({ baseUrls, timeoutMs: 5000 })
  fake.setDefault({ chunks: ['a ', 'b ', 'c'], chunkDelayMs: 3_600_000 })
  const controller = new AbortController()
  const stream = llm.streamText(step, { ...prompt, signal: controller.signal })
  const iterator = stream.textStream[Symbol.asyncIterator]()
  t.same(await iterator.next(), { value: 'a ', done: false })
  controller.abort()
  await t.rejects(iterator.next(), { statusCode: 500, code: 'RAPPORT_LLM_ABORTED', message: 'LLM provider error: the request was aborted' })
  await t.rejects(stream.final, { code: 'RAPPORT_LLM_ABORTED' })
  await fake.waitForAborted(1)
  t.equal(fake.requests.length, 1)
})

t.test('a caller abort before the first token is not retried either', async (t) => {
  const llm = createLlmClient({ baseUrls, timeoutMs: 5000 })
  fake.setDefault({ delayMs: 3_600_000 })
  const controller = new AbortController()
  const stream = llm.streamText(step, { ...prompt, signal: controller.signal })
  setTimeout(() => controller.abort(), 100)
  await t.rejects(stream.final, { code: 'RAPPORT_LLM_ABORTED' })
  await fake.waitForAborted(1)
  t.equal(fake.requests.length, 1)
})

t.test('a finished call leaves no listener on the caller\'s signal and no timer running', async (t) => {
  const llm = createLlmClient({ baseUrls, timeoutMs: 3_600_000 })
  const controller = new AbortController()
  // The client's attempt timers are the only ones set for an hour; each must be cleared once its attempt ends.
  const armed: unknown[] = []
  const cleared = new Set<unknown>()
  const { setTimeout: realSet, clearTimeout: realClear } = globalThis
  globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
    const timer = realSet(fn, ms, ...args)
    if (ms === 3_600_000) armed.push(timer)
    return timer
  }) as typeof setTimeout
  globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
    cleared.add(timer)
    realClear(timer)
  }) as typeof clearTimeout
  t.teardown(() => { globalThis.setTimeout = realSet; globalThis.clearTimeout = realClear })
  await llm.generateText(step, { ...prompt, signal: controller.signal })
  await llm.generateJson(step, { ...prompt, signal: controller.signal, schema: {} as never })
  fake.enqueue({ status: 400 })
  await t.rejects(llm.generateText(step, { ...prompt, signal: controller.signal }), { name: 'LlmError', statusCode: 400 })
  t.same(getEventListeners(controller.signal, 'abort'), [])
  t.equal(armed.length, 3, 'one timer per attempt')
  t.ok(armed.every((timer) => cleared.has(timer)), 'every attempt\'s timer is cleared')
})

t.test('validateKey makes one tiny request: "Reply with the single word OK." to "ping"', async (t) => {
  const llm = createLlmClient({ baseUrls, timeoutMs: 5000 })
  await llm.validateKey(step)
  const req = fake.requests[0]
  t.same([req.system, req.messages, req.body.max_tokens], ['Reply with the single word OK.', [{ role: 'user', content: 'ping' }], 16])
})

t.test('each text delta re-arms the timeout: a long stream with short gaps completes', async (t) => {
  const llm = createLlmClient({ baseUrls, timeoutMs: 400 })
  // Six chunks 150 ms apart: about 900 ms in all, more than twice the timeout.
  fake.setDefault({ chunks: ['a ', 'b ', 'c ', 'd ', 'e ', 'f'], chunkDelayMs: 150 })
  const final = await llm.streamText(step, prompt).final
  t.equal(final.text, 'a b c d e f')
  t.notOk('cutAtLimit' in final, 'only an answer cut at the limit is marked')
  t.equal(fake.requests.length, 1)
})

t.test('an already aborted signal makes no whole-answer request either', async (t) => {
  const llm = createLlmClient({ baseUrls, timeoutMs: 5000 })
  await t.rejects(llm.generateText(step, { ...prompt, signal: AbortSignal.abort() }), { name: 'LlmError', code: 'RAPPORT_LLM_ABORTED' })
  t.equal(fake.requests.length, 0)
})
