// Web auth: register, login, guest, me; token expiry; disabled users lose access at once.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { bearer, build, register } from '../helpers/build.ts'

const SECRET = 'test-secret-test-secret-test-secret!'

function forgeToken (payload: Record<string, unknown>, secret = SECRET): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

t.test('register → me → login round trip', async (t) => {
  const app = await build(t)
  const reg = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'Ada@Example.com', password: 'analytical', display_name: 'Ada' } })
  t.equal(reg.statusCode, 201)
  const body = reg.json()
  t.type(body.token, 'string')
  t.same(Object.keys(body.user).sort(), ['display_name', 'email', 'id', 'role'])
  t.match(body.user, { email: 'ada@example.com', display_name: 'Ada', role: 'user' })
  t.notMatch(reg.body, /password|scrypt/, 'no password material in the answer')

  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(body) })
  t.same(me.json(), body.user)

  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ada@example.com', password: 'analytical' } })
  t.equal(login.statusCode, 200)
  t.equal(login.json().user.id, body.user.id)
})

t.test('register refuses a taken email, a short password and a bad email', async (t) => {
  const app = await build(t)
  await register(app, 'taken@example.com')
  const taken = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'TAKEN@example.com', password: 'something long' } })
  t.equal(taken.statusCode, 400)
  t.same(taken.json(), { error: { message: 'An account with this email already exists' } })
  const short = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'new@example.com', password: 'short' } })
  t.equal(short.statusCode, 400)
  t.same(short.json(), { error: { message: 'body.password must NOT have fewer than 8 characters' } })
  const bad = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'not-an-email', password: 'long enough' } })
  t.equal(bad.statusCode, 400)
})

t.test('login with wrong credentials is 401 with one message for both cases', async (t) => {
  const app = await build(t)
  await register(app, 'bob@example.com', 'right password')
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'bob@example.com', password: 'wrong password' } })
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com', password: 'whatever1' } })
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  t.same(wrong.json(), { error: { message: 'Invalid email or password' } })
  t.same(unknown.json(), wrong.json())
})

t.test('guests get a token with the guest role and no email', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  t.equal(res.statusCode, 201)
  t.match(res.json().user, { role: 'guest', email: null })
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(res.json()) })
  t.equal(me.json().role, 'guest')
  const keys = await app.inject({ method: 'POST', url: '/api/v1/sdk/api-keys', headers: bearer(res.json()), payload: { name: 'x' } })
  t.equal(keys.statusCode, 403, 'guests cannot create API keys')
  t.same(keys.json(), { error: { message: 'Guest accounts cannot do this: register an account' } })
})

t.test('ADMIN_EMAILS accounts register as admins', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'boss@example.com' })
  const boss = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'Boss@example.com', password: 'long enough' } })
  t.equal(boss.json().user.role, 'admin')
  const other = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'worker@example.com', password: 'long enough' } })
  t.equal(other.json().user.role, 'user')
})

t.test('tokens carry the user id and role and expire', async (t) => {
  const app = await build(t)
  const a = await register(app)
  const [, payload] = a.token.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
  t.equal(claims.sub, a.id)
  t.equal(claims.role, 'user')
  t.equal(claims.exp - claims.iat, 7 * 24 * 3600, 'default lifetime is 7 days')

  const now = Math.floor(Date.now() / 1000)
  const expired = forgeToken({ sub: a.id, role: 'user', iat: now - 100, exp: now - 10 })
  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${expired}` } })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { error: { message: 'The token has expired: sign in again' } })

  const valid = forgeToken({ sub: a.id, role: 'user', iat: now, exp: now + 60 })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${valid}` } })).statusCode, 200, 'a token with the right secret is accepted')
  const forged = forgeToken({ sub: a.id, role: 'admin', iat: now, exp: now + 60 }, 'another-secret-another-secret-another')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${forged}` } })).statusCode, 401)
})

t.test('JWT_EXPIRES_IN sets the lifetime', async (t) => {
  const app = await build(t, { JWT_EXPIRES_IN: '2h' })
  const a = await register(app)
  const claims = JSON.parse(Buffer.from(a.token.split('.')[1], 'base64url').toString())
  t.equal(claims.exp - claims.iat, 7200)
})

t.test('a disabled user is refused at once, with an existing token and at login', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(app, 'root@example.com')
  const u = await register(app, 'victim@example.com', 'victim password')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u) })).statusCode, 200)
  const patch = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, headers: bearer(root), payload: { disabled: true } })
  t.equal(patch.statusCode, 200)
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u) })
  t.equal(me.statusCode, 401)
  t.same(me.json(), { error: { message: 'This account is disabled' } })
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'victim@example.com', password: 'victim password' } })
  t.equal(login.statusCode, 401)
  t.same(login.json(), { error: { message: 'This account is disabled' } })
})

t.test('a role change applies to existing tokens at once', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(app, 'root@example.com')
  const u = await register(app)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: bearer(u) })).statusCode, 403)
  await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, headers: bearer(root), payload: { role: 'admin' } })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: bearer(u) })).statusCode, 200)
})

t.test('unsigned (alg none), malformed and non-Bearer tokens are 401', async (t) => {
  const app = await build(t)
  const a = await register(app)
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: a.id, role: 'admin', iat: now, exp: now + 60 })}.`
  const cases: Array<[string, string]> = [
    [`Bearer ${unsigned}`, 'Invalid token'],
    ['Bearer a.b.c', 'Invalid token'],
    [`Basic ${Buffer.from('me:pw').toString('base64')}`, 'Malformed Authorization header: expected Bearer <token>'],
    ['Bearer', 'Malformed Authorization header: expected Bearer <token>']
  ]
  for (const [authorization, message] of cases) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: { authorization } })
    t.equal(res.statusCode, 401, authorization.slice(0, 20))
    t.same(res.json(), { error: { message } })
  }
})
