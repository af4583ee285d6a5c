// Authentication: JWT for the web API, X-API-Key for the SDK API, checked against the live user record.
import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import { Errors } from '../errors.ts'
import { API_KEY_PATTERN } from '../security.ts'
import type { Role, UserView } from '../repositories/users-repository.ts'

export interface AuthUser { id: string, role: Role }
export interface AuthApiKey { keyId: string, userId: string }

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string, role: Role }
    user: AuthUser
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Verifies the Bearer JWT and the live user record; sets request.user. Rejects with 401. */
    verifyJwt: (request: FastifyRequest) => Promise<void>
    /** Verifies X-API-Key; sets request.apiKey. Rejects with 401. */
    verifyApiKey: (request: FastifyRequest) => Promise<void>
    /** Signs a token for a user. */
    signToken: (user: AuthUser) => string
  }
  interface FastifyRequest {
    apiKey: AuthApiKey | null
    /** The signed-in user's current record (JWT routes). */
    account: UserView | null
  }
}

/** Registers @fastify/jwt and the two verifiers. Needs the repositories plugin. */
export default fp(async function authPlugin (app, opts: { secret: string, expiresIn: string }) {
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { expiresIn: opts.expiresIn },
    formatUser: (payload) => ({ id: payload.sub, role: payload.role })
  })

  // Tokens whose signature was verified, with their expiry: a repeat request skips decoding and the
  // HMAC. Only the subject is taken from the token; role and disabled come from the user record.
  const verified = new Map<string, { sub: string, exp: number }>()
  const VERIFIED_LIMIT = 10_000

  function subjectOf (request: FastifyRequest): string {
    const header = request.headers.authorization
    if (header === undefined || header === '') throw new Errors.Unauthorized('Missing Authorization: Bearer <token> header')
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match) throw new Errors.Unauthorized('Malformed Authorization header: expected Bearer <token>')
    const token = match[1]
    const hit = verified.get(token)
    if (hit !== undefined && hit.exp * 1000 > Date.now()) return hit.sub
    const payload = app.jwt.verify<{ sub: string, exp: number }>(token)
    if (typeof payload.sub !== 'string') throw new Errors.Unauthorized('Invalid token')
    if (verified.size >= VERIFIED_LIMIT) verified.clear()
    verified.set(token, { sub: payload.sub, exp: payload.exp })
    return payload.sub
  }

  app.decorateRequest('apiKey', null)
  app.decorateRequest('account', null)

  app.decorate('signToken', (user: AuthUser) => app.jwt.sign({ sub: user.id, role: user.role }))

  app.decorate('verifyJwt', async (request: FastifyRequest) => {
    // The token proves identity; role and disabled come from the database so changes apply at once.
    const account = await app.repos.users.findById(subjectOf(request))
    if (!account) throw new Errors.Unauthorized('Invalid token: the user no longer exists')
    if (account.disabled) throw new Errors.Unauthorized('This account is disabled')
    request.user = { id: account.id, role: account.role }
    request.account = account
  })

  app.decorate('verifyApiKey', async (request: FastifyRequest) => {
    const header = request.headers['x-api-key']
    const key = Array.isArray(header) ? header[0] : header
    if (!key) throw new Errors.Unauthorized('Missing X-API-Key header')
    if (!API_KEY_PATTERN.test(key)) throw new Errors.Unauthorized('Invalid API key')
    const owner = await app.repos.apiKeys.authenticate(key)
    if (owner === 'invalid') throw new Errors.Unauthorized('Invalid API key')
    if (owner === 'revoked') throw new Errors.Unauthorized('This API key has been revoked')
    if (owner === 'disabled') throw new Errors.Unauthorized('The account that owns this API key is disabled')
    request.apiKey = { keyId: owner.keyId, userId: owner.userId }
  })

  // last_used_at is written in batches, so a busy key costs no write per request.
  const flush = () => { app.repos.apiKeys.flushUsage().catch((err: unknown) => app.log.error({ err }, 'writing API key last_used_at failed')) }
  const timer = setInterval(flush, 5000)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await app.repos.apiKeys.flushUsage()
  })
}, { name: 'auth', dependencies: ['repositories'] })
