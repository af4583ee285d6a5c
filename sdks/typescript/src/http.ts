// The request path: fetch with headers, timeout and AbortSignal, hooks, typed errors, retries with jittered backoff honouring Retry-After.
import { ConnectionError, RapportError, TimeoutError, errorFor } from './errors.js'

/** What a hook sees of a request: never the API key or an LLM key (those headers are added after the hooks). */
export interface RequestInfo {
  method: string
  url: string
  /** Headers to send; beforeRequest may add or change them (credentials are not listed here). */
  headers: Record<string, string>
  /** 0 for the first attempt, then 1, 2, … for retries. */
  attempt: number
  /** The Idempotency-Key sent with this call (the same on every retry), if any. */
  idempotencyKey?: string
}

export interface Hooks {
  /** Runs before every attempt; may change `request.headers`. */
  beforeRequest?: (request: RequestInfo) => void | Promise<void>
  /** Runs after every HTTP answer, successful or not (the body is not consumed). */
  afterResponse?: (request: RequestInfo, response: Response) => void | Promise<void>
  /** Runs on every failed attempt; `willRetry` says whether the SDK tries again. */
  onError?: (request: RequestInfo, error: RapportError, willRetry: boolean) => void | Promise<void>
}

/** Per-call options, accepted by every method as its last argument. */
export interface RequestOptions {
  /** Cancels the call (and any wait between retries). */
  signal?: AbortSignal
  /** Timeout of each attempt in ms (default: the client's). */
  timeout?: number
  /** Retries after a 429, a 5xx or a network failure (default: the client's). */
  maxRetries?: number
  /** Idempotency-Key for a turn (default: a fresh random key per call, reused on its retries). */
  idempotencyKey?: string
  /** Extra headers for this call. */
  headers?: Record<string, string>
}

export interface Transport {
  baseUrl: string
  timeout: number
  maxRetries: number
  hooks: Hooks
  fetch: typeof fetch
  /** The credential headers (X-API-Key, X-LLM-*), added after the hooks ran. */
  secretHeaders: () => Record<string, string>
}

export interface Call {
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string | boolean | undefined | null>
  body?: unknown
  idempotent?: boolean
  /** A stream: never retried, and the timeout covers only the wait for the response headers. */
  stream?: boolean
}

const MAX_RETRY_AFTER_S = 60
// A browser reports a refused cross-origin answer exactly like a network failure, so say so.
const IN_BROWSER = typeof (globalThis as { document?: unknown }).document !== 'undefined'
const BROWSER_HINT = ' (in a browser this is also how a CORS refusal looks: is this page\'s origin listed in the server\'s CORS_ORIGINS?)'

/** A random UUID v4 from getRandomValues (randomUUID needs a secure context in browsers). */
export function randomKey (): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Backoff before retry `n` (0-based): about 0.25–0.5 s, 0.5–1 s, 1–2 s, … (full jitter on the upper half). */
export function backoffMs (n: number): number {
  const base = 250 * 2 ** n
  return base + Math.random() * base
}

function parseRetryAfter (value: string | null): number | null {
  if (value === null) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    function onAbort () {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

async function readError (res: Response): Promise<RapportError> {
  let message = `HTTP ${res.status}`
  try {
    const body = await res.json() as { error?: { message?: unknown } }
    if (typeof body?.error?.message === 'string') message = body.error.message
  } catch {}
  return errorFor(res.status, message, parseRetryAfter(res.headers.get('retry-after')))
}

const retryable = (err: RapportError) => err.statusCode === 0 || err.statusCode === 429 || err.statusCode >= 500

function buildUrl (base: string, path: string, query: Call['query']): string {
  const url = `${base}/api/v1/sdk${path}`
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) params.set(k, String(v))
  const qs = params.toString()
  return qs ? `${url}?${qs}` : url
}

/**
 * Sends one call, retrying a 429, a 5xx or a network failure up to maxRetries times (never a stream),
 * and resolves to the successful Response. A turn carries one Idempotency-Key for all its attempts.
 */
export async function send (t: Transport, call: Call, opts: RequestOptions = {}): Promise<Response> {
  const maxRetries = call.stream ? 0 : (opts.maxRetries ?? t.maxRetries)
  const timeout = opts.timeout ?? t.timeout
  const idempotencyKey = call.idempotent ? (opts.idempotencyKey ?? randomKey()) : undefined
  const url = buildUrl(t.baseUrl, call.path, call.query)
  for (let attempt = 0; ; attempt++) {
    const info: RequestInfo = {
      method: call.method,
      url,
      headers: { 'content-type': 'application/json', accept: call.stream ? 'text/event-stream' : 'application/json', ...opts.headers },
      attempt
    }
    if (idempotencyKey) {
      info.idempotencyKey = idempotencyKey
      info.headers['idempotency-key'] = idempotencyKey
    }
    await t.hooks.beforeRequest?.(info)
    let error: RapportError
    const { signal, done, stopTimer, timedOut } = attemptSignal(timeout, opts.signal)
    try {
      const res = await t.fetch(url, {
        method: call.method,
        headers: { ...info.headers, ...t.secretHeaders() },
        body: call.method === 'POST' ? JSON.stringify(call.body ?? {}) : undefined,
        signal
      })
      await t.hooks.afterResponse?.(info, res)
      if (res.ok) {
        if (!call.stream) return await finish(res, done)
        // the caller's signal keeps cancelling the stream's body; only the timeout ends here
        stopTimer()
        return res
      }
      error = await readError(res)
      done()
    } catch (err) {
      done()
      if (opts.signal?.aborted) throw opts.signal.reason
      error = err instanceof RapportError
        ? err
        : timedOut()
          ? new TimeoutError(`Request timed out after ${timeout} ms`)
          : new ConnectionError(`Could not reach the server: ${(err as Error)?.message ?? String(err)}${IN_BROWSER ? BROWSER_HINT : ''}`)
    }
    const retryAfter = 'retryAfter' in error ? (error as { retryAfter: number | null }).retryAfter : null
    const willRetry = attempt < maxRetries && retryable(error) && (retryAfter === null || retryAfter <= MAX_RETRY_AFTER_S)
    await t.hooks.onError?.(info, error, willRetry)
    if (!willRetry) throw error
    await sleep(Math.max(backoffMs(attempt), (retryAfter ?? 0) * 1000), opts.signal)
  }
}

// The body is read inside the timeout: a successful non-stream answer is buffered before the attempt ends.
async function finish (res: Response, done: () => void): Promise<Response> {
  const body = await res.arrayBuffer()
  done()
  return new Response(body, { status: res.status, headers: res.headers })
}

/** A signal for one attempt: the caller's signal or the timeout, whichever comes first. */
function attemptSignal (timeout: number, outer?: AbortSignal) {
  const controller = new AbortController()
  let fired = false
  const timer = setTimeout(() => {
    fired = true
    controller.abort(new Error('timeout'))
  }, timeout)
  const onAbort = () => controller.abort(outer!.reason)
  if (outer?.aborted) controller.abort(outer.reason)
  else outer?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    timedOut: () => fired,
    stopTimer: () => clearTimeout(timer),
    done: () => {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    }
  }
}
