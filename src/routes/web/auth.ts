// Web auth routes: register, login, guest, me.
import { Errors } from '../../errors.ts'
import { errors, ref } from '../../schemas/common.ts'
import { AuthResponse, LoginBody, Me, RegisterBody } from '../../schemas/users.ts'
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../security.ts'
import type { UserView } from '../../repositories/users-repository.ts'
import type { App } from '../types.ts'

const me = (u: UserView) => ({ id: u.id, email: u.email, display_name: u.display_name, role: u.role })

/** POST /auth/register, /auth/login, /auth/guest and GET /auth/me. */
export default async function authRoutes (app: App, opts: { adminEmails: Set<string> }) {
  app.post('/auth/register', {
    schema: {
      operationId: 'register',
      tags: ['auth'],
      summary: 'Create an account',
      description: 'Creates a user (an admin when the email is listed in ADMIN_EMAILS) and returns a token.',
      body: ref(RegisterBody),
      response: { 201: ref(AuthResponse), ...errors(400, 429) }
    }
  }, async (req, reply) => {
    const email = req.body.email.trim().toLowerCase()
    const user = await app.repos.users.create({
      email,
      passwordHash: await hashPassword(req.body.password),
      displayName: req.body.display_name ?? null,
      role: opts.adminEmails.has(email) ? 'admin' : 'user'
    })
    if (!user) throw new Errors.EmailTaken()
    return reply.code(201).send({ token: app.signToken(user), user: me(user) })
  })

  app.post('/auth/login', {
    schema: {
      operationId: 'login',
      tags: ['auth'],
      summary: 'Sign in',
      description: 'Returns a fresh token for the email and password; a wrong email or password answers the same 401.',
      body: ref(LoginBody),
      response: { 200: ref(AuthResponse), ...errors(400, 401, 429) }
    }
  }, async (req) => {
    const found = await app.repos.users.findCredentials(req.body.email.trim().toLowerCase())
    // Spend the same scrypt time whether or not the email exists.
    const ok = await verifyPassword(req.body.password, found?.passwordHash ?? await dummyPasswordHash())
    if (!found || !found.passwordHash || !ok) throw new Errors.InvalidCredentials()
    if (found.user.disabled) throw new Errors.Unauthorized('This account is disabled')
    return { token: app.signToken(found.user), user: me(found.user) }
  })

  app.post('/auth/guest', {
    schema: {
      operationId: 'createGuest',
      tags: ['auth'],
      summary: 'Start a guest account',
      description: 'A guest may web-chat with published personas; its progress can later move to a real account with migrate-progress.',
      response: { 201: ref(AuthResponse), ...errors(429) }
    }
  }, async (_req, reply) => {
    const user = await app.repos.users.create({ email: null, passwordHash: null, displayName: 'Guest', role: 'guest' })
    if (!user) throw new Error('guest creation failed')
    return reply.code(201).send({ token: app.signToken(user), user: me(user) })
  })

  app.get('/auth/me', {
    config: { auth: 'jwt' },
    schema: {
      operationId: 'getMe',
      tags: ['auth'],
      summary: 'The signed-in user',
      description: 'The account the bearer token belongs to.',
      response: { 200: ref(Me), ...errors(401, 429) }
    }
  }, async (req) => me(req.account!))
}
