// The client's request path against a scripted server: headers, cache, retries, Idempotency-Key, abort, timeout, hooks, secrets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import {
  Rapport, AuthenticationError, BadRequestError, ConnectionError, RateLimitError, ServerError, TimeoutError, type RequestInfo
} from '@rapport/sdk'
import { backoffMs } from '../src/http.ts'
import { fail, scriptServer } from './script-server.ts'

const API_KEY = 'pk_live_0123456789abcdef0123456789abcdef'
const LLM_KEY = 'sk-secret-llm-key-do-not-leak'

async function setup (t: { after: (fn: () => Promise<void>) => void }, options: Record<string, unknown> = {}) {
  const server = await scriptServer()
  t.after(() => server.close())
  const client = new Rapport({ apiKey: API_KEY, baseUrl: `${server.url}/`, llmApiKey: LLM_KEY, llmModel: 'gpt-4o-mini', ...options })
  return { server, client }
}

test('camelCase options become the X-API-Key and X-LLM-* headers, and every request says Content-Type: application/json', async (t) => {
  const { server, client } = await setup(t, {
    llmEvalModel: 'anthropic/claude-x',
    llmResponseModel: 'gpt-4o',
    llmSummarizationModel: 'groq/llama',
    llmEvalApiKey: 'sk-eval',
    llmResponseApiKey: 'sk-response',
    llmSummarizationApiKey: 'sk-summary'
  })
  await client.chat.getSession('p 1', { userSessionId: 'player/1', machineId: 'm1' })
  const [seen] = server.seen
  assert.equal(seen.method, 'GET')
  assert.equal(seen.url, '/api/v1/sdk/chat/p%201/session?user_session_id=player%2F1&machine_id=m1')
  assert.equal(seen.headers['content-type'], 'application/json')
  assert.equal(seen.headers['x-api-key'], API_KEY)
  assert.deepEqual(
    ['x-llm-api-key', 'x-llm-model', 'x-llm-eval-model', 'x-llm-response-model', 'x-llm-summarization-model', 'x-llm-eval-api-key', 'x-llm-response-api-key', 'x-llm-summarization-api-key'].map((h) => seen.headers[h]),
    [LLM_KEY, 'gpt-4o-mini', 'anthropic/claude-x', 'gpt-4o', 'groq/llama', 'sk-eval', 'sk-response', 'sk-summary'])
  assert.equal(seen.headers['idempotency-key'], undefined, 'a read carries no Idempotency-Key')
})

test('request bodies and queries are snake_case; reset and validate-llm-key send an empty JSON object', async (t) => {
  const { server, client } = await setup(t)
  await client.chat.initSession('p1', { userSessionId: 'u1', playerName: 'Ada', playerGender: 'female', machineId: 'm2' })
  await client.chat.getHistory('p1', { userSessionId: 'u1', includeTrace: true })
  await client.chat.reset('p1', { userSessionId: 'u1' })
  await client.validateLlmKey()
  assert.deepEqual(server.seen.map((s) => [s.method, s.url, s.body]), [
    ['POST', '/api/v1/sdk/chat/p1/init-session?machine_id=m2', '{"user_session_id":"u1","player_name":"Ada","player_gender":"female"}'],
    ['GET', '/api/v1/sdk/chat/p1/history?user_session_id=u1&include_trace=true', ''],
    ['POST', '/api/v1/sdk/chat/p1/reset?user_session_id=u1', '{}'],
    ['POST', '/api/v1/sdk/validate-llm-key', '{}']
  ])
})

test('the persona list is cached for personaCacheTtl; fresh: true and clearCache() skip it', async (t) => {
  const { server, client } = await setup(t)
  server.answer({ json: [{ id: 'a' }] }, { json: [{ id: 'b' }] }, { json: [{ id: 'c' }] })
  const first = await client.personas.list()
  first.push({ id: 'mutated' } as never)
  assert.deepEqual(await client.personas.list(), [{ id: 'a' }], 'served from the cache, unaffected by the caller\'s changes')
  assert.equal(server.seen.length, 1)
  assert.deepEqual(await client.personas.list({ fresh: true }), [{ id: 'b' }])
  client.personas.clearCache()
  assert.deepEqual(await client.personas.list(), [{ id: 'c' }])
  assert.equal(server.seen.length, 3)

  const uncached = new Rapport({ apiKey: API_KEY, baseUrl: server.url, personaCacheTtl: 0 })
  server.answer({ json: [] }, { json: [] })
  await uncached.personas.list()
  await uncached.personas.list()
  assert.equal(server.seen.length, 5, 'a TTL of 0 turns the cache off')
})

test('a message retried after 5xx keeps its Idempotency-Key; the next message gets a new one', async (t) => {
  const { server, client } = await setup(t)
  server.answer(fail(500, 'boom'), fail(503, 'busy', { 'retry-after': '0' }), { json: { message: 'hi' } }, { json: { message: 'again' } })
  assert.deepEqual(await client.chat.sendMessage('p1', { userSessionId: 'u1', message: 'Hello' }), { message: 'hi' })
  await client.chat.sendMessage('p1', { userSessionId: 'u1', message: 'Hello' })
  const keys = server.seen.map((s) => s.headers['idempotency-key'])
  assert.equal(keys.length, 4)
  assert.match(String(keys[0]), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(keys[1], keys[0])
  assert.equal(keys[2], keys[0])
  assert.notEqual(keys[3], keys[0])
})

test('retries stop after maxRetries and throw the typed error; 4xx other than 429 are never retried', async (t) => {
  const { server, client } = await setup(t)
  server.answer(fail(500, 'down'), fail(500, 'down'), fail(500, 'down'), fail(502, 'still down'))
  const err = await client.chat.sendMessage('p1', { userSessionId: 'u', message: 'x' }).catch((e) => e)
  assert.ok(err instanceof ServerError)
  assert.equal(err.statusCode, 502)
  assert.equal(err.message, 'still down')
  assert.equal(server.seen.length, 4, 'one call and three retries')

  server.answer(fail(400, 'bad gender'), fail(401, 'bad key'))
  await assert.rejects(client.chat.initSession('p1', { userSessionId: 'u', playerName: 'A', playerGender: 'female' }), BadRequestError)
  await assert.rejects(client.personas.list(), AuthenticationError)
  assert.equal(server.seen.length, 6)
})

test('a 429 waits its Retry-After before the retry; a Retry-After above 60 s is not waited for', async (t) => {
  const { server, client } = await setup(t)
  server.answer(fail(429, 'slow down', { 'retry-after': '1' }), { json: [] })
  await client.personas.list()
  assert.ok(server.seen[1].at - server.seen[0].at >= 990, `waited ${server.seen[1].at - server.seen[0].at} ms`)

  server.answer(fail(429, 'come back later', { 'retry-after': '120' }))
  const err = await client.machines.list('p1', { userSessionId: 'u' }).catch((e) => e)
  assert.ok(err instanceof RateLimitError)
  assert.equal(err.retryAfter, 120)
  assert.equal(server.seen.length, 3)
})

test('backoff grows about 0.25–0.5 s, 0.5–1 s, 1–2 s', () => {
  for (let i = 0; i < 200; i++) {
    const [a, b, c] = [backoffMs(0), backoffMs(1), backoffMs(2)]
    assert.ok(a >= 250 && a < 500 && b >= 500 && b < 1000 && c >= 1000 && c < 2000, `${a} ${b} ${c}`)
  }
})

test('a stream is never retried', async (t) => {
  const { server, client } = await setup(t)
  server.answer(fail(500, 'provider down'), { json: {} })
  await assert.rejects(client.chat.streamMessage('p1', { userSessionId: 'u', message: 'x' }).finalResponse(), ServerError)
  assert.equal(server.seen.length, 1)
  assert.equal(server.seen[0].url, '/api/v1/sdk/chat/p1/message/stream')
  assert.equal(server.seen[0].headers.accept, 'text/event-stream')
  assert.ok(server.seen[0].headers['idempotency-key'])
})

test('AbortSignal cancels a call in flight and a wait between retries', async (t) => {
  const { server, client } = await setup(t)
  server.answer({ delayMs: 5000, json: {} })
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 50)
  await assert.rejects(client.chat.getSession('p1', { userSessionId: 'u' }, { signal: controller.signal }), { name: 'AbortError' })

  server.answer(fail(503, 'busy', { 'retry-after': '30' }))
  const waiting = new AbortController()
  const call = client.personas.list({ signal: waiting.signal })
  while (server.seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  waiting.abort()
  await assert.rejects(call, { name: 'AbortError' })
  assert.equal(server.seen.length, 2, 'no retry after the abort')
})

test('a slow answer times out as TimeoutError (statusCode 0), and a refused connection is a ConnectionError', async (t) => {
  const { server, client } = await setup(t, { timeout: 100, maxRetries: 1 })
  server.answer({ delayMs: 3000, json: {} }, { delayMs: 3000, json: {} })
  const err = await client.chat.getSession('p1', { userSessionId: 'u' }).catch((e) => e)
  assert.ok(err instanceof TimeoutError)
  assert.equal(err.statusCode, 0)
  assert.equal(server.seen.length, 2, 'a timeout is retried')

  const closed = await scriptServer()
  await closed.close()
  const offline = new Rapport({ apiKey: API_KEY, baseUrl: closed.url, maxRetries: 0 })
  await assert.rejects(offline.personas.list(), ConnectionError)
})

test('hooks see every attempt without credentials, may add headers, and hear whether a failure is retried', async (t) => {
  const log: string[] = []
  const seenHeaders: Array<Record<string, string>> = []
  const { server, client } = await setup(t, {
    hooks: {
      beforeRequest: (req: RequestInfo) => {
        seenHeaders.push({ ...req.headers })
        req.headers['x-game-build'] = '42'
        log.push(`before ${req.attempt}`)
      },
      afterResponse: (_req: RequestInfo, res: Response) => { log.push(`after ${res.status}`) },
      onError: (_req: RequestInfo, err: Error, willRetry: boolean) => { log.push(`error ${err.name} ${willRetry}`) }
    },
    maxRetries: 1
  })
  server.answer(fail(500, 'x'), fail(500, 'y'))
  await assert.rejects(client.chat.sendMessage('p1', { userSessionId: 'u', message: 'm' }), ServerError)
  assert.deepEqual(log, ['before 0', 'after 500', 'error ServerError true', 'before 1', 'after 500', 'error ServerError false'])
  assert.equal(server.seen[0].headers['x-game-build'], '42')
  const exposed = JSON.stringify(seenHeaders)
  assert.ok(!exposed.includes(API_KEY) && !exposed.includes(LLM_KEY), exposed)
  assert.ok(seenHeaders[0]['idempotency-key'])
})

test('keys never appear in inspection, JSON or errors', async (t) => {
  const { server, client } = await setup(t, { maxRetries: 0 })
  for (const shown of [inspect(client, { showHidden: true, depth: 5 }), JSON.stringify(client), String(client)]) {
    assert.ok(!shown.includes(API_KEY) && !shown.includes(LLM_KEY), shown)
  }
  assert.match(inspect(client), /\[redacted\]/)
  server.answer(fail(401, 'The LLM provider rejected the LLM API key (X-LLM-API-Key)'))
  const err = await client.personas.list().catch((e) => e)
  for (const shown of [inspect(err, { showHidden: true, depth: 5 }), JSON.stringify(err), String(err.stack)]) {
    assert.ok(!shown.includes(API_KEY) && !shown.includes(LLM_KEY), shown)
  }
})
