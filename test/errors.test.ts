// The error contract: every error source answers exactly {"error":{"message"}} with its status.
import t, { type Test } from 'tap'
import { Writable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import { buildApp } from '../src/app.ts'
import { bearer, build, register, testAppConfig } from './helpers/build.ts'
import { breakDatabase } from './helpers/db.ts'

/** A log destination that keeps every line. */
function captureLogs () {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  return { lines, stream }
}

const envelope = (t: Test, res: { json: () => unknown, headers: Record<string, unknown> }, message: string | RegExp) => {
  const body = res.json() as { error: { message: string } }
  t.same(Object.keys(body), ['error'], 'only the error key')
  t.same(Object.keys(body.error), ['message'], 'only the message key')
  if (typeof message === 'string') t.equal(body.error.message, message)
  else t.match(body.error.message, message)
  t.match(String(res.headers['content-type']), /application\/json/)
}

t.test('schema validation errors are 400 in the envelope', async (t) => {
  const app = await build(t)
  const a = await register(app)
  const badUuid = await app.inject({ method: 'DELETE', url: '/api/v1/sdk/api-keys/not-a-uuid', headers: bearer(a) })
  t.equal(badUuid.statusCode, 400)
  envelope(t, badUuid, 'params.key_id must be a valid UUID')

  const missing = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'x@example.com' } })
  t.equal(missing.statusCode, 400)
  envelope(t, missing, 'body.password is required')

  const admin = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(admin, 'root@example.com')
  const badEnum = await admin.inject({ method: 'PATCH', url: `/api/v1/admin/users/${root.id}`, headers: bearer(root), payload: { role: 'emperor' } })
  t.equal(badEnum.statusCode, 400)
  envelope(t, badEnum, /body\.role/)

  const wrongType = await app.inject({ method: 'POST', url: '/api/v1/sdk/api-keys', headers: bearer(a), payload: { name: 42 } })
  t.equal(wrongType.statusCode, 400, 'body types are not coerced')
  envelope(t, wrongType, 'body.name must be string')
})

t.test('malformed JSON, wrong content type and oversized bodies', async (t) => {
  const app = await build(t, { BODY_LIMIT: '2048' })
  const bad = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: '{"email": ', headers: { 'content-type': 'application/json' } })
  t.equal(bad.statusCode, 400)
  envelope(t, bad, /^Malformed JSON body/)

  const text = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(text.statusCode, 415)
  envelope(t, text, 'Unsupported content type: application/x-www-form-urlencoded. Send application/json')

  const big = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: JSON.stringify({ email: 'a'.repeat(5000), password: 'x' }), headers: { 'content-type': 'application/json' } })
  t.equal(big.statusCode, 413)
  envelope(t, big, 'Request body is too large: the limit is 2048 bytes')
})

t.test('an empty body with Content-Type: application/json is accepted where no body is needed', async (t) => {
  const app = await build(t)
  const guest = await app.inject({ method: 'POST', url: '/api/v1/auth/guest', headers: { 'content-type': 'application/json' } })
  t.equal(guest.statusCode, 201)
  const a = await register(app)
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { ...bearer(a), 'content-type': 'application/json' } })
  t.equal(me.statusCode, 200)
})

t.test('unknown routes and malformed URLs', async (t) => {
  const app = await build(t)
  const nf = await app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' })
  t.equal(nf.statusCode, 404)
  envelope(t, nf, 'Route GET /api/v1/nothing-here not found')

  const wrong = await app.inject({ method: 'DELETE', url: '/api/v1/auth/me?x=1' })
  t.equal(wrong.statusCode, 405, 'a known path with a method it does not have')
  t.equal(wrong.headers.allow, 'GET, HEAD')
  envelope(t, wrong, 'Method DELETE is not allowed on /api/v1/auth/me; allowed: GET, HEAD')
  const params = await app.inject({ method: 'PUT', url: '/api/v1/personas/0b7e6a52-1d1a-4d0e-9d53-1e4a2b3c4d5e' })
  t.equal(params.statusCode, 405, 'paths with parameters are matched too')
  t.equal(params.headers.allow, 'GET, HEAD, DELETE')

  const url = await app.inject({ method: 'GET', url: '/api/v1/sdk/api-keys/%E0%A4%A' })
  t.equal(url.statusCode, 400)
  envelope(t, url, 'Malformed URL: invalid percent-encoding')
})

t.test('authentication failures are 401 in the envelope', async (t) => {
  const app = await build(t)
  const none = await app.inject({ method: 'GET', url: '/api/v1/auth/me' })
  t.equal(none.statusCode, 401)
  envelope(t, none, 'Missing Authorization: Bearer <token> header')

  const garbage = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Bearer not.a.jwt' } })
  t.equal(garbage.statusCode, 401)
  envelope(t, garbage, 'Invalid token')

  const other = await build(t)
  const foreign = await register(other)
  const wrongSecret = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(foreign) })
  t.equal(wrongSecret.statusCode, 401, 'a token signed by another secret is refused')
})

t.test('an unhandled exception is masked as 500 and logged with the request id', async (t) => {
  const { lines, stream } = captureLogs()
  const app = await buildApp(await testAppConfig(t, { LOG_LEVEL: 'info' }), {
    logStream: stream,
    extraRoutes: async (api) => {
      api.get('/boom', { schema: { response: { 200: Type.Object({}) } } }, async () => {
        throw new Error('SELECT secret FROM internals failed at /srv/app.ts:42')
      })
    }
  })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/api/v1/boom' })
  t.equal(res.statusCode, 500)
  envelope(t, res, 'Internal server error')
  t.notMatch(res.body, /SELECT|internals|app\.ts/)
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed')
  t.ok(logged, 'the failure is logged')
  t.equal(logged.reqId, res.headers['request-id'] ?? logged.reqId)
  t.match(logged.err.message, /SELECT secret/)
  t.ok(logged.reqId, 'with the request id')
})

t.test('a database failure is a masked 500', async (t) => {
  const app = await build(t)
  const a = await register(app)
  await breakDatabase(app)
  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(a) })
  t.equal(res.statusCode, 500)
  envelope(t, res, 'Internal server error')
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  envelope(t, ready, 'Database unavailable')
})

t.test('secrets in headers never reach the logs', async (t) => {
  const { lines, stream } = captureLogs()
  const app = await buildApp(await testAppConfig(t, { LOG_LEVEL: 'info' }), { logStream: stream })
  t.teardown(() => app.close())
  const a = await register(app)
  await app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: { ...bearer(a), 'x-api-key': 'pk_live_0123456789abcdef0123456789abcdef', 'x-llm-api-key': 'sk-secret-llm', 'x-llm-eval-api-key': 'sk-eval-secret', 'x-llm-model': 'openai/gpt-4o-mini', 'x-llm-eval-model': 'mock/judge', 'x-llm-futurekey': 'sk-future', 'x-trace': 'visible' }
  })
  const all = lines.join('')
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'incoming request' && l.req.url === '/api/v1/auth/me')
  t.match(logged.req.headers, { 'x-llm-model': 'openai/gpt-4o-mini', 'x-llm-eval-model': 'mock/judge' }, 'the models a request names are logged')
  t.notMatch(all, /sk-future/, 'any other X-LLM-* header is redacted as a possible key')
  t.notMatch(all, a.token, 'the JWT is not logged')
  t.notMatch(all, /pk_live_0123/, 'the API key is not logged')
  t.notMatch(all, /sk-secret-llm|sk-eval-secret/, 'LLM keys are not logged')
  t.match(all, /\[redacted\]/)
  t.match(all, /visible/, 'other headers are logged')
})
