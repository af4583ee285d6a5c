// Streams: the SSE reader over awkward chunking, events as they arrive, finalResponse(), error events and abort.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { Rapport, ServerError, type StreamEvent } from '@rapport/sdk'
import { scriptServer } from './script-server.ts'

const META = { current_state: 'a', score: 0, outcome: null, decision: null, follow_up: false, session_id: 's', scoring_mode: 'scoring', redirect_count: 0, machine_completed: false, unlocked_machines: null }
const DONE = { ...META, message: 'Héllo wörld 🎉' }

/** Writes `body` in pieces of `size` bytes, cutting lines, CRLFs and multi-byte characters. */
function chunked (body: string, size: number, pauseMs = 0) {
  return async (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const bytes = Buffer.from(body, 'utf8')
    for (let i = 0; i < bytes.length; i += size) {
      res.write(bytes.subarray(i, i + size))
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
    res.end()
  }
}

const sse = (events: Array<[string, unknown]>, eol = '\n') =>
  `: ping${eol}${eol}` + events.map(([name, data]) => `event: ${name}${eol}data: ${JSON.stringify(data)}${eol}${eol}`).join('')

async function setup (t: { after: (fn: () => Promise<void>) => void }) {
  const server = await scriptServer()
  t.after(() => server.close())
  return { server, client: new Rapport({ apiKey: 'pk_live_x', baseUrl: server.url }) }
}

const body = (eol?: string) => sse([['metadata', META], ['text_delta', { text: 'Héllo ' }], ['text_delta', { text: 'wörld 🎉' }], ['done', DONE]], eol)

for (const [name, eol, size] of [['LF, 1-byte chunks', '\n', 1], ['CRLF, 3-byte chunks', '\r\n', 3], ['LF, one chunk', '\n', 100_000]] as const) {
  test(`events are parsed in order whatever the chunking (${name}); comments are skipped`, async (t) => {
    const { server, client } = await setup(t)
    server.answer(chunked(body(eol), size))
    const events: StreamEvent[] = []
    for await (const event of client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' })) events.push(event)
    assert.deepEqual(events, [
      { type: 'metadata', data: META },
      { type: 'text_delta', data: { text: 'Héllo ' } },
      { type: 'text_delta', data: { text: 'wörld 🎉' } },
      { type: 'done', data: DONE }
    ])
  })
}

test('events arrive as they are sent, before the stream ends', async (t) => {
  const { server, client } = await setup(t)
  let release!: () => void
  const held = new Promise<void>((resolve) => { release = resolve })
  server.answer(async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(sse([['metadata', META], ['text_delta', { text: 'first' }]]))
    await held
    res.end(sse([['done', { ...META, message: 'first' }]]))
  })
  const seen: string[] = []
  for await (const event of client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' })) {
    seen.push(event.type)
    if (event.type === 'text_delta') release()
  }
  assert.deepEqual(seen, ['metadata', 'text_delta', 'done'])
})

test('finalResponse() resolves to done, also while the caller iterates', async (t) => {
  const { server, client } = await setup(t)
  server.answer(chunked(body(), 7), chunked(body(), 7))
  assert.deepEqual(await client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' }).finalResponse(), DONE)
  const stream = client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' })
  let final: Promise<unknown> | undefined
  let text = ''
  for await (const event of stream) {
    final ??= stream.finalResponse()
    if (event.type === 'text_delta') text += event.data.text
  }
  assert.equal(text, ((await final) as { message: string }).message)
})

test('an error event ends the iteration and makes finalResponse() reject with ServerError', async (t) => {
  const { server, client } = await setup(t)
  const failed = sse([['metadata', META], ['text_delta', { text: 'Hel' }], ['error', { error: { message: 'LLM provider error' } }]])
  server.answer(chunked(failed, 5), chunked(failed, 5), chunked(sse([['metadata', META]]), 5))
  const types: string[] = []
  for await (const event of client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' })) types.push(event.type)
  assert.deepEqual(types, ['metadata', 'text_delta', 'error'])
  const err = await client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' }).finalResponse().catch((e) => e)
  assert.ok(err instanceof ServerError)
  assert.equal(err.statusCode, 500)
  assert.equal(err.message, 'LLM provider error')
  await assert.rejects(client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' }).finalResponse(), { message: /ended before its done event/ })
})

test('abort() and breaking out of the loop hang up the connection', { timeout: 20_000 }, async (t) => {
  const { server, client } = await setup(t)
  let closed = 0
  const endless = async (res: ServerResponse) => {
    res.on('close', () => { closed++ })
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(sse([['metadata', META]]))
    const timer = setInterval(() => res.write(sse([['text_delta', { text: '.' }]])), 20)
    res.on('close', () => clearInterval(timer))
  }
  server.answer(endless, endless)
  for await (const event of client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' })) if (event.type === 'text_delta') break
  const stream = client.chat.streamMessage('p', { userSessionId: 'u', message: 'm' })
  const reading = (async () => {
    for await (const event of stream) if (event.type === 'metadata') stream.abort()
  })()
  await assert.rejects(reading, { name: 'AbortError' })
  const hungUp = () => closed
  while (hungUp() < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(closed, 2)
})
