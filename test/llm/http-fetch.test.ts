// httpFetch: the node:http fetch used for provider calls behaves like fetch where the AI SDK relies on it.
import t, { type Test } from 'tap'
import http from 'node:http'
import { once } from 'node:events'
import { gzipSync } from 'node:zlib'
import { httpFetch } from '../../src/llm/http-fetch.ts'

async function server (t: Test, handler: http.RequestListener) {
  const srv = http.createServer(handler)
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  t.teardown(() => { srv.closeAllConnections(); srv.close() })
  return `http://127.0.0.1:${(srv.address() as { port: number }).port}`
}

t.test('sends method, headers and body; returns status, headers and a readable body', async (t) => {
  let seen: { method?: string, auth?: string, body?: string } = {}
  const url = await server(t, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      seen = { method: req.method, auth: req.headers.authorization, body }
      res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'abc' })
      res.end('{"ok":true}')
    })
  })
  const res = await httpFetch(`${url}/v1/x`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"a":1}' })
  t.equal(res.status, 201)
  t.equal(res.headers.get('x-request-id'), 'abc')
  t.same(await res.json(), { ok: true })
  t.same(seen, { method: 'POST', auth: 'Bearer k', body: '{"a":1}' })
})

t.test('decodes a gzip body', async (t) => {
  const url = await server(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    res.end(gzipSync('{"zipped":true}'))
  })
  t.same(await (await httpFetch(url)).json(), { zipped: true })
})

t.test('a refused connection rejects like fetch: TypeError fetch failed with the cause', async (t) => {
  const url = await server(t, () => {})
  const port = new URL(url).port
  const free = `http://127.0.0.1:${Number(port) === 1 ? 2 : 1}`
  const err = await httpFetch(free).catch((e: unknown) => e) as TypeError & { cause: { code: string } }
  t.type(err, TypeError)
  t.equal(err.message, 'fetch failed')
  t.equal(err.cause.code, 'ECONNREFUSED')
})

t.test('aborting rejects with the abort reason and closes the connection mid-body', async (t) => {
  let markClosed = () => {}
  const closed = new Promise<void>((resolve) => { markClosed = resolve })
  const url = await server(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
    req.socket.on('close', () => markClosed())
  })
  const controller = new AbortController()
  const res = await httpFetch(url, { signal: controller.signal })
  const reader = res.body!.getReader()
  const first = await reader.read()
  t.match(new TextDecoder().decode(first.value), /data: one/)
  controller.abort()
  const err = await reader.read().catch((e: unknown) => e) as Error
  t.equal(err.name, 'AbortError')
  await closed
  t.pass('the server saw the connection close')

  const before = new AbortController()
  before.abort()
  const early = await httpFetch(url, { signal: before.signal }).catch((e: unknown) => e) as Error
  t.equal(early.name, 'AbortError')
})

/** Reads a body to its end; the error it ended with, or null. */
async function readError (res: Response): Promise<(TypeError & { cause?: { code?: string } }) | null> {
  const reader = res.body!.getReader()
  try {
    for (;;) if ((await reader.read()).done) return null
  } catch (err) {
    return err as TypeError & { cause?: { code?: string } }
  }
}

t.test('a body cut before its content-length ends in TypeError terminated, like fetch', async (t) => {
  const url = await server(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': '1000' })
    res.write('data: {"a":1}\n\n')
    setTimeout(() => res.socket?.destroySoon(), 20)
  })
  const err = await readError(await httpFetch(url))
  t.type(err, TypeError)
  t.equal(err?.message, 'terminated')
  t.equal(err?.cause?.code, 'ECONNRESET')
})

t.test('a chunked body reset mid-way ends in TypeError terminated; a close-delimited body ends normally', async (t) => {
  const url = await server(t, (req, res) => {
    if (req.url === '/reset') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {"a":1}\n\n')
      setTimeout(() => res.socket?.resetAndDestroy(), 20)
      return
    }
    res.useChunkedEncodingByDefault = false
    res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' })
    res.end('data: {"a":1}\n\n')
  })
  const err = await readError(await httpFetch(`${url}/reset`))
  t.equal(err?.message, 'terminated')
  t.equal(err?.cause?.code, 'ECONNRESET')
  t.equal(await readError(await httpFetch(`${url}/close`)), null, 'for HTTP the body is whole: the finish marker decides')
})
