// Tests of streamed generation: deltas as produced, failures before and during the stream, and upstream aborts.
import t from 'tap'
import { createLlmClient } from '../../src/llm/client.ts'
import type { LlmClient, TextStream } from '../../src/llm/client.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'
import type { FakeLlm } from '../helpers/fake-llm.ts'

const KEY = 'sk-test-0123456789abcdef'
const OPENAI = { model: 'gpt-4o-mini', apiKey: KEY }
const ANTHROPIC = { model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-0123456789' }
const PROVIDERS = [['openai', OPENAI], ['anthropic', ANTHROPIC]] as const
const PROMPT = { system: 'You are Mira.', messages: [{ role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hello.' }, { role: 'user' as const, content: 'Tell me more' }] }

let fake: FakeLlm
let llm: LlmClient
t.before(async () => {
  fake = await startFakeLlm()
  llm = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1`, anthropic: `${fake.url}/anthropic/v1` }, timeoutMs: 5000 })
})
t.beforeEach(() => { fake.reset() })
t.teardown(async () => { await fake.close() })

/** Read the whole stream, returning the deltas and the error it ended with (if any). */
async function drain (stream: TextStream) {
  const deltas: string[] = []
  let error: any = null
  try {
    for await (const delta of stream.textStream) deltas.push(delta)
  } catch (err) {
    error = err
  }
  return { deltas, error }
}

for (const [name, step] of PROVIDERS) {
  t.test(`${name}: streamText yields the provider's deltas in order and final sums them up`, async (t) => {
    fake.enqueue({ chunks: ['The ', 'forge ', 'is ', 'hot.'], usage: { prompt_tokens: 30, completion_tokens: 4 } })
    const stream = llm.streamText(step, PROMPT)
    const { deltas, error } = await drain(stream)
    t.equal(error, null)
    t.same(deltas, ['The ', 'forge ', 'is ', 'hot.'])
    const final = await stream.final
    t.equal(final.text, 'The forge is hot.')
    t.same(final.usage, { inputTokens: 30, outputTokens: 4 })
    t.equal(final.model, step.model)
    const req = fake.requests[0]
    t.equal(req.stream, true)
    t.equal(req.system, 'You are Mira.')
    t.same(req.messages.map((m) => m.role), ['user', 'assistant', 'user'])
  })

  t.test(`${name}: the first delta arrives while the provider is still producing`, async (t) => {
    // The rest of the reply is an hour away: only a stream that is not buffered can hand out 'One '.
    fake.enqueue({ chunks: ['One ', 'two'], chunkDelayMs: 3_600_000 })
    const controller = new AbortController()
    const stream = llm.streamText(step, { ...PROMPT, signal: controller.signal })
    const iterator = stream.textStream[Symbol.asyncIterator]()
    t.same(await iterator.next(), { value: 'One ', done: false })
    controller.abort()
    await t.rejects(iterator.next(), { name: 'LlmError', statusCode: 500, code: 'RAPPORT_LLM_ABORTED' })
    await t.rejects(stream.final, { code: 'RAPPORT_LLM_ABORTED' })
    await fake.waitForAborted(1)
    t.equal(fake.aborted, 1, 'the upstream request was aborted')
  })

  t.test(`${name}: a failure before the first token surfaces from the iteration and final`, async (t) => {
    fake.setDefault({ status: 401, errorMessage: `invalid key ${step.apiKey}` })
    const stream = llm.streamText(step, PROMPT)
    const { deltas, error } = await drain(stream)
    t.same(deltas, [])
    t.same([error?.name, error?.statusCode, error?.message], ['LlmError', 401, 'The LLM provider rejected the LLM API key (X-LLM-API-Key)'])
    await t.rejects(stream.final, { name: 'LlmError', statusCode: 401 })
    t.equal(fake.requests.length, 1)

    fake.reset()
    fake.setDefault({ status: 429, retryAfter: 9 })
    const limited = await drain(llm.streamText(step, PROMPT))
    t.same([limited.error?.statusCode, limited.error?.retryAfter], [429, 9])
    t.equal(fake.requests.length, 1, '429 is not retried')
  })

  t.test(`${name}: a 5xx or a cut before the first token is retried once`, async (t) => {
    fake.enqueue({ status: 502 })
    fake.enqueue({ chunks: ['ok ', 'then'] })
    const afterError = await drain(llm.streamText(step, PROMPT))
    t.same(afterError, { deltas: ['ok ', 'then'], error: null })
    t.equal(fake.requests.length, 2)

    fake.reset()
    fake.enqueue({ cutAfterChunks: 0 })
    fake.enqueue({ chunks: ['fine'] })
    const afterCut = await drain(llm.streamText(step, PROMPT))
    t.same(afterCut, { deltas: ['fine'], error: null })
    t.equal(fake.requests.length, 2)

    fake.reset()
    fake.setDefault({ status: 500 })
    const twice = await drain(llm.streamText(step, PROMPT))
    t.same([twice.error?.statusCode, twice.error?.message], [500, 'LLM provider error: the provider answered 500'])
    t.equal(fake.requests.length, 2)
  })

  t.test(`${name}: a stream cut mid-way is an error after the deltas already sent, never retried`, async (t) => {
    fake.setDefault({ chunks: ['Once ', 'upon ', 'a ', 'time'], cutAfterChunks: 2 })
    const stream = llm.streamText(step, PROMPT)
    const { deltas, error } = await drain(stream)
    t.same(deltas, ['Once ', 'upon '])
    t.same([error?.name, error?.statusCode], ['LlmError', 500])
    t.match(error?.message, /^LLM provider error: /)
    await t.rejects(stream.final, { name: 'LlmError', statusCode: 500 })
    t.equal(fake.requests.length, 1)
  })

  t.test(`${name}: a stream whose reader can start over is retried once after a cut mid-way; the reader is told first`, async (t) => {
    // The first chunk arrives well before the cut, so the reader has it when the connection drops.
    fake.enqueue({ chunks: ['Once ', 'upon ', 'a ', 'time'], cutAfterChunks: 2, chunkDelayMs: 100 })
    fake.enqueue({ chunks: ['Twice ', 'told.'] })
    const seen: string[] = []
    let restarts = 0
    const stream = llm.streamText(step, { ...PROMPT, restart: () => { restarts++; seen.push('|'); return true } })
    for await (const delta of stream.textStream) seen.push(delta)
    t.equal(restarts, 1)
    t.equal(seen[0], 'Once ')
    t.same(seen.slice(seen.indexOf('|') + 1), ['Twice ', 'told.'], 'after the restart, only the retry\'s deltas')
    t.equal((await stream.final).text, 'Twice told.', 'the result holds the retry\'s answer only')
    t.equal(fake.requests.length, 2)

    fake.reset()
    fake.setDefault({ chunks: ['Once ', 'upon ', 'a ', 'time'], cutAfterChunks: 2, chunkDelayMs: 100 })
    let asked = 0
    const refused = await drain(llm.streamText(step, { ...PROMPT, restart: () => { asked++; return false } }))
    t.equal(asked, 1)
    t.match(refused.error, { name: 'LlmError', statusCode: 500 }, 'a reader that cannot start over gets the failure')
    t.equal(fake.requests.length, 1)

    fake.reset()
    fake.setDefault({ chunks: ['Once ', 'upon ', 'a ', 'time'], cutAfterChunks: 2, chunkDelayMs: 100 })
    let again = 0
    const persistent = await drain(llm.streamText(step, { ...PROMPT, restart: () => { again++; return true } }))
    t.equal(again, 1, 'one retry per call, as for a silent failure')
    t.match(persistent.error, { name: 'LlmError', statusCode: 500 })
    t.equal(fake.requests.length, 2)
  })

  t.test(`${name}: malformed stream data is a 500`, async (t) => {
    fake.setDefault({ malformed: true, chunks: ['never'] })
    const { error } = await drain(llm.streamText(step, PROMPT))
    t.same([error?.statusCode, error?.message], [500, 'LLM provider error: the provider sent an invalid response'])
  })

  t.test(`${name}: no first token within timeoutMs is a 500 "timed out"`, async (t) => {
    const quick = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1`, anthropic: `${fake.url}/anthropic/v1` }, timeoutMs: 200 })
    fake.setDefault({ firstTokenDelayMs: 5000 })
    const { deltas, error } = await drain(quick.streamText(step, PROMPT))
    t.same(deltas, [])
    t.same([error?.statusCode, error?.message], [500, 'LLM provider error: timed out'])
    t.equal(fake.requests.length, 1, 'a timeout is not retried')
    await fake.waitForAborted(1)
  })

  t.test(`${name}: a stall between tokens longer than timeoutMs is a 500 "timed out"`, async (t) => {
    const quick = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1`, anthropic: `${fake.url}/anthropic/v1` }, timeoutMs: 200 })
    fake.setDefault({ chunks: ['a ', 'b'], chunkDelayMs: 5000 })
    const { deltas, error } = await drain(quick.streamText(step, PROMPT))
    t.same(deltas, ['a '])
    t.equal(error?.message, 'LLM provider error: timed out')
  })
}

t.test('a consumer that stops iterating aborts the provider call', async (t) => {
  fake.setDefault({ chunks: ['a ', 'b ', 'c'], chunkDelayMs: 3_600_000 })
  const stream = llm.streamText(OPENAI, PROMPT)
  const iterator = stream.textStream[Symbol.asyncIterator]()
  t.same(await iterator.next(), { value: 'a ', done: false })
  // What `break` in a for-await loop does.
  await iterator.return?.()
  await fake.waitForAborted(1)
  await t.rejects(stream.final, { code: 'RAPPORT_LLM_ABORTED' })
})

t.test('an already aborted signal makes no request', async (t) => {
  const stream = llm.streamText(OPENAI, { ...PROMPT, signal: AbortSignal.abort() })
  const { error } = await drain(stream)
  t.equal(error?.code, 'RAPPORT_LLM_ABORTED')
  t.equal(fake.requests.length, 0)
})

t.test('final alone can be awaited without iterating', async (t) => {
  fake.enqueue({ text: 'just the result' })
  t.equal((await llm.streamText(OPENAI, PROMPT).final).text, 'just the result')
})

t.test('an unknown provider surfaces as a 400 from the stream', async (t) => {
  const { error } = await drain(llm.streamText({ model: 'nope/x', apiKey: KEY }, PROMPT))
  t.same([error?.statusCode, error?.name], [400, 'LlmError'])
  t.equal(fake.requests.length, 0)
})
