// Route guard: authentication and the rate-limit category of every route, declared in route config.
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import { Errors } from '../errors.ts'
import type { Config } from '../config.ts'
import { redisOf } from './redis.ts'

export type AuthKind = 'none' | 'jwt' | 'jwt-optional' | 'user' | 'admin' | 'api-key'
export type LimitCategory = 'generation' | 'chat' | 'general' | 'sdkChat' | 'sdkGeneral'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (default: none). */
    auth?: AuthKind
    /** Rate-limit category (default: general, or sdkGeneral for api-key routes); false for none. */
    limit?: LimitCategory | false
  }
  interface FastifyInstance {
    limiters: Record<LimitCategory, (req: FastifyRequest, reply: FastifyReply) => Promise<void>>
  }
}

const securityFor: Partial<Record<AuthKind, Array<Record<string, string[]>>>> = {
  jwt: [{ bearerAuth: [] }],
  user: [{ bearerAuth: [] }],
  admin: [{ bearerAuth: [] }],
  'jwt-optional': [{ bearerAuth: [] }, {}],
  'api-key': [{ apiKeyAuth: [] }]
}

/**
 * Adds one preValidation hook per route that authenticates, then counts the request in its
 * rate-limit bucket (per API key once authenticated, else per IP, so failed authentication is
 * limited too), then reports an authentication failure or a role refusal.
 */
export default fp(async function guardPlugin (app, opts: { limits: Config['rateLimits'], windowMs?: number }) {
  const timeWindow = opts.windowMs ?? 60_000
  const per = timeWindow === 60_000 ? 'minute' : `${timeWindow / 1000} seconds`
  const redis = redisOf(app)
  await app.register(rateLimit, {
    global: false,
    hook: 'preValidation',
    timeWindow,
    // With Redis the counters are shared by every instance (same keys: category and IP or API key).
    ...(redis !== null ? { redis: redis.client, nameSpace: 'rapport:rl:' } : {}),
    errorResponseBuilder: (_req, ctx) => {
      const seconds = Math.max(1, Math.ceil(ctx.ttl / 1000))
      const err = new Errors.RateLimited(ctx.max, per, seconds)
      return err
    }
  })

  const perIp = (category: string) => (req: FastifyRequest) => `${category}:ip:${req.ip}`
  const perKey = (category: string) => (req: FastifyRequest) =>
    req.apiKey ? `${category}:key:${req.apiKey.keyId}` : `${category}:ip:${req.ip}`
  const make = (category: LimitCategory, max: number, key: (req: FastifyRequest) => string) =>
    app.rateLimit({ max, timeWindow, keyGenerator: key }) as unknown as (req: FastifyRequest, reply: FastifyReply) => Promise<void>

  app.decorate('limiters', {
    generation: make('generation', opts.limits.generation, perIp('generation')),
    chat: make('chat', opts.limits.chat, perIp('chat')),
    general: make('general', opts.limits.general, perIp('general')),
    sdkChat: make('sdkChat', opts.limits.sdkChat, perKey('sdkChat')),
    sdkGeneral: make('sdkGeneral', opts.limits.sdkGeneral, perKey('sdkGeneral'))
  })

  // Authentication reads the repositories (cached records), so it is awaited; null means nothing to check.
  const authenticators: Record<AuthKind, ((req: FastifyRequest) => Promise<void>) | null> = {
    none: null,
    jwt: (req) => app.verifyJwt(req),
    user: (req) => app.verifyJwt(req),
    admin: (req) => app.verifyJwt(req),
    'jwt-optional': async (req) => { if (req.headers.authorization !== undefined) await app.verifyJwt(req) },
    'api-key': (req) => app.verifyApiKey(req)
  }

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { auth?: AuthKind, limit?: LimitCategory | false }
    const auth = config.auth ?? 'none'
    const limit = config.limit === undefined ? (auth === 'api-key' ? 'sdkGeneral' : 'general') : config.limit
    const authenticate = authenticators[auth]
    const limiter = limit === false ? null : app.limiters[limit]

    const guard: preValidationAsyncHookHandler = async function guard (req, reply) {
      let failure: unknown
      if (authenticate !== null) {
        try { await authenticate(req) } catch (err) { failure = err }
      }
      if (limiter) await limiter(req, reply)
      if (failure) throw failure
      if (auth === 'admin' && req.user.role !== 'admin') throw new Errors.Forbidden('Admin role required')
      if (auth === 'user' && req.user.role === 'guest') throw new Errors.Forbidden('Guest accounts cannot do this: register an account')
    }
    const existing = route.preValidation
    route.preValidation = existing === undefined ? [guard] : [guard, ...(Array.isArray(existing) ? existing : [existing])]

    const security = securityFor[auth]
    if (security && route.schema) route.schema = { ...route.schema, security }
  })
}, { name: 'guard', dependencies: ['auth'] })
