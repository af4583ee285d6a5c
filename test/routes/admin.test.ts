// Admin: list users, change role / disable, stats; everyone else gets 403.
import t from 'tap'
import { bearer, build, register } from '../helpers/build.ts'

t.test('non-admins get 403 on every admin route, anonymous 401', async (t) => {
  const app = await build(t)
  const u = await register(app)
  const guest = (await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })).json()
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/api/v1/admin/users'],
    ['PATCH', `/api/v1/admin/users/${u.id}`, { disabled: true }],
    ['GET', '/api/v1/admin/stats']
  ]
  for (const [method, url, payload] of routes) {
    for (const who of [u, guest]) {
      const res = await app.inject({ method: method as 'GET', url, headers: bearer(who), payload: payload as object })
      t.equal(res.statusCode, 403, `${method} ${url}`)
      t.same(res.json(), { error: { message: 'Admin role required' } })
    }
    const anon = await app.inject({ method: method as 'GET', url, payload: payload as object })
    t.equal(anon.statusCode, 401, `${method} ${url} anonymous`)
  }
})

t.test('admins list users, change roles and disable accounts', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(app, 'root@example.com')
  const u = await register(app, 'u@example.com')
  const list = await app.inject({ method: 'GET', url: '/api/v1/admin/users?limit=10&offset=0', headers: bearer(root) })
  t.equal(list.statusCode, 200)
  t.same(list.json().map((x: { email: string }) => x.email), ['root@example.com', 'u@example.com'])
  t.same(Object.keys(list.json()[0]).sort(), ['created_at', 'disabled', 'display_name', 'email', 'id', 'role'])
  t.same((await app.inject({ method: 'GET', url: '/api/v1/admin/users?limit=1&offset=1', headers: bearer(root) })).json().map((x: { id: string }) => x.id), [u.id])
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/admin/users?limit=101', headers: bearer(root) })).statusCode, 400)

  const promoted = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, headers: bearer(root), payload: { role: 'admin' } })
  t.match(promoted.json(), { id: u.id, role: 'admin', disabled: false })
  const disabled = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, headers: bearer(root), payload: { disabled: true, role: 'user' } })
  t.match(disabled.json(), { role: 'user', disabled: true })

  const missing = await app.inject({ method: 'PATCH', url: '/api/v1/admin/users/7f9c2b7e-2a4e-4e0e-9d55-0d6f3a4c1b11', headers: bearer(root), payload: { disabled: true } })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: { message: 'User not found' } })
  const self = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${root.id}`, headers: bearer(root), payload: { disabled: true } })
  t.equal(self.statusCode, 400, 'an admin cannot lock themselves out')
  const guestRole = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, headers: bearer(root), payload: { role: 'guest' } })
  t.equal(guestRole.statusCode, 400, 'guest is not a role an admin can assign')
})

t.test('stats count users, and activity in the last 24 hours', async (t) => {
  const app = await build(t, { ADMIN_EMAILS: 'root@example.com' })
  const root = await register(app, 'root@example.com')
  await register(app)
  await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  const res = await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: bearer(root) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    users: 3,
    personas: 0,
    sessions: 0,
    messages: 0,
    last_24h: { users: 3, sessions: 0, messages: 0, turns: 0, llm_tokens_in: 0, llm_tokens_out: 0, speculation_wasted_tokens_in: 0, speculation_wasted_tokens_out: 0 }
  })
})
