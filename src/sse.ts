// Server-sent events framing (SPEC §7): event lines, the heartbeat comment, and a writer over a hijacked reply.
import type { FastifyReply } from 'fastify'

/** Default interval of the heartbeat comment that keeps idle streams open through proxies. */
export const DEFAULT_HEARTBEAT_MS = 15_000

/** The heartbeat: an SSE comment line, ignored by clients. */
export const HEARTBEAT = ': ping\n\n'

/** One event: `event: <name>\ndata: <one-line JSON>\n\n` (JSON.stringify never emits a raw line break). */
export function formatEvent (name: string, data: unknown, serialized?: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`invalid SSE event name: ${name}`)
  const line = serialized ?? JSON.stringify(data)
  if (/[\r\n]/.test(line)) throw new Error('SSE data must be one line')
  return `event: ${name}\ndata: ${line}\n\n`
}

export interface SseWriter {
  /** Writes one event (data already serialized to one line of JSON, or any value to stringify). False once closed. */
  send: (name: string, data: unknown, serialized?: string) => boolean
  /** Resolves when the socket buffer has drained or the stream closed (call after send returned false from backpressure). */
  drained: () => Promise<void>
  /** Ends the response (idempotent); stops the heartbeat. */
  end: () => void
  /** True once the response ended or the client went away. */
  readonly closed: boolean
}

export interface SseOptions {
  /** Heartbeat interval in ms (default 15 s); 0 turns it off. */
  heartbeatMs?: number
}

/**
 * Takes over the reply and starts a `200 text/event-stream` response. Headers already set on the
 * reply (CORS, rate limit) are copied to the raw response, since a hijacked reply skips Fastify's
 * header writing.
 */
export function openSse (reply: FastifyReply, opts: SseOptions = {}): SseWriter {
  reply.hijack()
  const raw = reply.raw
  const headers: Record<string, string | number | string[]> = {}
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && name !== 'content-length') headers[name] = value as string | number | string[]
  }
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    connection: 'keep-alive'
  })
  raw.flushHeaders()

  let closed = false
  const heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
  const timer = heartbeatMs > 0 ? setInterval(() => write(HEARTBEAT), heartbeatMs) : null
  timer?.unref()

  function stop () {
    closed = true
    if (timer) clearInterval(timer)
  }
  raw.once('close', stop)

  function write (chunk: string): boolean {
    if (closed || raw.destroyed || raw.writableEnded) return false
    raw.write(chunk)
    return !raw.writableNeedDrain
  }

  return {
    send (name, data, serialized) {
      if (closed) return false
      return write(formatEvent(name, data, serialized))
    },
    drained () {
      if (closed || !raw.writableNeedDrain) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const done = () => {
          raw.off('drain', done)
          raw.off('close', done)
          resolve()
        }
        raw.on('drain', done)
        raw.on('close', done)
      })
    },
    end () {
      if (closed) return
      stop()
      raw.end()
    },
    get closed () { return closed || raw.destroyed }
  }
}
