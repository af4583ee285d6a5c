// Tests of the mapping of provider failures to LlmError statuses and scrubbed messages.
import t from 'tap'
import { APICallError } from 'ai'
import { LlmError, isRetryable, mapProviderError, parseRetryAfter, scrub } from '../../src/llm/errors.ts'

const KEY = 'sk-proj-abcdefghijklmnop1234'

function apiError (statusCode: number | undefined, message = 'provider says no', headers: Record<string, string> = {}) {
  return new APICallError({ message, url: 'https://example.test/v1/chat/completions', requestBodyValues: {}, statusCode, responseHeaders: headers })
}

t.test('401 and 403 from the provider become 401 about the LLM key', async (t) => {
  for (const status of [401, 403]) {
    const err = mapProviderError(apiError(status, `Incorrect API key provided: ${KEY}`), [KEY])
    t.equal(err.statusCode, 401)
    t.equal(err.message, 'The LLM provider rejected the LLM API key (X-LLM-API-Key)')
    t.equal(err.code, 'RAPPORT_LLM_KEY_REJECTED')
  }
})

t.test('429 keeps the provider\'s retry hint in seconds', async (t) => {
  t.equal(mapProviderError(apiError(429, 'slow down', { 'retry-after': '17' })).retryAfter, 17)
  t.equal(mapProviderError(apiError(429, 'slow down', { 'retry-after-ms': '1500' })).retryAfter, 2)
  const dated = mapProviderError(apiError(429, 'slow down', { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() }))
  t.ok(dated.retryAfter! > 50 && dated.retryAfter! <= 60, `HTTP date → ${dated.retryAfter}`)
  const bare = mapProviderError(apiError(429))
  t.equal(bare.statusCode, 429)
  t.equal(bare.retryAfter, undefined)
})

t.test('rejected requests become 400 with the scrubbed provider message', async (t) => {
  for (const status of [400, 404, 422]) {
    const err = mapProviderError(apiError(status, `The model \`gpt-9\` does not exist (key ${KEY})\n  at stack`), [KEY])
    t.equal(err.statusCode, 400)
    t.equal(err.message, 'The LLM provider rejected the request: The model `gpt-9` does not exist (key [redacted]) at stack')
    t.notMatch(err.message, KEY)
  }
})

t.test('5xx, network failures, timeouts and garbage become 500 "LLM provider error"', async (t) => {
  t.same([mapProviderError(apiError(502)).statusCode, mapProviderError(apiError(502)).message], [500, 'LLM provider error: the provider answered 502'])
  t.match(mapProviderError(apiError(undefined, 'Cannot connect to API: ECONNREFUSED')).message, /^LLM provider error: could not reach/)
  t.match(mapProviderError(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } })).message, /^LLM provider error: could not reach/)
  t.equal(mapProviderError(apiError(408)).message, 'LLM provider error: timed out')
  t.equal(mapProviderError(new DOMException('x', 'AbortError')).code, 'RAPPORT_LLM_ABORTED')
  const unknown = mapProviderError(new Error(`weird ${KEY}`), [KEY])
  t.same([unknown.statusCode, unknown.message], [500, 'LLM provider error: unexpected failure'])
})

t.test('an LlmError passes through unchanged', async (t) => {
  const original = new LlmError(429, 'x', { retryAfter: 3 })
  t.equal(mapProviderError(original), original)
})

t.test('only network errors and 5xx are retryable', async (t) => {
  t.equal(isRetryable(apiError(500)), true)
  t.equal(isRetryable(apiError(503)), true)
  t.equal(isRetryable(apiError(undefined)), true)
  t.equal(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), true)
  t.equal(isRetryable(apiError(429)), false)
  t.equal(isRetryable(apiError(401)), false)
  t.equal(isRetryable(apiError(400)), false)
  t.equal(isRetryable(new Error('boom')), false)
})

t.test('scrub removes given secrets and key-shaped strings', async (t) => {
  t.equal(scrub('key=my-custom-secret-value!', ['my-custom-secret-value']), 'key=[redacted]!')
  t.equal(scrub('Bearer abcdefghijkl and sk-ant-api03-abcdefghijkl and gsk_abcdefghijkl'), '[redacted] and [redacted] and [redacted]')
  t.equal(scrub('x'.repeat(500), [], 10), `${'x'.repeat(10)}…`)
  t.equal(parseRetryAfter({ 'retry-after': 'soon' }), undefined)
})
