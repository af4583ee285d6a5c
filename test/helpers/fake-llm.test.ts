// Tests of the fake LLM provider server itself, driven with plain fetch.
import t from 'tap'
import { fakeTokens, startFakeLlm } from './fake-llm.ts'
import type { FakeLlm } from './fake-llm.ts'

let fake: FakeLlm
t.before(async () => { fake = await startFakeLlm() })
t.beforeEach(() => { fake.reset() })
t.teardown(async () => { await fake.close() })

function openai (body: object, headers: Record<string, string> = {}) {
  return fetch(`${fake.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], ...body })
  })
}

function anthropic (body: object) {
  return fetch(`${fake.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }], ...body })
  })
}

/** Parse an SSE body into its events. */
function parseSse (raw: string) {
  return raw.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? null
    const data = /^data: (.*)$/m.exec(block)?.[1] ?? ''
    return { event, data }
  })
}

t.test('OpenAI non-streaming answers a chat completion with usage and records the request', async (t) => {
  fake.enqueue({ text: 'Hello there', usage: { prompt_tokens: 7, completion_tokens: 3 } })
  const res = await openai({})
  t.equal(res.status, 200)
  const body = await res.json()
  t.equal(body.object, 'chat.completion')
  t.equal(body.choices[0].message.content, 'Hello there')
  t.same(body.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 })
  t.equal(fake.requests.length, 1)
  const req = fake.requests[0]
  t.equal(req.provider, 'openai')
  t.equal(req.model, 'gpt-4o-mini')
  t.equal(req.system, 'Be brief.')
  t.same(req.messages, [{ role: 'user', content: 'Hi' }])
  t.equal(req.stream, false)
  t.equal(req.jsonMode, false)
  t.equal(req.headers.authorization, 'Bearer sk-test')
})

t.test('OpenAI also answers on /v1/chat/completions and lists models', async (t) => {
  const res = await fetch(`${fake.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
  })
  t.equal((await res.json()).choices[0].message.content, 'Hello from the fake LLM.')
  const models = await fetch(`${fake.url}/openai/v1/models`)
  t.equal(models.status, 200)
  t.equal((await models.json()).object, 'list')
  t.equal(fake.requests[1].kind, 'models')
})

t.test('OpenAI streaming sends several chunks, then usage only when asked, then [DONE]', async (t) => {
  fake.enqueue({ chunks: ['Hel', 'lo ', 'world'] })
  const res = await openai({ stream: true, stream_options: { include_usage: true } })
  t.equal(res.headers.get('content-type'), 'text/event-stream')
  const events = parseSse(await res.text())
  t.equal(events.at(-1)?.data, '[DONE]')
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data))
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
  t.equal(text, 'Hello world')
  t.same(chunks.filter((c) => c.choices[0]?.delta?.content).map((c) => c.choices[0].delta.content), ['Hel', 'lo ', 'world'])
  t.ok(chunks.at(-1).usage.completion_tokens > 0, 'usage chunk last')

  fake.enqueue({ text: 'a b c' })
  const noUsage = parseSse(await (await openai({ stream: true })).text())
  t.notOk(noUsage.some((e) => e.data.includes('"usage"')), 'no usage chunk without include_usage')
  t.equal(noUsage.filter((e) => e.data.includes('"content":"')).length - 1, 3, 'default splits text at spaces')
})

t.test('Anthropic non-streaming and streaming follow the messages protocol', async (t) => {
  fake.enqueue({ json: { ok: true } })
  const res = await anthropic({})
  const body = await res.json()
  t.equal(body.type, 'message')
  t.same(body.content, [{ type: 'text', text: '{"ok":true}' }])
  t.equal(fake.requests[0].provider, 'anthropic')
  t.equal(fake.requests[0].system, 'Be brief.')
  t.equal(fake.requests[0].headers['x-api-key'], 'sk-ant-test')

  fake.enqueue({ chunks: ['One ', 'two'], usage: { completion_tokens: 2 } })
  const events = parseSse(await (await anthropic({ stream: true })).text())
  t.same(events.map((e) => e.event), [
    'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta',
    'content_block_stop', 'message_delta', 'message_stop'
  ])
  t.same(events.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.text), ['One ', 'two'])
  t.equal(JSON.parse(events[5].data).usage.output_tokens, 2)
})

t.test('errors use each provider\'s error shape and status', async (t) => {
  fake.enqueue({ status: 401 })
  let res = await openai({})
  t.equal(res.status, 401)
  t.equal((await res.json()).error.code, 'invalid_api_key')

  fake.enqueue({ status: 429, retryAfter: 12 })
  res = await openai({})
  t.equal(res.status, 429)
  t.equal(res.headers.get('retry-after'), '12')

  fake.enqueue({ status: 500, errorMessage: 'boom' })
  res = await openai({})
  t.equal(res.status, 500)
  t.equal((await res.json()).error.message, 'boom')

  fake.enqueue({ status: 400 })
  res = await anthropic({})
  t.equal(res.status, 400)
  t.same(await res.json(), {
    type: 'error',
    error: { type: 'invalid_request_error', message: 'The model `claude-3-5-haiku-latest` does not exist or you do not have access to it.' }
  })

  fake.enqueue({ status: 401 })
  res = await anthropic({})
  t.equal((await res.json()).error.type, 'authentication_error')
})

t.test('a handler sees the parsed request and one-shot scripts come before the default', async (t) => {
  fake.setDefault((req) => ({ text: req.jsonMode ? '{"json":1}' : `echo: ${req.messages.at(-1)?.content}` }))
  fake.enqueue({ text: 'first' })
  t.equal((await (await openai({})).json()).choices[0].message.content, 'first')
  t.equal((await (await openai({})).json()).choices[0].message.content, 'echo: Hi')
  t.equal((await (await openai({ response_format: { type: 'json_object' } })).json()).choices[0].message.content, '{"json":1}')
  t.equal(fake.requests[2].jsonMode, true)
})

t.test('malformed answers are not valid JSON / SSE data', async (t) => {
  fake.enqueue({ malformed: true })
  const res = await openai({})
  await t.rejects(res.json())
  fake.enqueue({ malformed: true, text: 'x' })
  const events = parseSse(await (await openai({ stream: true })).text())
  t.ok(events.some((e) => { try { JSON.parse(e.data); return false } catch { return e.data !== '[DONE]' } }))
})

t.test('cutAfterChunks destroys the socket mid-stream', async (t) => {
  fake.enqueue({ chunks: ['a ', 'b ', 'c'], cutAfterChunks: 1 })
  const res = await openai({ stream: true })
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let received = ''
  await t.rejects(async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received += decoder.decode(value)
    }
  })
  t.match(received, /"content":"a "/)
  t.notMatch(received, /"content":"b "/)
  t.equal(fake.aborted, 0, 'a server-side cut is not a client abort')

  fake.enqueue({ cutAfterChunks: 0 })
  const plain = await openai({})
  await t.rejects(plain.text())
})

t.test('delays hold the response and a client that leaves is counted as aborted', async (t) => {
  fake.enqueue({ chunks: ['a ', 'b ', 'c'], chunkDelayMs: 10_000 })
  const res = await openai({ stream: true })
  t.equal(res.status, 200)
  t.equal(fake.aborted, 0)
  await res.body!.cancel()
  await fake.waitForAborted(1)
  t.equal(fake.aborted, 1)

  fake.enqueue({ delayMs: 10_000 })
  const slow = new AbortController()
  const pending = fetch(`${fake.url}/openai/v1/chat/completions`, {
    method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }), signal: slow.signal
  })
  setTimeout(() => slow.abort(), 50)
  await t.rejects(pending, { name: 'AbortError' })
  await fake.waitForAborted(2)
  t.equal(fake.aborted, 2)
})

t.test('unknown routes answer 404', async (t) => {
  const res = await fetch(`${fake.url}/nope`)
  t.equal(res.status, 404)
  t.equal(fake.requests.length, 0)
})

/** Read a body to its end, returning the text received and whether it ended in an error. */
async function readAll (res: Response) {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { text, failed: false }
      text += decoder.decode(value)
    }
  } catch {
    return { text, failed: true }
  }
}

t.test('truncate "clean" ends the stream properly after cutAfterChunks, without the finish marker', async (t) => {
  fake.enqueue({ chunks: ['Come ', 'in ', 'then.'], cutAfterChunks: 2, truncate: 'clean' })
  const res = await openai({ stream: true })
  const { text, failed } = await readAll(res)
  t.equal(failed, false)
  t.match(text, /"content":"in "/)
  t.notMatch(text, /then\.|"finish_reason":"stop"|\[DONE\]/)

  fake.enqueue({ chunks: ['Come ', 'in ', 'then.'], cutAfterChunks: 2, truncate: 'clean' })
  const events = parseSse(await (await anthropic({ stream: true })).text())
  t.same(events.map((e) => e.event), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta'])

  fake.enqueue({ chunks: ['Come ', 'in ', 'then.'], cutAfterChunks: 1, truncate: 'clean' })
  const plain = await (await openai({})).json()
  t.same([plain.choices[0].message.content, plain.choices[0].finish_reason], ['Come ', null])
})

t.test('truncate "content-length" declares the whole length, sends no chunked encoding and closes mid-body', async (t) => {
  fake.enqueue({ chunks: ['Come ', 'in ', 'then.'], cutAfterChunks: 2, truncate: 'content-length' })
  const res = await openai({ stream: true })
  t.equal(res.headers.get('transfer-encoding'), null)
  const declared = Number(res.headers.get('content-length'))
  const { text, failed } = await readAll(res)
  t.equal(failed, true, 'the reader sees the body end short')
  t.match(text, /"content":"in "/)
  t.ok(Buffer.byteLength(text) < declared)

  fake.enqueue({ truncate: 'content-length' })
  const plain = await openai({})
  t.ok(Number(plain.headers.get('content-length')) > 0)
  await t.rejects(plain.text())
})

t.test('truncate "reset" resets a chunked response mid-body', async (t) => {
  fake.enqueue({ chunks: ['Come ', 'in ', 'then.'], cutAfterChunks: 1, truncate: 'reset' })
  const res = await anthropic({ stream: true })
  t.equal(res.headers.get('transfer-encoding'), 'chunked')
  const { failed } = await readAll(res)
  t.equal(failed, true)
  t.equal(fake.aborted, 0, 'a server-side reset is not a client abort')

  fake.enqueue({ truncate: 'reset' })
  await t.rejects((await openai({})).text())
})

t.test('finishReason replaces the normal finish reason', async (t) => {
  fake.enqueue({ text: 'Long', finishReason: 'length' })
  t.match(await (await openai({ stream: true })).text(), /"finish_reason":"length"/)
  fake.enqueue({ text: 'Long', finishReason: 'max_tokens' })
  t.equal((await (await anthropic({})).json()).stop_reason, 'max_tokens')
})

t.test('truncate "close" sends a close-delimited stream (no length, no chunks) that ends without the finish marker', async (t) => {
  fake.enqueue({ chunks: ['Come ', 'in ', 'then.'], cutAfterChunks: 2, truncate: 'close' })
  const res = await openai({ stream: true })
  t.same([res.headers.get('transfer-encoding'), res.headers.get('content-length'), res.headers.get('connection')], [null, null, 'close'])
  const { text, failed } = await readAll(res)
  t.equal(failed, false, 'for HTTP the body ended normally')
  t.match(text, /"content":"in "/)
  t.notMatch(text, /then\.|\[DONE\]/)
})

t.test('the latency model streams token by token and counts those tokens; scripts that time themselves keep their own chunks', async (t) => {
  const timed = await startFakeLlm({ latency: { firstTokenMs: 1, perTokenMs: 1 } })
  t.teardown(() => timed.close())
  t.same(fakeTokens('{"transition_id": "t2", "follow_up": false}'), ['{"', 'transition_id', '":', ' "', 't2', '",', ' "', 'follow_up', '":', ' false', '}'])
  const post = (body: object) => fetch(`${timed.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], ...body })
  })
  timed.enqueue({ text: 'Step aside, friend.' })
  const streamed = parseSse(await (await post({ stream: true, stream_options: { include_usage: true } })).text())
  const deltas = streamed.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data)).filter((c) => c.choices[0]?.delta?.content)
  t.same(deltas.map((c) => c.choices[0].delta.content), ['Step', ' aside', ',', ' friend', '.'])
  t.equal(JSON.parse(streamed.at(-2)!.data).usage.completion_tokens, 5)
  timed.enqueue({ text: 'Step aside, friend.' })
  t.equal((await (await post({})).json()).usage.completion_tokens, 5)
  timed.enqueue({ text: 'a b', chunkDelayMs: 0 })
  const own = parseSse(await (await post({ stream: true })).text()).filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data).choices[0]?.delta?.content).filter(Boolean)
  t.same(own, ['a ', 'b'])
})
