// CORS: only the origins in CORS_ORIGINS may call the API from a browser; preflight allows the API's headers; clients can read rate-limit headers.
import t from 'tap'
import { build } from './helpers/build.ts'
import { chatSetup } from './helpers/chat.ts'

t.test('listed origins get CORS headers, others do not', async (t) => {
  const app = await build(t, { CORS_ORIGINS: 'https://game.example,https://editor.example' })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/v1/auth/me', headers: { origin: 'https://game.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://game.example')
  const simple = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://editor.example' } })
  t.equal(simple.headers['access-control-allow-origin'], 'https://editor.example')
  const other = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined)
})

t.test('* allows any origin', async (t) => {
  const app = await build(t, { CORS_ORIGINS: '*' })
  const res = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://anywhere.example' } })
  t.equal(res.headers['access-control-allow-origin'], 'https://anywhere.example')
})

t.test('without CORS_ORIGINS no browser origin is allowed', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://game.example' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['access-control-allow-origin'], undefined)
})

const GAME = 'http://127.0.0.1:8123'
const listed = (header: string | string[] | number | undefined) => String(header ?? '').split(',').map((h) => h.trim().toLowerCase())

t.test('preflight allows every header the API reads and may be cached', async (t) => {
  const app = await build(t, { CORS_ORIGINS: GAME })
  const wanted = ['content-type', 'authorization', 'x-api-key', 'idempotency-key', 'x-rapport-speculative-reply', 'x-llm-api-key', 'x-llm-model', 'x-llm-eval-model',
    'x-llm-response-model', 'x-llm-summarization-model', 'x-llm-eval-api-key', 'x-llm-response-api-key', 'x-llm-summarization-api-key']
  const res = await app.inject({
    method: 'OPTIONS',
    url: '/api/v1/sdk/chat/00000000-0000-4000-8000-000000000000/message/stream',
    headers: { origin: GAME, 'access-control-request-method': 'POST', 'access-control-request-headers': wanted.join(',') }
  })
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-origin'], GAME)
  const allowed = listed(res.headers['access-control-allow-headers'])
  for (const header of wanted) t.ok(allowed.includes(header), `${header} is allowed`)
  t.ok(listed(res.headers['access-control-allow-methods']).includes('post'))
  t.equal(res.headers['access-control-max-age'], '600')
})

t.test('rate-limit headers, Retry-After and the request id are exposed on answers, errors and 429s', async (t) => {
  const app = await build(t, { CORS_ORIGINS: GAME, RATE_LIMIT_GENERAL: '2' })
  const exposed = ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id', 'idempotent-replayed']
  const ok = await app.inject({ method: 'GET', url: '/api/v1/personas', headers: { origin: GAME } })
  const unauthorized = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { origin: GAME } })
  const limited = await app.inject({ method: 'GET', url: '/api/v1/personas', headers: { origin: GAME } })
  t.same([ok.statusCode, unauthorized.statusCode, limited.statusCode], [200, 401, 429])
  for (const res of [ok, unauthorized, limited]) {
    t.equal(res.headers['access-control-allow-origin'], GAME)
    const list = listed(res.headers['access-control-expose-headers'])
    for (const header of exposed) t.ok(list.includes(header), `${res.statusCode} exposes ${header}`)
  }
  t.ok(Number(limited.headers['retry-after']) >= 1)
})

t.test('the hijacked event stream keeps the CORS and rate-limit headers', async (t) => {
  const c = await chatSetup(t, { env: { CORS_ORIGINS: GAME } })
  await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' })
  const res = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'Hi' }, { origin: GAME })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  t.equal(res.headers['access-control-allow-origin'], GAME)
  t.ok(listed(res.headers['access-control-expose-headers']).includes('x-ratelimit-remaining'))
  t.ok(res.headers['x-ratelimit-remaining'] !== undefined)
})
