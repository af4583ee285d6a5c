// CORS: only the origins in CORS_ORIGINS may call the API from a browser.
import t from 'tap'
import { build } from './helpers/build.ts'

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
