// httpFetch beyond the provider's main path: what it hands to the global fetch, encodings, bodiless answers, cancelled bodies, listeners.
import t, { type Test } from 'tap'
import http from 'node:http'
import { getEventListeners, once } from 'node:events'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { httpFetch } from '../../src/llm/http-fetch.ts'

async function server (t: Test, handler: http.RequestListener) {
  const srv = http.createServer(handler)
  let connections = 0
  srv.on('connection', () => { connections++ })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  t.teardown(() => { srv.closeAllConnections(); srv.close() })
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, connections: () => connections }
}

/** Answers with the request's method, content type and body. */
const echo: http.RequestListener = (req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (d) => { body += d })
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? null, body }))
  })
}

t.test('without a method it is a GET with no body; a Uint8Array body is sent as is', async (t) => {
  const { url } = await server(t, echo)
  t.same(await (await httpFetch(url)).json(), { method: 'GET', type: null, body: '' })
  t.same(await (await httpFetch(url, { method: 'PUT', body: new TextEncoder().encode('bytes ok') })).json(), { method: 'PUT', type: null, body: 'bytes ok' })
})

t.test('a Request object, another body type or another protocol is left to the global fetch', async (t) => {
  const { url } = await server(t, echo)
  t.same(await (await httpFetch(new Request(url, { method: 'POST', body: 'from a Request' }))).json(), { method: 'POST', type: 'text/plain;charset=UTF-8', body: 'from a Request' })
  t.same(await (await httpFetch(url, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) })).json(),
    { method: 'POST', type: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'a=1&b=two' })
  t.equal(await (await httpFetch('data:text/plain,hello%20data')).text(), 'hello data')
})

t.test('an https URL is spoken to in TLS (a plain HTTP server cannot answer it)', async (t) => {
  const { url } = await server(t, echo)
  const err = await httpFetch(url.replace('http:', 'https:')).catch((e: unknown) => e) as TypeError & { cause: { code?: string } }
  t.type(err, TypeError)
  t.equal(err.message, 'fetch failed')
  t.match(String(err.cause?.code), /SSL|EPROTO/)
})

t.test('deflate, brotli and upper-case encodings are decoded; an unknown encoding is passed through', async (t) => {
  const bodies: Record<string, [string, Buffer]> = {
    '/deflate': ['deflate', deflateSync('{"via":"deflate"}')],
    '/br': ['br', brotliCompressSync('{"via":"br"}')],
    '/upper': ['GZIP', gzipSync('{"via":"GZIP"}')],
    '/plain': ['identity', Buffer.from('{"via":"identity"}')]
  }
  const { url } = await server(t, (req, res) => {
    const [encoding, body] = bodies[req.url!]
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding })
    res.end(body)
  })
  for (const [path, [encoding]] of Object.entries(bodies)) {
    t.same(await (await httpFetch(`${url}${path}`)).json(), { via: encoding }, path)
  }
})

t.test('repeated response headers are all kept', async (t) => {
  const { url } = await server(t, (_req, res) => {
    res.setHeader('set-cookie', ['a=1', 'b=2'])
    res.setHeader('x-one', 'single')
    res.end('ok')
  })
  const res = await httpFetch(url)
  t.same(res.headers.getSetCookie(), ['a=1', 'b=2'])
  t.equal(res.headers.get('x-one'), 'single')
  t.equal(res.statusText, 'OK')
})

t.test('204, 304 and HEAD answers have no body', async (t) => {
  const { url } = await server(t, (req, res) => {
    const status = req.url === '/204' ? 204 : req.url === '/304' ? 304 : 200
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end()
  })
  for (const [path, method] of [['/204', 'GET'], ['/304', 'GET'], ['/head', 'HEAD']]) {
    const res = await httpFetch(`${url}${path}`, { method })
    t.equal(res.body, null, `${method} ${path}`)
  }
})

t.test('a reader that cancels the body closes the connection', async (t) => {
  let markClosed = () => {}
  const closed = new Promise<void>((resolve) => { markClosed = resolve })
  const { url } = await server(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
    req.socket.on('close', () => markClosed())
  })
  const res = await httpFetch(url)
  const reader = res.body!.getReader()
  t.ok((await reader.read()).value)
  await reader.cancel()
  await closed
})

t.test('an already aborted signal rejects with its reason and sends nothing', async (t) => {
  const { url, connections } = await server(t, echo)
  const reason = new Error('stop right there')
  await t.rejects(httpFetch(url, { signal: AbortSignal.abort(reason) }), reason)
  t.equal(connections(), 0)
})

t.test('a finished call leaves no listener on the signal', async (t) => {
  const { url } = await server(t, echo)
  const controller = new AbortController()
  const res = await httpFetch(url, { method: 'POST', body: 'x', signal: controller.signal })
  await res.json()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(getEventListeners(controller.signal, 'abort'), [])
})
