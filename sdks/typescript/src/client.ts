// The Rapport client: options, credential headers, the persona-list cache and the resources of SPEC §9.
import { send, type Call, type Hooks, type RequestOptions, type Transport } from './http.js'
import { MessageStream } from './stream.js'
import type {
  ChatHistory, ChatResponse, HistoryQuery, InitSessionBody, KeyValidation, MachineInfo, MessageBody, PlayerGender, ResetResponse,
  SdkPersona, SessionInit, SessionStatus, TurnHeaderName, ValidateKeyBody
} from './types.js'

export interface RapportOptions {
  /** SDK API key (`pk_live_…`), sent as X-API-Key. */
  apiKey: string
  /** Server origin, e.g. `https://rapport.example.com` (the SDK appends `/api/v1/sdk/…`). Default `http://localhost:3000`. */
  baseUrl?: string
  /** Timeout of each attempt in ms (default 30 000). */
  timeout?: number
  /** Retries after a 429, a 5xx or a network failure (default 3). Streams are never retried. */
  maxRetries?: number
  /** LLM provider key for every step (X-LLM-API-Key). */
  llmApiKey?: string
  /** Model for every step (X-LLM-Model), e.g. `gpt-4o-mini` or `anthropic/claude-…`. */
  llmModel?: string
  /** Per-step models (X-LLM-Eval-Model, X-LLM-Response-Model, X-LLM-Summarization-Model). */
  llmEvalModel?: string
  llmResponseModel?: string
  llmSummarizationModel?: string
  /** Per-step keys (X-LLM-Eval-API-Key, X-LLM-Response-API-Key, X-LLM-Summarization-API-Key). */
  llmEvalApiKey?: string
  llmResponseApiKey?: string
  llmSummarizationApiKey?: string
  /** How long `personas.list()` answers from its cache, in ms (default 60 000; 0 turns the cache off). */
  personaCacheTtl?: number
  hooks?: Hooks
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch
}

const LLM_HEADERS: Array<[keyof RapportOptions, TurnHeaderName]> = [
  ['llmApiKey', 'x-llm-api-key'],
  ['llmModel', 'x-llm-model'],
  ['llmEvalModel', 'x-llm-eval-model'],
  ['llmResponseModel', 'x-llm-response-model'],
  ['llmSummarizationModel', 'x-llm-summarization-model'],
  ['llmEvalApiKey', 'x-llm-eval-api-key'],
  ['llmResponseApiKey', 'x-llm-response-api-key'],
  ['llmSummarizationApiKey', 'x-llm-summarization-api-key']
]

export interface SessionParams { userSessionId: string, machineId?: string }
export interface InitSessionParams extends SessionParams { playerName: string, playerGender: PlayerGender }
export interface MessageParams extends SessionParams { message: string }
export interface HistoryParams extends SessionParams { includeTrace?: boolean }

const seg = (id: string) => encodeURIComponent(id)

/** A client for Rapport's SDK API. Keys are kept private: they never appear in errors, logs or inspection. */
export class Rapport {
  readonly baseUrl: string
  readonly #transport: Transport
  readonly #cacheTtl: number
  #personaCache: { at: number, list: SdkPersona[] } | null = null

  constructor (options: RapportOptions) {
    if (!options?.apiKey) throw new TypeError('Rapport: apiKey is required')
    this.baseUrl = (options.baseUrl ?? 'http://localhost:3000').replace(/\/+$/, '')
    const secrets: Record<string, string> = { 'x-api-key': options.apiKey }
    for (const [option, header] of LLM_HEADERS) {
      const value = options[option]
      if (typeof value === 'string' && value !== '') secrets[header] = value
    }
    this.#cacheTtl = options.personaCacheTtl ?? 60_000
    const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#transport = {
      baseUrl: this.baseUrl,
      timeout: options.timeout ?? 30_000,
      maxRetries: options.maxRetries ?? 3,
      hooks: options.hooks ?? {},
      fetch: fetchImpl,
      secretHeaders: () => ({ ...secrets })
    }
  }

  async #json<T> (call: Call, opts?: RequestOptions): Promise<T> {
    const res = await send(this.#transport, call, opts)
    return await res.json() as T
  }

  /** Personas: the published personas of the API key's owner (cached per client). */
  readonly personas = {
    /** Lists them; answers from the cache for `personaCacheTtl` ms (pass `{ fresh: true }` to skip it). */
    list: async (opts: RequestOptions & { fresh?: boolean } = {}): Promise<SdkPersona[]> => {
      const cached = this.#personaCache
      if (!opts.fresh && cached && Date.now() - cached.at < this.#cacheTtl) return [...cached.list]
      const list = await this.#json<SdkPersona[]>({ method: 'GET', path: '/personas' }, opts)
      if (this.#cacheTtl > 0) this.#personaCache = { at: Date.now(), list }
      return [...list]
    },
    /** Forgets the cached list. */
    clearCache: (): void => { this.#personaCache = null }
  }

  /** Machines (scenarios) of a persona available to a player. */
  readonly machines = {
    list: (personaId: string, params: { userSessionId: string }, opts?: RequestOptions): Promise<MachineInfo[]> =>
      this.#json({ method: 'GET', path: `/chat/${seg(personaId)}/machines`, query: { user_session_id: params.userSessionId } }, opts)
  }

  /** Chat sessions: init, messages (plain or streamed), state, history, reset. */
  readonly chat = {
    /** Starts (or restarts) a session and returns the NPC's greeting. */
    initSession: (personaId: string, params: InitSessionParams, opts?: RequestOptions): Promise<SessionInit> =>
      this.#json({
        method: 'POST',
        path: `/chat/${seg(personaId)}/init-session`,
        query: { machine_id: params.machineId },
        body: { user_session_id: params.userSessionId, player_name: params.playerName, player_gender: params.playerGender } satisfies InitSessionBody,
        idempotent: true
      }, opts),
    /** Plays one turn. Retries reuse one Idempotency-Key, so a retried turn is applied once. */
    sendMessage: (personaId: string, params: MessageParams, opts?: RequestOptions): Promise<ChatResponse> =>
      this.#json(this.#messageCall(personaId, params, false), opts),
    /** Plays one turn as a stream of events (never retried). */
    streamMessage: (personaId: string, params: MessageParams, opts: RequestOptions = {}): MessageStream =>
      new MessageStream((signal) => send(this.#transport, this.#messageCall(personaId, params, true), { ...opts, signal: link(signal, opts.signal) })),
    getSession: (personaId: string, params: SessionParams, opts?: RequestOptions): Promise<SessionStatus> =>
      this.#json({ method: 'GET', path: `/chat/${seg(personaId)}/session`, query: { user_session_id: params.userSessionId, machine_id: params.machineId } }, opts),
    getHistory: (personaId: string, params: HistoryParams, opts?: RequestOptions): Promise<ChatHistory> =>
      this.#json({
        method: 'GET',
        path: `/chat/${seg(personaId)}/history`,
        query: { user_session_id: params.userSessionId, machine_id: params.machineId, include_trace: params.includeTrace } satisfies HistoryQuery
      }, opts),
    /** Deletes the session and its messages (the player's progress stays). */
    reset: (personaId: string, params: SessionParams, opts?: RequestOptions): Promise<ResetResponse> =>
      this.#json({
        method: 'POST',
        path: `/chat/${seg(personaId)}/reset`,
        query: { user_session_id: params.userSessionId, machine_id: params.machineId },
        idempotent: true
      }, opts)
  }

  /** Tries the LLM key with one tiny request: `{ valid, model, error }`. */
  validateLlmKey (params: { model?: string } = {}, opts?: RequestOptions): Promise<KeyValidation> {
    return this.#json({ method: 'POST', path: '/validate-llm-key', body: (params.model ? { model: params.model } : {}) satisfies ValidateKeyBody }, opts)
  }

  #messageCall (personaId: string, params: MessageParams, stream: boolean): Call {
    return {
      method: 'POST',
      path: `/chat/${seg(personaId)}/message${stream ? '/stream' : ''}`,
      query: { machine_id: params.machineId },
      body: { message: params.message, user_session_id: params.userSessionId } satisfies MessageBody,
      idempotent: true,
      stream
    }
  }

  toJSON () {
    return { baseUrl: this.baseUrl, apiKey: '[redacted]' }
  }

  [Symbol.for('nodejs.util.inspect.custom')] () {
    return `Rapport { baseUrl: '${this.baseUrl}', apiKey: [redacted] }`
  }
}

/** One signal that aborts when either does. */
function link (a: AbortSignal, b?: AbortSignal): AbortSignal {
  if (!b) return a
  const c = new AbortController()
  const abort = (s: AbortSignal) => () => c.abort(s.reason)
  if (a.aborted) c.abort(a.reason)
  else if (b.aborted) c.abort(b.reason)
  else {
    a.addEventListener('abort', abort(a), { once: true })
    b.addEventListener('abort', abort(b), { once: true })
  }
  return c.signal
}
