// Tests of each branch of the LLM error mapping: codes per status, Retry-After parsing, key scrubbing per key shape, network causes.
import t from 'tap'
import { APICallError, RetryError } from 'ai'
import { CutShortError, KEY_REJECTED_MESSAGE, LlmError, isNetworkError, isRetryable, mapProviderError, parseRetryAfter, scrub } from '../../src/llm/errors.ts'

function apiError (statusCode: number | undefined, opts: { message?: string, headers?: Record<string, string>, cause?: unknown } = {}) {
  return new APICallError({ message: opts.message ?? 'provider says no', url: 'http://127.0.0.1/v1/chat/completions', requestBodyValues: {}, statusCode, responseHeaders: opts.headers, cause: opts.cause })
}

function retryError (...errors: unknown[]) {
  return new RetryError({ message: 'Failed after 2 attempts', reason: 'maxRetriesExceeded', errors })
}

const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })

t.test('an LlmError takes the default code of its status unless given one', async (t) => {
  t.same([400, 401, 429, 500].map((s) => new LlmError(s as 400 | 401 | 429 | 500, 'm').code),
    ['RAPPORT_LLM_REQUEST_REJECTED', 'RAPPORT_LLM_KEY_REJECTED', 'RAPPORT_LLM_RATE_LIMITED', 'RAPPORT_LLM_PROVIDER_ERROR'])
  const timeout = new LlmError(500, 'late', { code: 'RAPPORT_LLM_TIMEOUT' })
  t.same([timeout.name, timeout.statusCode, timeout.code, timeout.message], ['LlmError', 500, 'RAPPORT_LLM_TIMEOUT', 'late'])
  t.ok(timeout instanceof Error)
  t.equal(new LlmError(429, 'm', { retryAfter: 0 }).retryAfter, 0)
})

t.test('a CutShortError names itself and says what happened', async (t) => {
  const err = new CutShortError()
  t.same([err.name, err.message], ['CutShortError', 'The provider ended the answer without its finish marker'])
})

t.test('scrub redacts every well-known key shape, and only whole keys of at least the minimum length', async (t) => {
  const cases: [string, string][] = [
    ['k sk-abcdefgh', 'k [redacted]'],
    ['k pk-ABCD_efg-', 'k [redacted]'],
    ['k rk-12345678.', 'k [redacted].'],
    ['k sk-abcdefg', 'k sk-abcdefg'],
    ['task-abcdefghij', 'task-abcdefghij'],
    ['k sk-ant-api03-Abc_def-ghij!', 'k [redacted]!'],
    ['k sk-ant-abc', 'k sk-ant-abc'],
    ['k sk-ant-!!!!!!!!!', 'k sk-ant-!!!!!!!!!'],
    ['k gsk_abcdEFGH1234!', 'k [redacted]!'],
    ['k gsk_abcdefg', 'k gsk_abcdefg'],
    ['k gsk_abcdefgh_ij', 'k [redacted]_ij'],
    ['k xai-abcdEFGH1234!', 'k [redacted]!'],
    ['k xai-abcdefg', 'k xai-abcdefg'],
    ['k xai-abcdefgh-ij', 'k [redacted]-ij'],
    ['k AIzaSyA1234567890_abcdefg!', 'k [redacted]!'],
    ['k AIza1234567890123456789', 'k AIza1234567890123456789'],
    ['authorization: bearer abc.def_ghi~jk+l/m-n== end', 'authorization: [redacted] end'],
    ['Bearer\tabcdefgh', '[redacted]'],
    ['Bearer \t abcdefghij', '[redacted]'],
    ['Stryker was here', 'Stryker was here'],
    ['Bearer abcdefg', 'Bearer abcdefg']
  ]
  for (const [text, expected] of cases) t.equal(scrub(text), expected, text)
})

t.test('scrub redacts the caller\'s own keys, whatever their shape, but never a secret under four characters', async (t) => {
  t.equal(scrub('a custom-key! and again custom-key', ['custom-key']), 'a [redacted]! and again [redacted]')
  t.equal(scrub('two: abcd, efgh', ['abcd', 'efgh']), 'two: [redacted], [redacted]')
  t.equal(scrub('short abc stays', ['abc']), 'short abc stays')
  t.equal(scrub('nothing to hide', ['']), 'nothing to hide')
  t.equal(scrub('nothing to hide'), 'nothing to hide')
})

t.test('scrub collapses whitespace and bounds the length (300 by default)', async (t) => {
  t.equal(scrub('  a\n\n b\t c  '), 'a b c')
  t.equal(scrub('x'.repeat(300)), 'x'.repeat(300))
  t.equal(scrub('x'.repeat(301)), `${'x'.repeat(300)}…`)
  t.equal(scrub('abcdef', [], 6), 'abcdef')
  t.equal(scrub('abcdefg', [], 6), 'abcdef…')
})

t.test('parseRetryAfter reads seconds, milliseconds and HTTP dates in any header case', async (t) => {
  t.equal(parseRetryAfter(undefined), undefined)
  t.equal(parseRetryAfter({}), undefined)
  t.equal(parseRetryAfter({ 'x-other': '5' }), undefined)
  t.equal(parseRetryAfter({ 'Retry-After': '7' }), 7)
  t.equal(parseRetryAfter({ 'retry-after': '1.2' }), 2)
  t.equal(parseRetryAfter({ 'retry-after': '-3' }), 0)
  t.equal(parseRetryAfter({ 'retry-after': '' }), undefined)
  t.equal(parseRetryAfter({ 'retry-after': '   ' }), undefined)
  t.equal(parseRetryAfter({ 'retry-after': 'later' }), undefined)
  t.equal(parseRetryAfter({ 'Retry-After-Ms': '1001' }), 2)
  t.equal(parseRetryAfter({ 'retry-after-ms': '3000' }), 3)
  t.equal(parseRetryAfter({ 'retry-after-ms': '-500' }), 0)
  t.equal(parseRetryAfter({ 'retry-after-ms': '2000', 'retry-after': '9' }), 2, 'milliseconds win')
  t.equal(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '9' }), 9, 'unreadable milliseconds fall back to seconds')
  t.equal(parseRetryAfter({ 'retry-after': new Date(Date.now() - 60_000).toUTCString() }), 0, 'a date in the past')
  const ahead = parseRetryAfter({ 'retry-after': new Date(Date.now() + 120_000).toUTCString() })!
  t.ok(ahead > 110 && ahead <= 120, `a date two minutes ahead → ${ahead}`)
})

t.test('isNetworkError finds a network cause up to five levels deep', async (t) => {
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
    'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
    t.equal(isNetworkError(Object.assign(new Error('x'), { code })), true, code)
  }
  t.equal(isNetworkError(Object.assign(new Error('x'), { code: 'EACCES' })), false)
  t.equal(isNetworkError(Object.assign(new Error('x'), { code: 42 })), false)
  t.equal(isNetworkError(new TypeError('terminated')), true)
  t.equal(isNetworkError(new TypeError('fetch failed')), true)
  t.equal(isNetworkError(new TypeError('other')), false)
  t.equal(isNetworkError(new Error('terminated')), false)
  t.equal(isNetworkError(apiError(undefined)), true)
  t.equal(isNetworkError(apiError(500)), false)
  t.equal(isNetworkError(retryError(apiError(500), reset())), true)
  t.equal(isNetworkError(null), false)
  t.equal(isNetworkError(undefined), false)
  const nest = (depth: number) => {
    let err: unknown = reset()
    for (let i = 0; i < depth; i++) err = new Error(`wrapper ${i}`, { cause: err })
    return err
  }
  t.equal(isNetworkError(nest(4)), true, 'the fifth error in the chain is looked at')
  t.equal(isNetworkError(nest(5)), false, 'the sixth is not')
})

t.test('isRetryable: cut-short answers, 5xx and network failures, also inside a RetryError; never 4xx', async (t) => {
  t.equal(isRetryable(new CutShortError()), true)
  t.equal(isRetryable(retryError(new CutShortError())), true)
  t.equal(isRetryable(retryError(apiError(503))), true)
  t.equal(isRetryable(retryError(apiError(400))), false)
  t.equal(isRetryable(apiError(500)), true)
  t.equal(isRetryable(apiError(499)), false)
  t.equal(isRetryable(apiError(400, { cause: reset() })), false, 'a 4xx is final even when a network error sits in its cause')
  t.equal(isRetryable(apiError(200, { cause: reset() })), true, 'a 2xx whose body broke off')
  t.equal(isRetryable(apiError(200)), false)
  t.equal(isRetryable(new TypeError('terminated')), true)
  t.equal(isRetryable(new LlmError(500, 'already mapped')), false, 'an LlmError is final, whatever its status')
})

t.test('mapProviderError: the code and message of every provider status', async (t) => {
  const mapped = (err: unknown, secrets?: string[]) => {
    const e = mapProviderError(err, secrets)
    return [e.statusCode, e.code, e.message, e.retryAfter]
  }
  t.same(mapped(apiError(401)), [401, 'RAPPORT_LLM_KEY_REJECTED', KEY_REJECTED_MESSAGE, undefined])
  t.same(mapped(apiError(403)), [401, 'RAPPORT_LLM_KEY_REJECTED', KEY_REJECTED_MESSAGE, undefined])
  t.same(mapped(apiError(429, { headers: { 'retry-after': '4' } })), [429, 'RAPPORT_LLM_RATE_LIMITED', 'The LLM provider rate-limited the request; retry later', 4])
  t.same(mapped(apiError(408)), [500, 'RAPPORT_LLM_TIMEOUT', 'LLM provider error: timed out', undefined])
  t.same(mapped(apiError(400, { message: 'bad' })), [400, 'RAPPORT_LLM_REQUEST_REJECTED', 'The LLM provider rejected the request: bad', undefined])
  t.same(mapped(apiError(499, { message: 'odd' })), [400, 'RAPPORT_LLM_REQUEST_REJECTED', 'The LLM provider rejected the request: odd', undefined])
  t.same(mapped(apiError(404, { message: '' })), [400, 'RAPPORT_LLM_REQUEST_REJECTED', 'The LLM provider rejected the request: status 404', undefined])
  t.same(mapped(apiError(500)), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the provider answered 500', undefined])
  t.same(mapped(apiError(503)), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the provider answered 503', undefined])
  t.same(mapped(apiError(200)), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the provider sent an invalid response', undefined])
  t.same(mapped(apiError(399)), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the provider sent an invalid response', undefined])
  t.same(mapped(apiError(500, { cause: reset() })), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the provider answered 500', undefined], 'an answered status wins over a network cause')
  t.same(mapped(apiError(400, { message: 'bad', cause: reset() })), [400, 'RAPPORT_LLM_REQUEST_REJECTED', 'The LLM provider rejected the request: bad', undefined])
  t.same(mapped(apiError(400, { message: 'Stryker was here' })), [400, 'RAPPORT_LLM_REQUEST_REJECTED', 'The LLM provider rejected the request: Stryker was here', undefined], 'no secrets given: nothing but key shapes is redacted')
  t.same(mapped(apiError(200, { cause: new TypeError('terminated') })),
    [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: could not reach the provider or the connection was interrupted', undefined])
})

t.test('mapProviderError: a rejected request\'s provider text is scrubbed of the caller\'s key and cut at 200 characters', async (t) => {
  const key = 'my-own-key-123'
  const err = mapProviderError(apiError(400, { message: `bad key ${key} and sk-abcdefghijkl ${'y'.repeat(300)}` }), [key])
  const prefix = 'The LLM provider rejected the request: '
  t.equal(err.message, `${prefix}${`bad key [redacted] and [redacted] ${'y'.repeat(300)}`.slice(0, 200)}…`)
})

t.test('mapProviderError: failures without a status', async (t) => {
  const network = 'LLM provider error: could not reach the provider or the connection was interrupted'
  const invalid = 'LLM provider error: the provider sent an invalid response'
  const mapped = (err: unknown) => {
    const e = mapProviderError(err)
    return [e.statusCode, e.code, e.message]
  }
  t.same(mapped(new CutShortError()), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the answer was cut short (no finish marker)'])
  t.same(mapped(retryError(new CutShortError())), [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: the answer was cut short (no finish marker)'])
  t.same(mapped(apiError(undefined)), [500, 'RAPPORT_LLM_PROVIDER_ERROR', network])
  t.same(mapped(new TypeError('fetch failed', { cause: reset() })), [500, 'RAPPORT_LLM_PROVIDER_ERROR', network])
  t.same(mapped(retryError(apiError(502), reset())), [500, 'RAPPORT_LLM_PROVIDER_ERROR', network], 'the last attempt\'s failure counts')
  t.same(mapped(retryError(apiError(502), apiError(429))), [429, 'RAPPORT_LLM_RATE_LIMITED', 'The LLM provider rate-limited the request; retry later'])
  t.same(mapped(new DOMException('x', 'AbortError')), [500, 'RAPPORT_LLM_ABORTED', 'LLM provider error: the request was aborted'])
  t.same(mapped(new DOMException('x', 'TimeoutError')), [500, 'RAPPORT_LLM_ABORTED', 'LLM provider error: the request was aborted'])
  for (const name of ['AI_JSONParseError', 'AI_TypeValidationError', 'AI_InvalidResponseDataError', 'AI_EmptyResponseBodyError', 'AI_NoContentGeneratedError']) {
    t.same(mapped(Object.assign(new Error('x'), { name })), [500, 'RAPPORT_LLM_PROVIDER_ERROR', invalid], name)
  }
  const unexpected = [500, 'RAPPORT_LLM_PROVIDER_ERROR', 'LLM provider error: unexpected failure']
  t.same(mapped(Object.assign(new Error('x'), { name: 'SomethingElse' })), unexpected)
  t.same(mapped({ name: 42 }), unexpected)
  t.same(mapped({ name: ['AI_JSONParseError'] }), unexpected, 'only a string name is trusted')
  t.same(mapped(null), unexpected)
  t.same(mapped(undefined), unexpected)
  t.same(mapped('a string'), unexpected)
})

t.test('mapProviderError passes an LlmError through, also from inside a RetryError', async (t) => {
  const inner = new LlmError(400, 'already mapped')
  t.equal(mapProviderError(inner), inner)
  t.equal(mapProviderError(retryError(new Error('first'), inner)), inner)
})
