// An answer cut short (no finish marker, connection closed or reset mid-body) is a provider failure, never a
// complete answer; the other finish reasons (length, content filter, unknown) are judged the same way per call kind.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { createLlmClient } from '../../src/llm/client.ts'
import type { LlmClient, TextStream } from '../../src/llm/client.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'
import type { FakeLlm, FakeScript } from '../helpers/fake-llm.ts'

const OPENAI = { model: 'gpt-4o-mini', apiKey: 'sk-test-0123456789abcdef' }
const ANTHROPIC = { model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-0123456789' }
const PROVIDERS = [
  ['openai', OPENAI, { length: 'length', filter: 'content_filter' }],
  ['anthropic', ANTHROPIC, { length: 'max_tokens', filter: 'refusal' }]
] as const
const PROMPT = { system: 'You are Mira.', messages: [{ role: 'user' as const, content: 'Hi' }] }
const Answer = Type.Object({ ok: Type.Boolean() })
const CUT = 'LLM provider error: the answer was cut short (no finish marker)'
const INTERRUPTED = 'LLM provider error: could not reach the provider or the connection was interrupted'
const TEXT = ['Come ', 'in ', 'then. ', 'Tea?']

let fake: FakeLlm
let llm: LlmClient
t.before(async () => {
  fake = await startFakeLlm()
  llm = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1`, anthropic: `${fake.url}/anthropic/v1` }, timeoutMs: 5000 })
})
t.beforeEach(() => { fake.reset() })
t.teardown(async () => { await fake.close() })

async function drain (stream: TextStream) {
  const deltas: string[] = []
  let error: any = null
  try {
    for await (const delta of stream.textStream) deltas.push(delta)
  } catch (err) {
    error = err
  }
  await stream.final.catch(() => {})
  return { deltas, error }
}

const STREAM_CUTS: [FakeScript['truncate'], string][] = [['clean', CUT], ['close', CUT], ['content-length', INTERRUPTED], ['reset', INTERRUPTED]]

for (const [name, step, reasons] of PROVIDERS) {
  for (const [mode, message] of STREAM_CUTS) {
    t.test(`${name}: a stream truncated by "${mode}" after two deltas fails with a 500 after them`, async (t) => {
      fake.setDefault({ chunks: TEXT, cutAfterChunks: 2, truncate: mode })
      const stream = llm.streamText(step, PROMPT)
      const { deltas, error } = await drain(stream)
      t.same(deltas, ['Come ', 'in '])
      t.same([error?.name, error?.statusCode, error?.message], ['LlmError', 500, message])
      await t.rejects(stream.final, { statusCode: 500, message })
      t.equal(fake.requests.length, 1, 'text went out: not retried')
    })
  }

  t.test(`${name}: a stream truncated cleanly before any text is retried once`, async (t) => {
    fake.enqueue({ chunks: TEXT, cutAfterChunks: 0, truncate: 'clean' })
    fake.enqueue({ chunks: TEXT })
    t.same(await drain(llm.streamText(step, PROMPT)), { deltas: TEXT, error: null })
    t.equal(fake.requests.length, 2)
  })

  for (const mode of ['clean', 'content-length', 'reset'] as const) {
    t.test(`${name}: a whole answer truncated by "${mode}" is retried once, then a 500`, async (t) => {
      fake.enqueue({ chunks: TEXT, cutAfterChunks: 2, truncate: mode })
      fake.enqueue({ chunks: TEXT })
      t.equal((await llm.generateText(step, PROMPT)).text, 'Come in then. Tea?')
      t.equal(fake.requests.length, 2)

      fake.reset()
      fake.setDefault({ chunks: TEXT, cutAfterChunks: 2, truncate: mode })
      await t.rejects(llm.generateText(step, PROMPT), { name: 'LlmError', statusCode: 500, message: mode === 'clean' ? CUT : INTERRUPTED })
      t.equal(fake.requests.length, 2)
      fake.reset()
      fake.setDefault({ json: { ok: true }, cutAfterChunks: 2, truncate: mode })
      await t.rejects(llm.generateJson(step, { ...PROMPT, schema: Answer }), { name: 'LlmError', statusCode: 500 })
    })
  }

  t.test(`${name}: an answer cut at the output token limit fails text calls and is an invalid JSON answer`, async (t) => {
    const limit = 'LLM provider error: the answer was cut at the output token limit'
    fake.setDefault({ chunks: TEXT, finishReason: reasons.length })
    await t.rejects(llm.generateText(step, PROMPT), { name: 'LlmError', statusCode: 500, message: limit })
    const stream = await drain(llm.streamText(step, PROMPT))
    t.same(stream.deltas, TEXT)
    t.same([stream.error?.statusCode, stream.error?.message], [500, limit])
    t.equal(fake.requests.length, 2, 'a length stop is not retried')

    fake.setDefault({ json: { ok: true }, finishReason: reasons.length })
    const json = await llm.generateJson(step, { ...PROMPT, schema: Answer })
    t.same([json.value, json.errors], [null, ['The answer was cut at the output token limit: answer shorter']])
    t.equal(json.text, '{"ok":true}', 'the cut text is kept for the repair prompt')

    // Streamed JSON too, whether or not the provider has a JSON mode (Anthropic's goes in the prompt).
    const streamed = llm.streamJson(step, { ...PROMPT, schema: Answer })
    const read = await drain(streamed)
    t.equal(read.error, null, 'a cut JSON stream is no failure: its reader judges it')
    t.match(await streamed.final, { text: '{"ok":true}', cutAtLimit: true })
  })

  t.test(`${name}: a content filter stop is a 400 on every call kind`, async (t) => {
    const filtered = 'The LLM provider rejected the request: its content filter withheld the answer'
    fake.setDefault({ chunks: TEXT, finishReason: reasons.filter })
    await t.rejects(llm.generateText(step, PROMPT), { statusCode: 400, message: filtered })
    await t.rejects(llm.generateJson(step, { ...PROMPT, schema: Answer }), { statusCode: 400, message: filtered })
    const { error } = await drain(llm.streamText(step, PROMPT))
    t.same([error?.statusCode, error?.message], [400, filtered])
  })

  t.test(`${name}: an unknown finish reason is a 500 naming it`, async (t) => {
    const unknown = 'LLM provider error: the answer ended with an unexpected finish reason (insufficient_system_resource)'
    fake.setDefault({ chunks: TEXT, finishReason: 'insufficient_system_resource' })
    await t.rejects(llm.generateText(step, PROMPT), { statusCode: 500, message: unknown })
    await t.rejects(llm.generateJson(step, { ...PROMPT, schema: Answer }), { statusCode: 500, message: unknown })
    const { error } = await drain(llm.streamText(step, PROMPT))
    t.same([error?.statusCode, error?.message], [500, unknown])
    t.equal(fake.requests.length, 3, 'not retried')
  })
}
