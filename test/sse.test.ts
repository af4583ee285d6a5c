// SSE framing: event lines, heartbeat comments, header copying on hijack, closing and client disconnects.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { formatEvent, HEARTBEAT, openSse } from '../src/sse.ts'
import { parseSse, sseReader } from './helpers/sse.ts'

t.test('formatEvent writes event and one-line JSON data, then a blank line', async (t) => {
  t.equal(formatEvent('text_delta', { text: 'a\nb "c"' }), 'event: text_delta\ndata: {"text":"a\\nb \\"c\\""}\n\n')
  t.equal(formatEvent('done', null, '{"x":1}'), 'event: done\ndata: {"x":1}\n\n')
  t.throws(() => formatEvent('bad name\n', {}), /invalid SSE event name/)
  t.throws(() => formatEvent('done', null, '{\n}'), /one line/)
  t.equal(HEARTBEAT, ': ping\n\n')
})

t.test('parseSse reads events and skips comments', async (t) => {
  t.same(parseSse(': ping\n\nevent: a\ndata: {"n":1}\n\n: ping\n\nevent: b\ndata: 2\n\n'), [{ event: 'a', data: { n: 1 } }, { event: 'b', data: 2 }])
})

async function server (t: Test, handler: (reply: any, req: any) => Promise<void> | void) {
  const app = Fastify()
  app.addHook('onRequest', async (_req, reply) => { reply.header('x-ratelimit-limit', '30').header('access-control-allow-origin', '*') })
  app.get('/events', async (req, reply) => handler(reply, req))
  await app.listen({ port: 0, host: '127.0.0.1' })
  // An aborted fetch can leave a spare keep-alive socket that would hold close() for seconds.
  t.teardown(() => { app.server.closeAllConnections(); return app.close() })
  const address = app.server.address() as { port: number }
  return `http://127.0.0.1:${address.port}/events`
}

t.test('openSse answers 200 text/event-stream with the reply\'s headers copied and events as written', async (t) => {
  const url = await server(t, (reply) => {
    const sse = openSse(reply, { heartbeatMs: 0 })
    t.ok(sse.send('metadata', { score: 1 }))
    sse.send('text_delta', { text: 'Hi ' })
    sse.end()
    sse.end()
    t.equal(sse.closed, true)
    t.equal(sse.send('done', {}), false, 'nothing is written after end')
  })
  const res = await fetch(url)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
  t.equal(res.headers.get('cache-control'), 'no-cache')
  t.equal(res.headers.get('x-accel-buffering'), 'no')
  t.equal(res.headers.get('x-ratelimit-limit'), '30')
  t.equal(res.headers.get('access-control-allow-origin'), '*')
  t.equal(await res.text(), 'event: metadata\ndata: {"score":1}\n\nevent: text_delta\ndata: {"text":"Hi "}\n\n')
})

t.test('a heartbeat comment is written while the stream is idle and stops at the end', async (t) => {
  let end!: () => void
  const url = await server(t, (reply) => {
    const sse = openSse(reply, { heartbeatMs: 20 })
    sse.send('metadata', {})
    end = () => sse.end()
  })
  const res = await fetch(url)
  const reader = sseReader(res)
  t.equal(await reader.nextBlock(), 'event: metadata\ndata: {}')
  t.equal(await reader.nextBlock(), ': ping')
  t.equal(await reader.nextBlock(), ': ping')
  end()
  let rest = ''
  for (let block = await reader.nextBlock(); block !== null; block = await reader.nextBlock()) rest += block
  t.match(rest, /^(: ping)*$/, 'only heartbeats until the end')
})

t.test('a client disconnect marks the writer closed', async (t) => {
  let writer: ReturnType<typeof openSse> | undefined
  let serverClosed!: () => void
  const closed = new Promise<void>((resolve) => { serverClosed = resolve })
  const url = await server(t, (reply) => {
    writer = openSse(reply, { heartbeatMs: 0 })
    writer.send('metadata', {})
    reply.raw.on('close', () => serverClosed())
  })
  const controller = new AbortController()
  const reader = sseReader(await fetch(url, { signal: controller.signal }))
  t.equal(await reader.nextBlock(), 'event: metadata\ndata: {}')
  controller.abort()
  await closed
  t.equal(writer!.closed, true)
  t.equal(writer!.send('text_delta', { text: 'x' }), false)
  await writer!.drained()
  writer!.end()
})

t.test('drained waits for the socket buffer to empty', async (t) => {
  const url = await server(t, async (reply) => {
    const sse = openSse(reply, { heartbeatMs: 0 })
    const big = 'x'.repeat(64 * 1024)
    let full = false
    for (let i = 0; i < 200 && !full; i++) full = !sse.send('text_delta', { text: big })
    t.ok(full, 'backpressure reported')
    await sse.drained()
    t.ok(sse.send('done', { ok: true }), 'writable again once drained')
    sse.end()
  })
  const res = await fetch(url)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const body = await res.text()
  const events = parseSse(body)
  t.same(events.at(-1), { event: 'done', data: { ok: true } })
  t.ok(events.slice(0, -1).every((e) => e.event === 'text_delta' && e.data.text.length === 64 * 1024))
})
