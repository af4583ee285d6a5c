// Resolution of the model and LLM API key of each step from the X-LLM-* request headers (§5).
import { LlmError } from './errors.ts'
import { parseModel } from './models.ts'
import type { StepConfig } from './client.ts'

export type LlmStep = 'eval' | 'response' | 'summarization'

export const LLM_STEPS: readonly LlmStep[] = ['eval', 'response', 'summarization']

export type StepConfigs = Record<LlmStep, StepConfig>

export type HeaderBag = Record<string, string | string[] | undefined>

export interface KeyOptions {
  /** Model used when neither X-LLM-Model nor the step's model header is sent. */
  defaultModel: string
  /** The server's own provider key, used only when `allowServerKey` is true. */
  serverKey?: string
  allowServerKey: boolean
  /** `mock/…` models are served in-process and need no key (LLM_MOCK=true). */
  mock?: boolean
}

export const MISSING_KEYS_MESSAGE = 'Missing LLM API key: send X-LLM-API-Key (or X-LLM-<Step>-API-Key for every step)'
export const MISSING_KEY_MESSAGE = 'Missing LLM API key: send X-LLM-API-Key'

const STEP_HEADER: Record<LlmStep, string> = { eval: 'eval', response: 'response', summarization: 'summarization' }

function header (headers: HeaderBag, name: string): string | undefined {
  let value = headers[name]
  if (value === undefined) {
    // Node lowercases header names; accept other spellings from hand-built objects too.
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
    value = key === undefined ? undefined : headers[key]
  }
  const first = Array.isArray(value) ? value[0] : value
  const trimmed = first?.trim()
  return trimmed || undefined
}

function serverKey (opts: KeyOptions): string | undefined {
  return opts.allowServerKey && opts.serverKey ? opts.serverKey : undefined
}

function checkedModel (model: string, opts: KeyOptions): string {
  parseModel(model, opts)
  return model
}

/** The mock provider needs no key; every other model does. */
function needsKey (model: string, opts: KeyOptions): boolean {
  return !(opts.mock === true && parseModel(model, opts).provider === 'mock')
}

/**
 * Resolve the model and key of the eval, response and summarization steps. A step's own header wins
 * over the general one; models fall back to `defaultModel`, keys to the server key when allowed.
 * Throws LlmError 400 when a step has no key or a model names an unknown provider.
 */
export function resolveStepConfigs (headers: HeaderBag, opts: KeyOptions): StepConfigs {
  const generalKey = header(headers, 'x-llm-api-key')
  const generalModel = header(headers, 'x-llm-model')
  const fallbackKey = serverKey(opts)
  const configs = {} as StepConfigs
  for (const step of LLM_STEPS) {
    const model = checkedModel(header(headers, `x-llm-${STEP_HEADER[step]}-model`) ?? generalModel ?? opts.defaultModel, opts)
    const apiKey = header(headers, `x-llm-${STEP_HEADER[step]}-api-key`) ?? generalKey ?? fallbackKey ?? (needsKey(model, opts) ? undefined : '')
    if (apiKey === undefined) throw new LlmError(400, MISSING_KEYS_MESSAGE, { code: 'RAPPORT_LLM_KEY_MISSING' })
    configs[step] = { model, apiKey }
  }
  return configs
}

/**
 * Resolve one model and key from X-LLM-API-Key / X-LLM-Model (validate-llm-key, AI-assisted authoring).
 * `model` (e.g. from a request body) wins over the header. Throws LlmError 400 like resolveStepConfigs.
 */
export function resolveSingleStepConfig (headers: HeaderBag, opts: KeyOptions & { model?: string | null }): StepConfig {
  const bodyModel = opts.model?.trim()
  const model = checkedModel(bodyModel || header(headers, 'x-llm-model') || opts.defaultModel, opts)
  const apiKey = header(headers, 'x-llm-api-key') ?? serverKey(opts) ?? (needsKey(model, opts) ? undefined : '')
  if (apiKey === undefined) throw new LlmError(400, MISSING_KEY_MESSAGE, { code: 'RAPPORT_LLM_KEY_MISSING' })
  return { model, apiKey }
}
