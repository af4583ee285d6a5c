// Tests of the resolution of each step's model and LLM key from the X-LLM-* headers.
import t from 'tap'
import { resolveSingleStepConfig, resolveStepConfigs } from '../../src/llm/keys.ts'

const opts = { defaultModel: 'gpt-4o-mini', allowServerKey: false }
const missing = { name: 'LlmError', statusCode: 400, code: 'RAPPORT_LLM_KEY_MISSING', message: 'Missing LLM API key: send X-LLM-API-Key (or X-LLM-<Step>-API-Key for every step)' }

t.test('the general key and model apply to every step; the default model fills in', async (t) => {
  t.same(resolveStepConfigs({ 'x-llm-api-key': 'k1' }, opts), {
    eval: { model: 'gpt-4o-mini', apiKey: 'k1' },
    response: { model: 'gpt-4o-mini', apiKey: 'k1' },
    summarization: { model: 'gpt-4o-mini', apiKey: 'k1' }
  })
  t.same(resolveStepConfigs({ 'x-llm-api-key': 'k1', 'x-llm-model': 'claude-3-5-haiku-latest' }, opts).response,
    { model: 'claude-3-5-haiku-latest', apiKey: 'k1' })
})

t.test('per-step headers override the general ones', async (t) => {
  const configs = resolveStepConfigs({
    'x-llm-api-key': 'general',
    'x-llm-model': 'gpt-4o',
    'x-llm-eval-model': 'groq/llama-3.1-8b-instant',
    'x-llm-eval-api-key': 'groq-key',
    'x-llm-response-model': 'anthropic/claude-sonnet-4-5',
    'x-llm-response-api-key': 'anthropic-key',
    'x-llm-summarization-model': 'gpt-4o-mini'
  }, opts)
  t.same(configs, {
    eval: { model: 'groq/llama-3.1-8b-instant', apiKey: 'groq-key' },
    response: { model: 'anthropic/claude-sonnet-4-5', apiKey: 'anthropic-key' },
    summarization: { model: 'gpt-4o-mini', apiKey: 'general' }
  })
})

t.test('step keys alone are enough when they cover every step', async (t) => {
  const configs = resolveStepConfigs({
    'x-llm-eval-api-key': 'a', 'x-llm-response-api-key': 'b', 'x-llm-summarization-api-key': ['c', 'ignored']
  }, opts)
  t.same([configs.eval.apiKey, configs.response.apiKey, configs.summarization.apiKey], ['a', 'b', 'c'])
})

t.test('a step without a key is a 400 unless the server key is allowed and configured', async (t) => {
  t.throws(() => resolveStepConfigs({}, opts), missing)
  t.throws(() => resolveStepConfigs({ 'x-llm-api-key': '   ' }, opts), missing, 'blank counts as missing')
  t.throws(() => resolveStepConfigs({ 'x-llm-eval-api-key': 'a', 'x-llm-response-api-key': 'b' }, opts), missing)
  t.throws(() => resolveStepConfigs({}, { ...opts, serverKey: 'server', allowServerKey: false }), missing)
  t.throws(() => resolveStepConfigs({}, { ...opts, allowServerKey: true }), missing, 'allowed but not configured')

  const withServer = resolveStepConfigs({ 'x-llm-eval-api-key': 'mine' }, { ...opts, serverKey: 'server', allowServerKey: true })
  t.same([withServer.eval.apiKey, withServer.response.apiKey, withServer.summarization.apiKey], ['mine', 'server', 'server'])
})

t.test('header names are matched case-insensitively and a bad model string is a 400', async (t) => {
  t.equal(resolveStepConfigs({ 'X-LLM-API-Key': 'k' }, opts).eval.apiKey, 'k')
  t.throws(() => resolveStepConfigs({ 'x-llm-api-key': 'k', 'x-llm-eval-model': 'nope/x' }, opts),
    { name: 'LlmError', statusCode: 400, message: /Unknown model provider "nope"/ })
})

t.test('the single-step variant uses X-LLM-API-Key and X-LLM-Model, a body model first', async (t) => {
  t.same(resolveSingleStepConfig({ 'x-llm-api-key': 'k' }, opts), { model: 'gpt-4o-mini', apiKey: 'k' })
  t.same(resolveSingleStepConfig({ 'x-llm-api-key': 'k', 'x-llm-model': 'claude-3-5-haiku-latest' }, opts),
    { model: 'claude-3-5-haiku-latest', apiKey: 'k' })
  t.same(resolveSingleStepConfig({ 'x-llm-api-key': 'k', 'x-llm-model': 'claude-3-5-haiku-latest' }, { ...opts, model: 'openai/gpt-4o' }),
    { model: 'openai/gpt-4o', apiKey: 'k' })
  t.same(resolveSingleStepConfig({}, { ...opts, serverKey: 's', allowServerKey: true }), { model: 'gpt-4o-mini', apiKey: 's' })
  t.throws(() => resolveSingleStepConfig({ 'x-llm-eval-api-key': 'k' }, opts),
    { name: 'LlmError', statusCode: 400, code: 'RAPPORT_LLM_KEY_MISSING', message: 'Missing LLM API key: send X-LLM-API-Key' })
  t.same(resolveSingleStepConfig({ 'x-llm-api-key': 'k', 'x-llm-model': 'gpt-4o' }, { ...opts, model: '  ' }), { model: 'gpt-4o', apiKey: 'k' },
    'a blank body model falls back to the header')
  t.same(resolveSingleStepConfig({ 'x-llm-api-key': 'k' }, { ...opts, model: ' openai/gpt-4o ' }), { model: 'openai/gpt-4o', apiKey: 'k' },
    'the body model is trimmed')
})

t.test('mock/… models need no key, and only with the mock provider enabled', async (t) => {
  const mock = { ...opts, defaultModel: 'mock/npc', mock: true }
  t.same(resolveStepConfigs({}, mock).eval, { model: 'mock/npc', apiKey: '' })
  t.same(resolveSingleStepConfig({}, mock), { model: 'mock/npc', apiKey: '' })
  t.same(resolveStepConfigs({ 'x-llm-api-key': 'k' }, mock).response, { model: 'mock/npc', apiKey: 'k' }, 'a key sent is still passed on')
  t.throws(() => resolveStepConfigs({}, { ...mock, defaultModel: 'gpt-4o-mini' }), missing, 'other models still need one with the mock enabled')
  t.throws(() => resolveStepConfigs({}, { ...mock, mock: false }), { code: 'RAPPORT_LLM_UNKNOWN_PROVIDER' }, 'without LLM_MOCK the mock provider is unknown')
})

t.test('a header spelled in another case is found only when the lowercase name is absent', async (t) => {
  t.equal(resolveStepConfigs({ 'X-LLM-API-KEY': 'upper', 'x-llm-api-key': 'lower' }, opts).eval.apiKey, 'lower')
  t.equal(resolveStepConfigs({ 'X-Llm-Api-Key': 'mixed' }, opts).eval.apiKey, 'mixed')
})
