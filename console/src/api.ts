// The console's HTTP client: the JWT and the session's LLM key as headers, the error envelope as ApiError, SSE parsing.
import type { StreamMetadata, ChatResponse } from './types.ts'

const BASE = '/api/v1'
const TOKEN_KEY = 'rapport.console.token'
const LLM_KEY = 'rapport.console.llm'

export class ApiError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

let token: string | null = localStorage.getItem(TOKEN_KEY)
let onUnauthorized: () => void = () => {}

export const auth = {
  get token () { return token },
  set (value: string | null) {
    token = value
    if (value === null) localStorage.removeItem(TOKEN_KEY)
    else localStorage.setItem(TOKEN_KEY, value)
  },
  onUnauthorized (fn: () => void) { onUnauthorized = fn }
}

export interface LlmSettings { apiKey: string, model: string }

/** The LLM key and model: kept in sessionStorage (this tab only), sent only as X-LLM-* headers. */
export const llm = {
  get (): LlmSettings {
    try {
      const parsed = JSON.parse(sessionStorage.getItem(LLM_KEY) ?? '{}') as Partial<LlmSettings>
      return { apiKey: parsed.apiKey ?? '', model: parsed.model ?? '' }
    } catch { return { apiKey: '', model: '' } }
  },
  set (value: LlmSettings) {
    if (value.apiKey === '' && value.model === '') sessionStorage.removeItem(LLM_KEY)
    else sessionStorage.setItem(LLM_KEY, JSON.stringify(value))
  }
}

function headers (withBody: boolean, withLlm: boolean): Record<string, string> {
  const h: Record<string, string> = {}
  if (withBody) h['content-type'] = 'application/json'
  if (token) h.authorization = `Bearer ${token}`
  if (withLlm) {
    const { apiKey, model } = llm.get()
    if (apiKey) h['x-llm-api-key'] = apiKey
    if (model) h['x-llm-model'] = model
  }
  return h
}

async function failure (res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`
  try {
    const body = await res.json() as { error?: { message?: string } }
    if (body.error?.message) message = body.error.message
  } catch { /* not JSON: keep the status line */ }
  // a 401 about the LLM key (the provider refused it) is not a reason to sign out
  if (res.status === 401 && token && !/LLM/.test(message)) onUnauthorized()
  return new ApiError(res.status, message)
}

export interface CallOptions { llm?: boolean, signal?: AbortSignal }

/** One JSON call; throws ApiError with the envelope's message. */
export async function call<T> (method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  const res = await fetch(BASE + path, {
    method,
    headers: headers(body !== undefined, opts.llm === true),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: opts.signal
  })
  if (!res.ok) throw await failure(res)
  if (res.status === 204) return undefined as T
  return await res.json() as T
}

export interface StreamHandlers {
  metadata: (m: StreamMetadata) => void
  delta: (text: string) => void
}

/** POST …/message/stream: calls the handlers as events arrive and resolves with the done event's ChatResponse. */
export async function streamMessage (path: string, body: unknown, on: StreamHandlers, signal?: AbortSignal): Promise<ChatResponse> {
  const res = await fetch(BASE + path, { method: 'POST', headers: headers(true, true), body: JSON.stringify(body), signal })
  if (!res.ok || res.body === null) throw await failure(res)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      let data = ''
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data += line.slice(5).trim()
      }
      if (data === '') continue
      const payload = JSON.parse(data)
      if (event === 'metadata') on.metadata(payload as StreamMetadata)
      else if (event === 'text_delta') on.delta((payload as { text: string }).text)
      else if (event === 'done') return payload as ChatResponse
      else if (event === 'error') throw new ApiError(500, (payload as { error: { message: string } }).error.message)
    }
  }
  throw new ApiError(500, 'The stream ended before the turn completed; nothing was committed')
}

/** A UUID v4 that also works outside secure contexts (crypto.randomUUID needs https or loopback). */
export function uuid (): string {
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
