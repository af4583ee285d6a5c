// A fetch for provider calls built on node:http(s) with keep-alive agents: the same contract the AI SDK
// needs (status, headers, a streamed body, abort), at a fraction of the global fetch's per-call cost.
import http from 'node:http'
import https from 'node:https'
import { PassThrough, Readable } from 'node:stream'
import type { Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 512 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 512 })
}

function abortError (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

function toHeaderObject (init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  new Headers(init).forEach((value, name) => { out[name] = value })
  return out
}

function decoder (res: http.IncomingMessage): Transform {
  switch (String(res.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip': return createGunzip()
    case 'deflate': return createInflate()
    case 'br': return createBrotliDecompress()
    default: return new PassThrough()
  }
}

/**
 * fetch(url, init) over node:http(s). Network failures reject like the global fetch does
 * (`TypeError('fetch failed')` with the cause), and a body that breaks off (closed before its length,
 * reset, or any request error once the headers arrived) errors its reader with `TypeError('terminated')`,
 * so the AI SDK and our error mapping see the same shapes and never take a cut body for a whole one.
 */
export const httpFetch = async function httpFetch (input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (input instanceof Request) return fetch(input, init)
  const url = new URL(String(input))
  const signal = init.signal ?? undefined
  if (signal?.aborted) throw abortError(signal)
  const mod = url.protocol === 'https:' ? https : http
  const agent = agents[url.protocol as 'http:' | 'https:']
  if (agent === undefined) return fetch(input, init)
  const body = init.body
  if (body != null && typeof body !== 'string' && !(body instanceof Uint8Array)) return fetch(input, init)

  return new Promise<Response>((resolve, reject) => {
    let bodyStream: Readable | null = null
    let requestError: Error | undefined
    const req = mod.request(url, { method: init.method ?? 'GET', headers: toHeaderObject(init.headers), agent }, (res) => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v)
        else if (value !== undefined) headers.set(name, value)
      }
      const status = res.statusCode ?? 500
      const stream = res.pipe(decoder(res))
      bodyStream = stream
      // Node ends a response the connection dropped with a bare 'aborted'; name it the way fetch does.
      res.on('error', (err) => stream.destroy(new TypeError('terminated', { cause: requestError ?? err })))
      // A reader that cancels the body must not leave the connection half-read.
      stream.once('close', () => { if (!res.complete) res.destroy() })
      const empty = status === 204 || status === 304 || init.method === 'HEAD'
      if (empty) res.resume()
      resolve(new Response(empty ? null : Readable.toWeb(stream) as ReadableStream, { status, statusText: res.statusMessage, headers }))
    })
    // Once the body is streaming, the abort reason must reach its reader (not a bare ECONNRESET).
    const onAbort = () => {
      const reason = abortError(signal!) as Error
      bodyStream?.destroy(reason)
      req.destroy(reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    req.once('close', () => signal?.removeEventListener('abort', onAbort))
    req.on('error', (err) => {
      requestError = err
      if (signal?.aborted) reject(abortError(signal))
      else reject(new TypeError('fetch failed', { cause: err }))
      // After the headers the promise is settled: the error must reach the body's reader instead.
      if (bodyStream !== null && !bodyStream.destroyed && !bodyStream.readableEnded) {
        bodyStream.destroy(signal?.aborted ? abortError(signal) as Error : new TypeError('terminated', { cause: err }))
      }
    })
    req.end(body ?? undefined)
  })
} as typeof fetch
