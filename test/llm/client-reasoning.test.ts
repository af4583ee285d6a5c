// Tests of answers with reasoning (a local server speaking DeepSeek's wire format): only the text is the answer, and reasoning keeps a stream alive.
import t from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLlmClient } from '../../src/llm/client.ts'

type Handler = (body: any, res: ServerResponse) => Promise<void> | void
let handler: Handler = () => {}
const bodies: any[] = []
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const raw: Buffer[] = []
  req.on('data', (chunk: Buffer) => raw.push(chunk))
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(raw).toString('utf8'))
    bodies.push(body)
    Promise.resolve(handler(body, res)).catch((err: unknown) => res.destroy(err as Error))
  })
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.close() })

const llm = createLlmClient({ baseUrls: { deepseek: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, timeoutMs: 300 })
const step = { model: 'deepseek/deepseek-reasoner', apiKey: 'sk-test-0123456789abcdef' }
const prompt = { system: 'S', messages: [{ role: 'user' as const, content: 'U' }] }
t.beforeEach(() => { bodies.length = 0 })

function chunk (delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-reasoner', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`
}

t.test('generateText answers only the text, not the reasoning', async (t) => {
  handler = (_body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'deepseek-reasoner',
      choices: [{ index: 0, message: { role: 'assistant', reasoning_content: 'Let me think.', content: 'The answer.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 }
    }))
  }
  const result = await llm.generateText(step, prompt)
  t.same([result.text, result.usage], ['The answer.', { inputTokens: 4, outputTokens: 6 }])
})

t.test('reasoning deltas re-arm the timeout between tokens, and are not part of the text', async (t) => {
  handler = async (_body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chunk({ role: 'assistant', content: '' }))
    // Five reasoning deltas 150 ms apart: 750 ms in all, with the timeout at 300 ms.
    for (let i = 0; i < 5; i++) {
      await sleep(150)
      res.write(chunk({ reasoning_content: `step ${i}. ` }))
    }
    res.write(chunk({ content: 'Done.' }))
    res.write(chunk({}, 'stop', { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }))
    res.end('data: [DONE]\n\n')
  }
  const stream = llm.streamText(step, prompt)
  const deltas: string[] = []
  for await (const d of stream.textStream) deltas.push(d)
  t.same(deltas, ['Done.'])
  t.match(await stream.final, { text: 'Done.', usage: { inputTokens: 2, outputTokens: 3 } })
  t.equal(bodies.length, 1)
})

t.test('a stream with no usage reports zero tokens', async (t) => {
  handler = (_body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chunk({ role: 'assistant', content: 'Hi.' }))
    res.write(chunk({}, 'stop'))
    res.end('data: [DONE]\n\n')
  }
  t.same((await llm.streamText(step, prompt).final).usage, { inputTokens: 0, outputTokens: 0 })
})

t.test('a whole answer with no usage reports zero tokens', async (t) => {
  handler = (_body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }] }))
  }
  t.same((await llm.generateText(step, prompt)).usage, { inputTokens: 0, outputTokens: 0 })
})
