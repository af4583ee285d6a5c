// Tests of how the LLM client reads answers: JSON extraction and validation, empty stream deltas, latency figures.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { createLlmClient, parseJsonOutput } from '../../src/llm/client.ts'
import { startFakeLlm } from '../helpers/fake-llm.ts'
import type { FakeLlm } from '../helpers/fake-llm.ts'

const Answer = Type.Object({ ok: Type.Boolean() })

t.test('parseJsonOutput finds the JSON in fences of any case, in surrounding prose, and as a bare array', async (t) => {
  t.same(parseJsonOutput(Answer, '```JSON\n{"ok": true}\n```'), { value: { ok: true }, errors: [] })
  t.same(parseJsonOutput(Answer, 'Here:\n```\n{"ok": false}\n```\nbye'), { value: { ok: false }, errors: [] })
  t.same(parseJsonOutput(Answer, 'I decided {"ok": true} as asked.'), { value: { ok: true }, errors: [] })
  t.same(parseJsonOutput(Answer, '{"ok": true}\nHope that helps.'), { value: { ok: true }, errors: [] }, 'prose after the object too')
  t.same(parseJsonOutput(Answer, '  \n{"ok": true}\n  '), { value: { ok: true }, errors: [] })
  t.same(parseJsonOutput(Type.Array(Type.Number()), ' [1, 2] '), { value: [1, 2], errors: [] })
  t.same(parseJsonOutput(Type.Array(Answer), '[{"ok": true}, {"ok": false}]'), { value: [{ ok: true }, { ok: false }], errors: [] }, 'an array of objects is kept whole')
  t.same(parseJsonOutput(Answer, '{"ok": true} and {"ok": false}').value, null, 'from the first { to the last }: not one object')
  t.same(parseJsonOutput(Answer, 'x{"ok": true}'), { value: { ok: true }, errors: [] })
})

t.test('parseJsonOutput takes a fence\'s content whatever surrounds it and however tightly it is fenced', async (t) => {
  t.same(parseJsonOutput(Answer, 'Use {x} as a placeholder:\n```\n{"ok": true}\n```'), { value: { ok: true }, errors: [] })
  t.same(parseJsonOutput(Answer, 'Use {x}:\n```json\n{"ok": true}```'), { value: { ok: true }, errors: [] })
  t.same(parseJsonOutput(Answer, '```json{"ok":true}```'), { value: { ok: true }, errors: [] })
  t.same(parseJsonOutput(Answer, '```json\n{"ok":true}```'), { value: { ok: true }, errors: [] })
})

t.test('parseJsonOutput says why it found nothing usable', async (t) => {
  t.same(parseJsonOutput(Answer, ''), { value: null, errors: ['The output is empty'] })
  t.same(parseJsonOutput(Answer, '  \n '), { value: null, errors: ['The output is empty'] })
  t.same(parseJsonOutput(Answer, '```json\n```'), { value: null, errors: ['The output is empty'] })
  t.same(parseJsonOutput(Answer, 'closing } before opening {'), { value: null, errors: [`The output is not valid JSON: ${jsonError('closing } before opening {')}`] })
  t.same(parseJsonOutput(Answer, 'only a } here'), { value: null, errors: [`The output is not valid JSON: ${jsonError('only a } here')}`] })
  t.same(parseJsonOutput(Answer, '{"ok": tru'), { value: null, errors: [`The output is not valid JSON: ${jsonError('{"ok": tru')}`] })
  t.same(parseJsonOutput(Answer, '"just a string"'), { value: null, errors: ['/: Expected object'] })
  t.same(parseJsonOutput(Answer, '{"ok": "yes"}'), { value: null, errors: ['/ok: Expected boolean'] })
})

function jsonError (text: string): string {
  try {
    JSON.parse(text)
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('valid JSON')
}

t.test('parseJsonOutput reports at most ten schema errors', async (t) => {
  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`)
  const Wide = Type.Object(Object.fromEntries(keys.map((k) => [k, Type.String()])))
  const { value, errors } = parseJsonOutput(Wide, JSON.stringify(Object.fromEntries(keys.map((k) => [k, 1]))))
  t.equal(value, null)
  t.same(errors, keys.slice(0, 10).map((k) => `/${k}: Expected string`))
})

let fake: FakeLlm
t.test('against the fake provider', async (t) => {
  fake = await startFakeLlm()
  t.teardown(() => fake.close())
  const llm = createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1` }, timeoutMs: 5000 })
  const step = { model: 'openai/m1', apiKey: 'sk-test-0123456789abcdef' }
  const prompt = { system: 'S', messages: [{ role: 'user' as const, content: 'U' }] }

  t.test('empty deltas are not passed on', async (t) => {
    fake.enqueue({ chunks: ['', 'a ', '', 'b'] })
    const stream = llm.streamText(step, prompt)
    const deltas: string[] = []
    for await (const d of stream.textStream) deltas.push(d)
    t.same(deltas, ['a ', 'b'])
    t.equal((await stream.final).text, 'a b')
  })

  t.test('latency is the whole number of milliseconds the call took', async (t) => {
    const timed = async <T extends { latencyMs: number }>(call: () => Promise<T>) => {
      fake.enqueue({ json: { ok: true }, delayMs: 120 })
      const before = performance.now()
      const { latencyMs } = await call()
      const took = performance.now() - before
      t.ok(Number.isInteger(latencyMs) && latencyMs >= 100 && latencyMs <= Math.ceil(took), `${latencyMs} ms of ${took}`)
    }
    await timed(() => llm.generateText(step, prompt))
    await timed(() => llm.generateJson(step, { ...prompt, schema: Answer }))
    await timed(() => llm.streamText(step, prompt).final)
  })
})
