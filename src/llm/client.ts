// The LLM client: text, JSON and streamed generation through the AI SDK's provider models with per-call timeouts, one retry and mapped errors.
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3FinishReason, LanguageModelV3Prompt, LanguageModelV3Usage } from '@ai-sdk/provider'
import { createAnthropic } from '@ai-sdk/anthropic'
import { createDeepSeek } from '@ai-sdk/deepseek'
import { createGoogleGenerativeAI } from '@ai-sdk/google'
import { createGroq } from '@ai-sdk/groq'
import { createMistral } from '@ai-sdk/mistral'
import { createOpenAI } from '@ai-sdk/openai'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { createTogetherAI } from '@ai-sdk/togetherai'
import { createXai } from '@ai-sdk/xai'
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { CutShortError, LlmError, isRetryable, mapProviderError, scrub } from './errors.ts'
import { httpFetch } from './http-fetch.ts'
import { DEFAULT_BASE_URLS, parseModel } from './models.ts'
import { createMockModel } from './mock.ts'
import type { ProviderId } from './models.ts'

export interface LlmSettings {
  /** Base URL per provider; missing entries use DEFAULT_BASE_URLS. Never taken from a request. */
  baseUrls: Partial<Record<ProviderId, string>>
  /** Timeout of one provider call (for streams: before the first token and between tokens). */
  timeoutMs: number
  /** Answer `mock/…` models in-process (LLM_MOCK=true). */
  mock?: boolean
}

/** Which model and key one step (eval, response, summarization) uses. */
export interface StepConfig {
  model: string
  apiKey: string
}

export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

export interface TokenUsage {
  inputTokens: number
  outputTokens: number
}

export interface TextRequest {
  system: string
  messages: ChatMessage[]
  maxOutputTokens?: number
  temperature?: number
  signal?: AbortSignal
  /**
   * Streams read by Rapport itself (never forwarded): asked when the call failed in a way worth its one
   * retry after deltas had already arrived. Returning true lets it start over: the reader drops what it
   * has read (the stream then yields the retry's deltas from the start). Without it, or on false, a
   * stream that has yielded anything is not retried.
   */
  restart?: () => boolean
}

export interface JsonRequest extends TextRequest {
  /** TypeBox schema the answer must satisfy. */
  schema: TSchema
}

export interface TextResult {
  text: string
  usage: TokenUsage
  latencyMs: number
  /** The model string the step asked for. */
  model: string
  /** Set on a streamed JSON answer the provider cut at its output token limit: its reader counts it invalid. */
  cutAtLimit?: true
}

export interface JsonResult extends TextResult {
  /** The parsed, schema-valid value, or null when the output was not valid. */
  value: unknown | null
  /** Why the output was rejected (empty when `value` is set). */
  errors: string[]
}

export interface TextStream {
  /** Text deltas in the order the provider produces them; throws LlmError on failure. Iterate once. */
  textStream: AsyncIterable<string>
  /** The whole reply once the stream has finished; rejects with the same LlmError as the iteration. */
  final: Promise<TextResult>
}

export interface KeyValidation {
  valid: boolean
  model: string
  error: string | null
}

export interface LlmClient {
  generateText: (step: StepConfig, request: TextRequest) => Promise<TextResult>
  generateJson: (step: StepConfig, request: JsonRequest) => Promise<JsonResult>
  streamText: (step: StepConfig, request: TextRequest) => TextStream
  /** JSON output, streamed as the provider produces it (the caller parses the text as it grows and at the end). */
  streamJson: (step: StepConfig, request: JsonRequest) => TextStream
  validateKey: (step: StepConfig) => Promise<KeyValidation>
}

const MAX_ATTEMPTS = 2

/**
 * The provider's model for a step, and whether it has a JSON mode to ask for: Anthropic has none without a
 * schema (it would only warn), so there the prompt alone carries the format.
 */
function providerModel (settings: LlmSettings, step: StepConfig): { model: LanguageModelV3, jsonMode: boolean } {
  const { provider, modelId } = parseModel(step.model, settings)
  return { model: languageModel(settings, step.apiKey, provider, modelId), jsonMode: provider !== 'anthropic' }
}

function languageModel (settings: LlmSettings, apiKey: string, provider: ProviderId, modelId: string): LanguageModelV3 {
  const baseURL = (settings.baseUrls[provider] ?? DEFAULT_BASE_URLS[provider]).replace(/\/+$/, '')
  switch (provider) {
    case 'openai': return createOpenAI({ baseURL, apiKey, fetch: httpFetch }).chat(modelId)
    case 'anthropic': return createAnthropic({ baseURL, apiKey, fetch: httpFetch })(modelId)
    case 'groq': return createGroq({ baseURL, apiKey, fetch: httpFetch })(modelId)
    case 'mistral': return createMistral({ baseURL, apiKey, fetch: httpFetch })(modelId)
    case 'deepseek': return createDeepSeek({ baseURL, apiKey, fetch: httpFetch })(modelId)
    case 'together_ai': return createTogetherAI({ baseURL, apiKey, fetch: httpFetch })(modelId)
    case 'xai': return createXai({ baseURL, apiKey, fetch: httpFetch }).chat(modelId)
    case 'gemini': return createGoogleGenerativeAI({ baseURL, apiKey, fetch: httpFetch })(modelId)
    case 'openrouter':
    case 'ollama':
      return createOpenAICompatible({ name: provider, baseURL, apiKey, includeUsage: true, fetch: httpFetch })(modelId)
    case 'mock': return createMockModel(modelId)
  }
}

/**
 * One provider call's options, in the AI SDK's provider interface (LanguageModelV3). Rapport calls the
 * provider models directly rather than through `generateText`/`streamText`: those re-validate the prompt,
 * wrap every part in further web streams and add nothing a turn uses (tools, steps, telemetry), at about
 * 4 ms of CPU per streamed call (README, "Performance", turn overhead). Retries are ours (withRetry).
 */
function callOptions (request: TextRequest, abortSignal: AbortSignal, json: boolean): LanguageModelV3CallOptions {
  const prompt: LanguageModelV3Prompt = [{ role: 'system', content: request.system }]
  for (const m of request.messages) prompt.push({ role: m.role, content: [{ type: 'text', text: m.content }] })
  return {
    prompt,
    maxOutputTokens: request.maxOutputTokens,
    temperature: request.temperature,
    abortSignal,
    ...(json ? { responseFormat: { type: 'json' } } : {})
  }
}

function toUsage (usage: LanguageModelV3Usage | undefined): TokenUsage {
  return { inputTokens: usage?.inputTokens.total ?? 0, outputTokens: usage?.outputTokens.total ?? 0 }
}

/**
 * How the provider ended an answer (README, "Decisions"): 'stop' is a whole answer; no finish marker at all
 * is a cut-short provider failure (retried once like a dropped connection); a content filter is a rejected
 * request (400); an error or any other reason is a provider failure (500). 'length' is left to the caller:
 * text answers fail, JSON answers count as invalid (and get the step's one repair).
 */
function judgeFinish (finish: LanguageModelV3FinishReason | undefined, secrets: string[]): 'stop' | 'length' {
  const reason = finish?.unified
  const raw = finish?.raw
  if (reason === 'stop' || reason === 'length') return reason
  if (reason === 'content-filter') throw new LlmError(400, 'The LLM provider rejected the request: its content filter withheld the answer')
  if (reason === 'error') throw new LlmError(500, 'LLM provider error: the provider reported an error in its answer')
  if (raw === undefined || raw === '') throw new CutShortError()
  throw new LlmError(500, `LLM provider error: the answer ended with an unexpected finish reason (${scrub(raw, secrets, 60)})`)
}

function lengthError (): LlmError {
  return new LlmError(500, 'LLM provider error: the answer was cut at the output token limit')
}

export const LENGTH_JSON_ERROR = 'The answer was cut at the output token limit: answer shorter'

function abortedError (): LlmError {
  return new LlmError(500, 'LLM provider error: the request was aborted', { code: 'RAPPORT_LLM_ABORTED' })
}

/**
 * One attempt's abort controller: fires on the caller's signal or when the (re-armable) timer runs out,
 * and remembers which, so the failure can be told apart from a provider error.
 */
function attemptGuard (timeoutMs: number, callerSignal: AbortSignal | undefined, secrets: string[]) {
  const controller = new AbortController()
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  const onCallerAbort = () => controller.abort()
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
  }
  arm()
  if (callerSignal?.aborted) controller.abort()
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
  return {
    signal: controller.signal,
    arm,
    failure (err: unknown): LlmError {
      if (timedOut) return new LlmError(500, 'LLM provider error: timed out', { code: 'RAPPORT_LLM_TIMEOUT' })
      if (callerSignal?.aborted) return abortedError()
      return mapProviderError(err, secrets)
    },
    retryable (err: unknown): boolean {
      return !timedOut && !callerSignal?.aborted && !(err instanceof LlmError) && isRetryable(err)
    },
    /** Ends the attempt; one that did not complete is aborted so nothing of it still talks to the provider. */
    dispose (completed: boolean) {
      clearTimeout(timer)
      callerSignal?.removeEventListener('abort', onCallerAbort)
      if (!completed) controller.abort()
    }
  }
}

/** The text parts of a whole answer, joined (reasoning and any other content is not the answer). */
function answerText (content: Awaited<ReturnType<LanguageModelV3['doGenerate']>>['content']): string {
  let text = ''
  for (const part of content) if (part.type === 'text') text += part.text
  return text
}

/** A JSON request's prompt: its system prompt followed by the format it must answer in. */
function withJsonInstruction (request: JsonRequest): JsonRequest {
  return { ...request, system: `${request.system}\n\n${jsonInstruction(request.schema)}` }
}

function jsonInstruction (schema: TSchema): string {
  return 'Answer with one JSON object only: no prose, no Markdown code fences. ' +
    `It must be valid JSON matching this JSON Schema:\n${JSON.stringify(schema)}`
}

function extractJson (text: string): string {
  const trimmed = text.trim()
  const fence = /```(?:json)?\s*([\s\S]*?)\s*```/i.exec(trimmed)
  if (fence) return fence[1]
  // An object is cut from its first { to its last }, so prose after it is dropped like prose before it.
  if (trimmed.startsWith('[')) return trimmed
  const first = trimmed.indexOf('{')
  const last = trimmed.lastIndexOf('}')
  return first !== -1 && last > first ? trimmed.slice(first, last + 1) : trimmed
}

/**
 * Parse model output as JSON (tolerating ```json fences and surrounding prose) and validate it
 * against a TypeBox schema. Never throws: invalid output gives `value: null` and the reasons.
 */
export function parseJsonOutput (schema: TSchema, text: string): { value: unknown | null, errors: string[] } {
  const candidate = extractJson(text)
  if (candidate === '') return { value: null, errors: ['The output is empty'] }
  let parsed: unknown
  try {
    parsed = JSON.parse(candidate)
  } catch (err) {
    return { value: null, errors: [`The output is not valid JSON: ${(err as Error).message}`] }
  }
  if (Value.Check(schema, parsed)) return { value: parsed, errors: [] }
  const errors = [...Value.Errors(schema, parsed)].slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`)
  return { value: null, errors: errors.length > 0 ? errors : ['The output does not match the schema'] }
}

/**
 * Create the LLM client. Keys travel with each call (`step.apiKey`) and are used for that call only;
 * base URLs come from `settings` only.
 */
export function createLlmClient (settings: LlmSettings): LlmClient {
  const timeoutMs = settings.timeoutMs

  /** Run `call` with a timeout per attempt and one retry on a network error or 5xx. */
  async function withRetry<T> (step: StepConfig, signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError()
      const guard = attemptGuard(timeoutMs, signal, [step.apiKey])
      let completed = false
      try {
        const result = await call(guard.signal)
        completed = true
        return result
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && guard.retryable(err)) continue
        throw guard.failure(err)
      } finally {
        guard.dispose(completed)
      }
    }
  }

  async function generateText (step: StepConfig, request: TextRequest): Promise<TextResult> {
    const started = performance.now()
    const { model } = providerModel(settings, step)
    const result = await withRetry(step, request.signal, async (abortSignal) => {
      const answer = await model.doGenerate(callOptions(request, abortSignal, false))
      if (judgeFinish(answer.finishReason, [step.apiKey]) === 'length') throw lengthError()
      return answer
    })
    return { text: answerText(result.content), usage: toUsage(result.usage), latencyMs: Math.round(performance.now() - started), model: step.model }
  }

  async function generateJson (step: StepConfig, request: JsonRequest): Promise<JsonResult> {
    const started = performance.now()
    const { model, jsonMode } = providerModel(settings, step)
    const prompted = withJsonInstruction(request)
    const { text, usage, finish } = await withRetry(step, request.signal, async (abortSignal) => {
      const answer = await model.doGenerate(callOptions(prompted, abortSignal, jsonMode))
      // Unparsable or schema-breaking output is the caller's to judge (parseJsonOutput), not a failed call.
      return { text: answerText(answer.content), usage: answer.usage, finish: judgeFinish(answer.finishReason, [step.apiKey]) }
    })
    const { value, errors } = finish === 'length' ? { value: null, errors: [LENGTH_JSON_ERROR] } : parseJsonOutput(request.schema, text)
    return { value, errors, text, usage: toUsage(usage), latencyMs: Math.round(performance.now() - started), model: step.model }
  }

  /** `json`: the request asks for JSON (its reader judges an answer cut at the limit, like generateJson's caller). */
  function streamText (step: StepConfig, request: TextRequest, json = false): TextStream {
    const pending: string[] = []
    let finished = false
    let failure: LlmError | null = null
    let wake: (() => void) | null = null
    const notify = () => {
      const w = wake
      wake = null
      w?.()
    }
    // Aborted when the consumer stops iterating early, so the provider call does not run on.
    const abandoned = new AbortController()
    const signal = request.signal ? AbortSignal.any([request.signal, abandoned.signal]) : abandoned.signal

    const final = (async (): Promise<TextResult> => {
      const started = performance.now()
      const { model, jsonMode } = providerModel(settings, step)
      let text = ''
      for (let attempt = 1; ; attempt++) {
        if (signal.aborted) throw abortedError()
        const guard = attemptGuard(timeoutMs, signal, [step.apiKey])
        let streamed = false
        let completed = false
        try {
          const { stream } = await model.doStream(callOptions(request, guard.signal, json && jsonMode))
          let usage: LanguageModelV3Usage | undefined
          let finish: LanguageModelV3FinishReason | undefined
          const reader = stream.getReader()
          try {
            for (;;) {
              const { done, value: part } = await reader.read()
              if (done) break
              if (part.type === 'text-delta') {
                guard.arm()
                if (part.delta === '') continue
                streamed = true
                text += part.delta
                pending.push(part.delta)
                notify()
              } else if (part.type === 'reasoning-delta') {
                guard.arm()
              } else if (part.type === 'error') {
                throw part.error
              } else if (part.type === 'finish') {
                usage = part.usage
                finish = part.finishReason
              }
            }
          } finally {
            // Stop reading a body we no longer want (an error part, or the attempt failing); a no-op once done.
            reader.cancel().catch(() => {})
          }
          // A JSON answer cut at the limit is judged by its reader (invalid, repaired), like generateJson's.
          const cut = judgeFinish(finish, [step.apiKey]) === 'length'
          if (cut && !json) throw lengthError()
          completed = true
          return { text, usage: toUsage(usage), latencyMs: Math.round(performance.now() - started), model: step.model, ...(cut ? { cutAtLimit: true as const } : {}) }
        } catch (err) {
          // Once a token went out it cannot be taken back, so only a silent failure is retried, unless the
          // reader can start over.
          if (attempt < MAX_ATTEMPTS && guard.retryable(err) && (!streamed || request.restart?.() === true)) {
            text = ''
            pending.length = 0
            continue
          }
          throw guard.failure(err)
        } finally {
          guard.dispose(completed)
        }
      }
    })()

    final.then(() => {
      finished = true
      notify()
    }, (err: unknown) => {
      failure = err instanceof LlmError ? err : mapProviderError(err, [step.apiKey])
      finished = true
      notify()
    })

    const textStream: AsyncIterable<string> = {
      async * [Symbol.asyncIterator] () {
        try {
          for (;;) {
            const next = pending.shift()
            if (next !== undefined) {
              yield next
            } else if (finished) {
              if (failure) throw failure
              return
            } else {
              await new Promise<void>((resolve) => { wake = resolve })
            }
          }
        } finally {
          if (!finished) abandoned.abort()
        }
      }
    }

    return { textStream, final }
  }

  function streamJson (step: StepConfig, request: JsonRequest): TextStream {
    return streamText(step, withJsonInstruction(request), true)
  }

  async function validateKey (step: StepConfig): Promise<KeyValidation> {
    try {
      await generateText(step, { system: 'Reply with the single word OK.', messages: [{ role: 'user', content: 'ping' }], maxOutputTokens: 16 })
      return { valid: true, model: step.model, error: null }
    } catch (err) {
      // A rejected key or model is an answer; a rate limit or outage says nothing about the key.
      if (err instanceof LlmError && (err.statusCode === 401 || err.statusCode === 400)) {
        return { valid: false, model: step.model, error: err.message }
      }
      throw err
    }
  }

  return { generateText, generateJson, streamText: (step, request) => streamText(step, request), streamJson, validateKey }
}
