// LlmError and the mapping of provider/library failures to Rapport's LLM status codes and scrubbed messages.
import { APICallError, RetryError } from 'ai'

export type LlmErrorStatus = 400 | 401 | 429 | 500

export type LlmErrorCode =
  | 'RAPPORT_LLM_KEY_MISSING'
  | 'RAPPORT_LLM_KEY_REJECTED'
  | 'RAPPORT_LLM_RATE_LIMITED'
  | 'RAPPORT_LLM_REQUEST_REJECTED'
  | 'RAPPORT_LLM_UNKNOWN_PROVIDER'
  | 'RAPPORT_LLM_PROVIDER_ERROR'
  | 'RAPPORT_LLM_TIMEOUT'
  | 'RAPPORT_LLM_ABORTED'

export const KEY_REJECTED_MESSAGE = 'The LLM provider rejected the LLM API key (X-LLM-API-Key)'

const DEFAULT_CODES: Record<LlmErrorStatus, LlmErrorCode> = {
  400: 'RAPPORT_LLM_REQUEST_REJECTED',
  401: 'RAPPORT_LLM_KEY_REJECTED',
  429: 'RAPPORT_LLM_RATE_LIMITED',
  500: 'RAPPORT_LLM_PROVIDER_ERROR'
}

/** A failure of an LLM call, already mapped to the status code and message the API answers with. */
export class LlmError extends Error {
  readonly statusCode: LlmErrorStatus
  readonly code: LlmErrorCode
  /** Seconds the provider asked to wait (429 only). */
  readonly retryAfter?: number

  constructor (statusCode: LlmErrorStatus, message: string, opts: { code?: LlmErrorCode, retryAfter?: number } = {}) {
    super(message)
    this.name = 'LlmError'
    this.statusCode = statusCode
    this.code = opts.code ?? DEFAULT_CODES[statusCode]
    if (opts.retryAfter !== undefined) this.retryAfter = opts.retryAfter
  }
}

/**
 * An answer the provider ended without its finish marker (a stream closed cleanly halfway): a provider
 * failure like a dropped connection, worth the one retry, never a complete answer (SPEC §5).
 */
export class CutShortError extends Error {
  constructor () {
    super('The provider ended the answer without its finish marker')
    this.name = 'CutShortError'
  }
}

// Shapes of well-known provider keys, scrubbed even when the caller did not tell us the key.
const KEY_PATTERNS = [
  /\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g,
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g,
  /\bgsk_[A-Za-z0-9]{8,}/g,
  /\bxai-[A-Za-z0-9]{8,}/g,
  /\bAIza[A-Za-z0-9_-]{20,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi
]

/**
 * Remove every occurrence of the given secrets and anything shaped like a provider key,
 * collapse whitespace and bound the length.
 */
export function scrub (text: string, secrets: readonly string[] = [], maxLength = 300): string {
  let out = text
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, '[redacted]')
  out = out.replace(/\s+/g, ' ').trim()
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out
}

/** Parse a Retry-After (or retry-after-ms) header into whole seconds. */
export function parseRetryAfter (headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined
  const find = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1]
  const ms = find('retry-after-ms')
  if (ms != null && Number.isFinite(Number(ms))) return Math.max(0, Math.ceil(Number(ms) / 1000))
  const value = find('retry-after')
  if (value == null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(value)
  if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000))
  return undefined
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'
])

function unwrap (err: unknown): unknown {
  return RetryError.isInstance(err) ? (err.lastError ?? err) : err
}

/** True for a failure to reach the provider or a dropped connection (fetch "terminated", ECONNRESET, …). */
export function isNetworkError (err: unknown): boolean {
  let current: unknown = unwrap(err)
  for (let depth = 0; depth < 5 && current != null; depth++) {
    if (APICallError.isInstance(current) && current.statusCode == null) return true
    const e = current as { code?: unknown, message?: unknown, name?: unknown, cause?: unknown }
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true
    if (e.name === 'TypeError' && (e.message === 'terminated' || e.message === 'fetch failed')) return true
    current = e.cause
  }
  return false
}

/** Network errors and provider 5xx are worth one retry; 4xx and 429 never are. */
export function isRetryable (err: unknown): boolean {
  const e = unwrap(err)
  if (e instanceof CutShortError) return true
  if (APICallError.isInstance(e) && e.statusCode != null && e.statusCode >= 400) return e.statusCode >= 500
  return isNetworkError(e)
}

function isAbort (err: unknown): boolean {
  const e = err as { name?: unknown } | null
  return e?.name === 'AbortError' || e?.name === 'TimeoutError'
}

const NETWORK_FAILURE = () => new LlmError(500, 'LLM provider error: could not reach the provider or the connection was interrupted')

function providerMessage (err: APICallError): string {
  return err.message || `status ${err.statusCode}`
}

/**
 * Map anything thrown by a provider call (AI SDK APICallError, fetch failures, parse failures, …)
 * to an LlmError. `secrets` (the API keys used) are scrubbed from any provider text passed on.
 */
export function mapProviderError (err: unknown, secrets: readonly string[] = []): LlmError {
  if (err instanceof LlmError) return err
  const e = unwrap(err)
  if (e instanceof LlmError) return e
  if (e instanceof CutShortError) return new LlmError(500, 'LLM provider error: the answer was cut short (no finish marker)')
  if (APICallError.isInstance(e) && e.statusCode != null) {
    const status = e.statusCode
    // A 2xx whose body broke off or could not be parsed (the SDK reports it as an APICallError with that status).
    if (status < 400 && isNetworkError(e)) return NETWORK_FAILURE()
    if (status < 400) return new LlmError(500, 'LLM provider error: the provider sent an invalid response')
    if (status === 401 || status === 403) return new LlmError(401, KEY_REJECTED_MESSAGE)
    if (status === 429) {
      return new LlmError(429, 'The LLM provider rate-limited the request; retry later', { retryAfter: parseRetryAfter(e.responseHeaders) })
    }
    if (status === 408) return new LlmError(500, 'LLM provider error: timed out', { code: 'RAPPORT_LLM_TIMEOUT' })
    if (status >= 400 && status < 500) {
      return new LlmError(400, `The LLM provider rejected the request: ${scrub(providerMessage(e), secrets, 200)}`)
    }
    return new LlmError(500, `LLM provider error: the provider answered ${status}`)
  }
  if (isNetworkError(e)) return NETWORK_FAILURE()
  if (isAbort(e)) return new LlmError(500, 'LLM provider error: the request was aborted', { code: 'RAPPORT_LLM_ABORTED' })
  const name = (e as { name?: unknown } | null)?.name
  if (typeof name === 'string' && /JSONParse|TypeValidation|InvalidResponseData|EmptyResponseBody|NoContentGenerated/.test(name)) {
    return new LlmError(500, 'LLM provider error: the provider sent an invalid response')
  }
  return new LlmError(500, 'LLM provider error: unexpected failure')
}
