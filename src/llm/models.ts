// Model-string routing: which provider a model string names, and each provider's configured base URL.
import { LlmError } from './errors.ts'

export const PROVIDERS = [
  'openai', 'anthropic', 'groq', 'openrouter', 'mistral', 'deepseek', 'together_ai', 'xai', 'gemini', 'ollama', 'mock'
] as const

export type ProviderId = typeof PROVIDERS[number]

export interface ParsedModel {
  provider: ProviderId
  /** The model id as the provider knows it (the part after `provider/`). */
  modelId: string
}

/** Public endpoints, used unless the server configuration overrides them. */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderId, string>> = Object.freeze({
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  groq: 'https://api.groq.com/openai/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  together_ai: 'https://api.together.xyz/v1',
  xai: 'https://api.x.ai/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  ollama: 'http://127.0.0.1:11434/v1',
  // answered in-process by src/llm/mock.ts, only with LLM_MOCK=true
  mock: ''
})

const BARE_PREFIXES: [RegExp, ProviderId][] = [
  [/^(gpt-|chatgpt-|o1|o3|o4)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^gemini-/, 'gemini']
]

function isProvider (value: string): value is ProviderId {
  return (PROVIDERS as readonly string[]).includes(value)
}

function shown (model: string): string {
  return JSON.stringify(model.length > 100 ? `${model.slice(0, 100)}…` : model)
}

/**
 * Route a model string (`openai/gpt-4o`, `gpt-4o-mini`, `claude-…`, `groq/llama-3.1-8b-instant`, …)
 * to its provider. Throws LlmError 400 for an empty string or an unknown provider.
 */
export function parseModel (model: string, options: { mock?: boolean } = {}): ParsedModel {
  const trimmed = typeof model === 'string' ? model.trim() : ''
  if (trimmed === '') throw new LlmError(400, 'Invalid LLM model: the model name is empty', { code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' })
  const slash = trimmed.indexOf('/')
  if (slash !== -1) {
    const prefix = trimmed.slice(0, slash).toLowerCase()
    const modelId = trimmed.slice(slash + 1)
    if (prefix === 'mock' && options.mock !== true) {
      throw new LlmError(400, `Unknown model provider "mock" in model ${shown(trimmed)}: the mock provider is enabled only when the server runs with LLM_MOCK=true`, { code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' })
    }
    if (!isProvider(prefix)) {
      throw new LlmError(400, `Unknown model provider "${prefix}" in model ${shown(trimmed)}; use one of ${PROVIDERS.filter((p) => p !== 'mock' || options.mock === true).join(', ')}`, { code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' })
    }
    // `trimmed` ends in a non-space, so the id after the slash is empty or has something in it.
    if (modelId === '') throw new LlmError(400, `Invalid LLM model ${shown(trimmed)}: no model name after the provider`, { code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' })
    return { provider: prefix, modelId }
  }
  const lower = trimmed.toLowerCase()
  for (const [pattern, provider] of BARE_PREFIXES) {
    if (pattern.test(lower)) return { provider, modelId: trimmed }
  }
  throw new LlmError(400, `Unknown model provider for model ${shown(trimmed)}; prefix it with the provider, e.g. openai/…, anthropic/…, groq/…`, { code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' })
}
