// Tests of model-string routing to providers.
import t from 'tap'
import { DEFAULT_BASE_URLS, PROVIDERS, parseModel } from '../../src/llm/models.ts'

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

t.test('every provider has a default public base URL', async (t) => {
  t.same(Object.keys(DEFAULT_BASE_URLS).sort(), [...PROVIDERS].sort())
  t.equal(DEFAULT_BASE_URLS.openai, 'https://api.openai.com/v1')
  t.equal(DEFAULT_BASE_URLS.anthropic, 'https://api.anthropic.com/v1')
  t.equal(DEFAULT_BASE_URLS.ollama, 'http://127.0.0.1:11434/v1')
})
