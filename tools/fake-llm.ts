// A real local HTTP server speaking the OpenAI chat-completions and Anthropic messages wire protocols, scriptable per test.
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'

export type FakeProvider = 'openai' | 'anthropic'

/** One request as the fake understood it. */
export interface FakeRequest {
  provider: FakeProvider
  method: string
  path: string
  /** 'chat' for a generation, 'models' for a model list. */
  kind: 'chat' | 'models'
  model: string | null
  /** System prompt (OpenAI system/developer messages joined, or Anthropic's `system`). */
  system: string
  /** The conversation without the system prompt, content flattened to text. */
  messages: { role: string, content: string }[]
  stream: boolean
  /** True when the client asked for JSON output (response_format, a forced tool or output_format). */
  jsonMode: boolean
  body: any
  headers: IncomingHttpHeaders
  /** True once the client went away before the response finished (an aborted call). */
  aborted: boolean
  /** Resolves when the response has closed, finished or aborted. */
  closed: Promise<void>
}

/** What the fake answers to one request. */
export interface FakeScript {
  /** Full reply text (default 'Hello from the fake LLM.'). */
  text?: string
  /** Explicit stream chunks (default: the text split after each space). */
  chunks?: string[]
  /** An object to answer with, serialized as the reply text. */
  json?: unknown
  /** HTTP error status, answered in the provider's own error format. */
  status?: number
  errorMessage?: string
  /** Seconds, sent as the `retry-after` header (with a 429). */
  retryAfter?: number
  /** Delay before the response headers. */
  delayMs?: number
  /** Delay after the headers (and stream preamble) before the first text chunk. */
  firstTokenDelayMs?: number
  /** Delay between text chunks. */
  chunkDelayMs?: number
  /** Destroy the socket after this many text chunks (non-streaming: after part of the body). */
  cutAfterChunks?: number
  /** Send an invalid JSON body (non-streaming) or invalid SSE data (streaming). */
  malformed?: boolean
  /**
   * End the response early, after `cutAfterChunks` text chunks (default: all of them), without the finish marker:
   * 'clean' ends the response properly (stream: no finish chunk, `[DONE]` or `message_stop`; non-streaming: the
   * partial text with a null finish reason); 'close' sends the stream without length or chunked encoding (the
   * body ends with the connection) and closes it there; 'content-length' declares the whole body's length (no
   * chunked encoding) and closes the connection mid-body; 'reset' resets the connection of a chunked response.
   */
  truncate?: 'clean' | 'close' | 'content-length' | 'reset'
  /** Finish reason sent instead of the normal one (OpenAI `finish_reason`, Anthropic `stop_reason`). */
  finishReason?: string
  usage?: { prompt_tokens?: number, completion_tokens?: number }
}

/**
 * A latency model applied to every answer whose script sets no chunks or delays of its own: the text
 * goes out token by token (a token ≈ a word with its leading space, or a run of punctuation), the
 * first after `firstTokenMs`, then one every `perTokenMs`; a non-streamed answer arrives whole after
 * the time its last token would have taken.
 */
export interface FakeLatency {
  firstTokenMs: number
  perTokenMs: number
}

/** The latency model's tokens: words with their leading whitespace, runs of punctuation. */
export function fakeTokens (text: string): string[] {
  const tokens = text.match(/\s*\w+|\s*[^\w\s]+|\s+/g) ?? []
  return tokens.length > 0 ? tokens : [text]
}

/** Picks the script of a request; a promise holds the response until it resolves (nothing is sent to a client that went away meanwhile). */
export type FakeHandler = (req: FakeRequest) => FakeScript | Promise<FakeScript>
export type FakeScriptOrHandler = FakeScript | FakeHandler

export interface FakeLlm {
  /** Base URL, e.g. http://127.0.0.1:PORT; OpenAI lives under /openai/v1, Anthropic under /anthropic/v1. */
  url: string
  /** Every parsed request, in arrival order. */
  requests: FakeRequest[]
  /** Requests whose client went away before the response finished. */
  readonly aborted: number
  /** Push a one-shot script (or handler), used by the next request. */
  enqueue: (script: FakeScriptOrHandler) => void
  /** Set the fallback used when the queue is empty. */
  setDefault: (script: FakeScriptOrHandler) => void
  /** Resolves once `aborted` reaches `count` (rejects after `timeoutMs`). */
  waitForAborted: (count?: number, timeoutMs?: number) => Promise<void>
  /** Clear requests, queue, default and counters. */
  reset: () => void
  close: () => Promise<void>
}

const DEFAULT_SCRIPT: FakeScript = { text: 'Hello from the fake LLM.' }

function flatten (content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content.map((part) => typeof part === 'string' ? part : (part?.text ?? '')).join('')
  }
  return ''
}

function estimateTokens (text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

function splitChunks (text: string): string[] {
  const parts = text.split(/(?<= )/).filter((p) => p.length > 0)
  return parts.length > 0 ? parts : [text]
}

function parseRequest (provider: FakeProvider, kind: 'chat' | 'models', req: IncomingMessage, path: string, body: any): Omit<FakeRequest, 'aborted' | 'closed'> {
  let system = ''
  let messages: { role: string, content: string }[] = []
  let jsonMode = false
  if (kind === 'chat' && provider === 'openai') {
    const all: any[] = Array.isArray(body?.messages) ? body.messages : []
    system = all.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => flatten(m.content)).join('\n')
    messages = all.filter((m) => m.role !== 'system' && m.role !== 'developer').map((m) => ({ role: m.role, content: flatten(m.content) }))
    jsonMode = body?.response_format?.type === 'json_object' || body?.response_format?.type === 'json_schema'
  } else if (kind === 'chat') {
    system = flatten(body?.system)
    messages = (Array.isArray(body?.messages) ? body.messages : []).map((m: any) => ({ role: m.role, content: flatten(m.content) }))
    jsonMode = body?.tool_choice?.type === 'tool' || body?.output_format != null || body?.output_config?.format != null
  }
  return {
    provider,
    method: req.method ?? 'GET',
    path,
    kind,
    model: typeof body?.model === 'string' ? body.model : null,
    system,
    messages,
    stream: body?.stream === true,
    jsonMode,
    body,
    headers: req.headers
  }
}

function errorBody (provider: FakeProvider, status: number, message: string) {
  if (provider === 'anthropic') {
    const type = status === 401
      ? 'authentication_error'
      : status === 403
        ? 'permission_error'
        : status === 404
          ? 'not_found_error'
          : status === 429
            ? 'rate_limit_error'
            : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error'
    return { type: 'error', error: { type, message } }
  }
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error'
  const code = status === 401 ? 'invalid_api_key' : status === 404 ? 'model_not_found' : status === 429 ? 'rate_limit_exceeded' : null
  return { error: { message, type, param: null, code } }
}

function defaultErrorMessage (status: number, req: FakeRequest): string {
  if (status === 401) return 'Incorrect API key provided.'
  if (status === 429) return 'Rate limit reached for requests.'
  if (status === 400 || status === 404) return `The model \`${req.model ?? ''}\` does not exist or you do not have access to it.`
  return 'The server had an error while processing your request.'
}

/**
 * Start the fake LLM provider on 127.0.0.1 (random port).
 * Script it with `enqueue` / `setDefault`; inspect `requests` and `aborted`.
 */
export async function startFakeLlm (options: { latency?: FakeLatency } = {}): Promise<FakeLlm> {
  const latency = options.latency
  const queue: FakeScriptOrHandler[] = []
  let fallback: FakeScriptOrHandler = DEFAULT_SCRIPT
  const requests: FakeRequest[] = []
  let aborted = 0
  const abortWaiters = new Set<() => void>()
  let seq = 0

  function noteAborted () {
    aborted++
    for (const wake of abortWaiters) wake()
  }

  async function handle (req: IncomingMessage, res: ServerResponse) {
    let finishedByServer = false
    let closed = false
    let parsed: FakeRequest | null = null
    // Delays end early when the connection goes away, so no timer outlives its request.
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()))
    res.on('close', () => {
      closed = true
      if (!res.writableFinished && !finishedByServer) {
        if (parsed !== null) parsed.aborted = true
        noteAborted()
      }
    })
    const sleep = (ms: number) => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      gone.then(() => {
        clearTimeout(timer)
        resolve()
      }, resolve)
    })

    const raw: Buffer[] = []
    for await (const chunk of req) raw.push(chunk as Buffer)
    const path = (req.url ?? '/').split('?')[0]
    let body: any = null
    if (raw.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(raw).toString('utf8'))
      } catch {
        body = null
      }
    }

    let provider: FakeProvider
    let kind: 'chat' | 'models'
    if (req.method === 'POST' && /^(\/openai)?\/v1\/chat\/completions$/.test(path)) {
      provider = 'openai'
      kind = 'chat'
    } else if (req.method === 'GET' && /^(\/openai)?\/v1\/models$/.test(path)) {
      provider = 'openai'
      kind = 'models'
    } else if (req.method === 'POST' && /^(\/anthropic)?\/v1\/messages$/.test(path)) {
      provider = 'anthropic'
      kind = 'chat'
    } else if (req.method === 'GET' && /^\/anthropic\/v1\/models$/.test(path)) {
      provider = 'anthropic'
      kind = 'models'
    } else {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: `Unknown fake route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null } }))
      return
    }

    parsed = { ...parseRequest(provider, kind, req, path, body), aborted: closed, closed: gone }
    requests.push(parsed)
    const next = queue.shift() ?? fallback
    const script = typeof next === 'function' ? await next(parsed) : next
    if (closed) return

    if (script.delayMs) await sleep(script.delayMs)
    if (closed) return

    if (script.status != null && script.status >= 400) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (script.retryAfter != null) headers['retry-after'] = String(script.retryAfter)
      res.writeHead(script.status, headers)
      res.end(JSON.stringify(errorBody(provider, script.status, script.errorMessage ?? defaultErrorMessage(script.status, parsed))))
      return
    }

    if (kind === 'models') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(provider === 'openai'
        ? { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'fake' }] }
        : { data: [{ type: 'model', id: 'claude-3-5-haiku-latest', display_name: 'Claude', created_at: '2024-01-01T00:00:00Z' }], has_more: false, first_id: null, last_id: null }))
      return
    }

    const text = script.json !== undefined ? JSON.stringify(script.json) : (script.text ?? (script.chunks ? script.chunks.join('') : DEFAULT_SCRIPT.text!))
    // The latency model times only scripts that do not time themselves.
    const timed = latency !== undefined && script.chunks === undefined && script.firstTokenDelayMs === undefined && script.chunkDelayMs === undefined
    const chunks = script.chunks ?? (timed ? fakeTokens(text) : splitChunks(text))
    const firstTokenDelayMs = timed ? latency.firstTokenMs : script.firstTokenDelayMs
    const chunkDelayMs = timed ? latency.perTokenMs : script.chunkDelayMs
    const promptText = parsed.system + parsed.messages.map((m) => m.content).join('')
    const usage = {
      prompt_tokens: script.usage?.prompt_tokens ?? estimateTokens(promptText),
      completion_tokens: script.usage?.completion_tokens ?? (timed ? chunks.length : estimateTokens(text))
    }
    const model = parsed.model ?? 'fake-model'
    const id = `fake-${++seq}`

    const cut = () => {
      finishedByServer = true
      // Flush what was written, then close the connection without finishing the response.
      res.socket?.destroySoon()
    }
    // A reset right after a write can overtake the data; the pause lets the client read what was sent first.
    const reset = () => {
      finishedByServer = true
      const socket = res.socket
      setTimeout(() => { if (socket && !socket.destroyed) socket.resetAndDestroy() }, 20)
    }

    if (!parsed.stream) {
      const wholeDelayMs = (firstTokenDelayMs ?? 0) + (timed ? (chunks.length - 1) * latency.perTokenMs : 0)
      if (wholeDelayMs > 0) await sleep(wholeDelayMs)
      if (closed) return
      const clean = script.truncate === 'clean' || script.truncate === 'close'
      const replyText = clean ? chunks.slice(0, script.cutAfterChunks ?? chunks.length).join('') : text
      const payload = provider === 'openai'
        ? {
            id: `chatcmpl-${id}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: replyText, refusal: null }, logprobs: null, finish_reason: clean ? null : (script.finishReason ?? 'stop') }],
            usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }
          }
        : {
            id: `msg_${id}`,
            type: 'message',
            role: 'assistant',
            model,
            content: [{ type: 'text', text: replyText }],
            stop_reason: clean ? null : (script.finishReason ?? 'end_turn'),
            stop_sequence: null,
            usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens }
          }
      const json = script.malformed ? '{"id": "broken", "choices": [' : JSON.stringify(payload)
      if (script.truncate === 'reset') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write(json.slice(0, Math.floor(json.length / 2)))
        reset()
        return
      }
      if ((script.cutAfterChunks != null && script.truncate === undefined) || script.truncate === 'content-length') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) })
        res.write(json.slice(0, Math.floor(json.length / 2)))
        setImmediate(cut)
        return
      }
      if (script.truncate === 'close') res.useChunkedEncodingByDefault = false
      res.writeHead(200, { 'content-type': 'application/json', ...(script.truncate === 'close' ? { connection: 'close' } : {}) })
      res.end(json)
      return
    }

    const frame = (event: string | null, data: unknown) => {
      const line = typeof data === 'string' ? data : JSON.stringify(data)
      return event ? `event: ${event}\ndata: ${line}\n\n` : `data: ${line}\n\n`
    }
    const send = (event: string | null, data: unknown) => {
      if (!closed) res.write(frame(event, data))
    }
    const created = Math.floor(Date.now() / 1000)
    const openaiChunk = (delta: object, finishReason: string | null = null) => ({
      id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }]
    })
    const preamble: [string | null, unknown][] = provider === 'openai'
      ? [[null, openaiChunk({ role: 'assistant', content: '' })]]
      : [
          ['message_start', {
            type: 'message_start',
            message: { id: `msg_${id}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.prompt_tokens, output_tokens: 1 } }
          }],
          ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }]
        ]
    const delta = (text: string): [string | null, unknown] => provider === 'openai'
      ? [null, openaiChunk({ content: text })]
      : ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }]
    const finish: [string | null, unknown][] = provider === 'openai'
      ? [
          [null, openaiChunk({}, script.finishReason ?? 'stop')],
          ...(body?.stream_options?.include_usage === true
            ? [[null, { id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }] as [null, unknown]]
            : []),
          [null, '[DONE]']
        ]
      : [
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
          ['message_delta', { type: 'message_delta', delta: { stop_reason: script.finishReason ?? 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.completion_tokens } }],
          ['message_stop', { type: 'message_stop' }]
        ]

    const headers: Record<string, string> = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' }
    if (script.truncate === 'content-length') {
      // The whole stream's length, declared up front: the body is sent without chunked encoding.
      const whole = [...preamble, ...chunks.map(delta), ...finish].map(([e, d]) => frame(e, d)).join('')
      headers['content-length'] = String(Buffer.byteLength(whole))
    } else if (script.truncate === 'close') {
      // HTTP/1.0 framing: no length, no chunks; the body is whatever arrives before the connection closes.
      res.useChunkedEncodingByDefault = false
      headers.connection = 'close'
    }
    res.writeHead(200, headers)
    for (const [event, data] of preamble) send(event, data)

    if (firstTokenDelayMs) await sleep(firstTokenDelayMs)
    if (script.malformed) {
      send(provider === 'anthropic' ? 'content_block_delta' : null, '{"this is": not json')
    }
    const truncateAt = script.truncate ? (script.cutAfterChunks ?? chunks.length) : script.cutAfterChunks
    const endEarly = () => {
      if (script.truncate === 'clean' || script.truncate === 'close') {
        finishedByServer = true
        res.end()
      } else if (script.truncate === 'reset') {
        reset()
      } else {
        cut()
      }
    }
    for (let i = 0; i < chunks.length; i++) {
      if (closed) return
      if (truncateAt != null && i >= truncateAt) {
        endEarly()
        return
      }
      if (i > 0 && chunkDelayMs) await sleep(chunkDelayMs)
      if (closed) return
      send(...delta(chunks[i]))
    }
    if (truncateAt != null && truncateAt <= chunks.length) {
      endEarly()
      return
    }
    if (closed) return
    for (const [event, data] of finish) send(event, data)
    res.end()
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: `fake LLM failure: ${err.message}`, type: 'server_error' } }))
      } else {
        res.destroy()
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get aborted () { return aborted },
    enqueue (script) { queue.push(script) },
    setDefault (script) { fallback = script },
    waitForAborted (count = 1, timeoutMs = 5000) {
      if (aborted >= count) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          abortWaiters.delete(check)
          reject(new Error(`fake LLM: expected ${count} aborted request(s), saw ${aborted}`))
        }, timeoutMs)
        function check () {
          if (aborted >= count) {
            clearTimeout(timer)
            abortWaiters.delete(check)
            resolve()
          }
        }
        abortWaiters.add(check)
      })
    },
    reset () {
      queue.length = 0
      requests.length = 0
      fallback = DEFAULT_SCRIPT
      aborted = 0
    },
    async close () {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}
