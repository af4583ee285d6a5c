// Tests of model-string routing to providers.
import t from 'tap'
import { DEFAULT_BASE_URLS, PROVIDERS, parseModel } from '../../src/llm/models.ts'
import type { LlmError } from '../../src/llm/errors.ts'

t.test('model strings route to their provider and provider-side model id', async (t) => {
  const table: [string, string, string][] = [
    ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
    ['openai/gpt-4o', 'openai', 'gpt-4o'],
    ['chatgpt-4o-latest', 'openai', 'chatgpt-4o-latest'],
    ['o1-mini', 'openai', 'o1-mini'],
    ['o3', 'openai', 'o3'],
    ['o4-mini', 'openai', 'o4-mini'],
    ['claude-3-5-haiku-latest', 'anthropic', 'claude-3-5-haiku-latest'],
    ['anthropic/claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['gemini-2.0-flash', 'gemini', 'gemini-2.0-flash'],
    ['gemini/gemini-1.5-pro', 'gemini', 'gemini-1.5-pro'],
    ['groq/llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant'],
    ['openrouter/meta-llama/llama-3.1-70b-instruct', 'openrouter', 'meta-llama/llama-3.1-70b-instruct'],
    ['mistral/mistral-small-latest', 'mistral', 'mistral-small-latest'],
    ['deepseek/deepseek-chat', 'deepseek', 'deepseek-chat'],
    ['together_ai/meta-llama/Llama-3-8b-chat-hf', 'together_ai', 'meta-llama/Llama-3-8b-chat-hf'],
    ['xai/grok-2', 'xai', 'grok-2'],
    ['ollama/llama3.1:8b', 'ollama', 'llama3.1:8b'],
    ['  OpenAI/gpt-4o ', 'openai', 'gpt-4o']
  ]
  for (const [model, provider, modelId] of table) {
    t.same(parseModel(model), { provider, modelId }, model)
  }
})

t.test('unknown providers and empty names are a 400 LlmError', async (t) => {
  for (const model of ['llama-3', 'foo/bar', 'azure/gpt-4o', '', '   ', 'openai/']) {
    t.throws(() => parseModel(model), { name: 'LlmError', statusCode: 400 }, model)
  }
  t.throws(() => parseModel('foo/bar'), { message: /^Unknown model provider "foo"/ })
  t.throws(() => parseModel('llama-3'), { message: /^Unknown model provider for model "llama-3"/ })
})

t.test('each refusal says exactly what is wrong, with the code RAPPORT_LLM_UNKNOWN_PROVIDER', async (t) => {
  const listed = 'openai, anthropic, groq, openrouter, mistral, deepseek, together_ai, xai, gemini, ollama'
  const long = `x/${'m'.repeat(120)}`
  const cases: Array<[string, { mock?: boolean }, string]> = [
    ['', {}, 'Invalid LLM model: the model name is empty'],
    ['   ', {}, 'Invalid LLM model: the model name is empty'],
    [undefined as unknown as string, {}, 'Invalid LLM model: the model name is empty'],
    ['openai/  ', {}, 'Invalid LLM model "openai/": no model name after the provider'],
    ['Foo/bar', {}, `Unknown model provider "foo" in model "Foo/bar"; use one of ${listed}`],
    ['foo/bar', { mock: true }, `Unknown model provider "foo" in model "foo/bar"; use one of ${listed}, mock`],
    ['mock/any', {}, 'Unknown model provider "mock" in model "mock/any": the mock provider is enabled only when the server runs with LLM_MOCK=true'],
    ['llama-3', {}, 'Unknown model provider for model "llama-3"; prefix it with the provider, e.g. openai/…, anthropic/…, groq/…'],
    // Only the first 100 characters of a long model string are echoed back.
    [long, {}, `Unknown model provider "x" in model ${JSON.stringify(`${long.slice(0, 100)}…`)}; use one of ${listed}`]
  ]
  const refusal = (model: string, options: { mock?: boolean } = {}) => {
    try {
      parseModel(model, options)
    } catch (err) {
      return err as LlmError
    }
    return null
  }
  for (const [model, options, message] of cases) {
    const err = refusal(model, options)
    t.match(err, { name: 'LlmError', statusCode: 400, code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' }, String(model))
    t.equal(err?.message, message, 'the whole message')
  }
  t.same(parseModel('mock/any', { mock: true }), { provider: 'mock', modelId: 'any' }, 'the mock provider with LLM_MOCK=true')
  const exactly100 = `x/${'m'.repeat(98)}`
  t.equal(refusal(exactly100)?.message, `Unknown model provider "x" in model "${exactly100}"; use one of ${listed}`, '100 characters are shown whole')
})

t.test('bare model names route by their start only', async (t) => {
  for (const model of ['my-gpt-4o', 'x-claude-3', 'not-gemini-pro', 'turbo-o1']) {
    t.throws(() => parseModel(model), { message: /^Unknown model provider for model/ }, model)
  }
})

t.test('every provider has a default public base URL', async (t) => {
  t.same(Object.keys(DEFAULT_BASE_URLS).sort(), [...PROVIDERS].sort())
  t.equal(DEFAULT_BASE_URLS.openai, 'https://api.openai.com/v1')
  t.equal(DEFAULT_BASE_URLS.anthropic, 'https://api.anthropic.com/v1')
  t.equal(DEFAULT_BASE_URLS.ollama, 'http://127.0.0.1:11434/v1')
  t.same({ ...DEFAULT_BASE_URLS }, {
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
    mock: ''
  }, 'the providers\' public endpoints')
})
