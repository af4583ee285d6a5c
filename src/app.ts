// buildApp(config): the whole Fastify application — errors, docs, db, auth, limits, routes, in that order.
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify'
import sjson from 'secure-json-parse'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.ts'
import { buildSerializerFactory, buildValidatorFactory } from './compilers.ts'
import { Errors, sendError } from './errors.ts'
import { loggerOptions } from './logging.ts'
import { addSchemas, ErrorResponse } from './schemas/common.ts'
import { AuthResponse, LoginBody, Me, RegisterBody, Stats, User, UserPatch } from './schemas/users.ts'
import { ApiKey, CreateApiKeyBody, CreatedApiKey } from './schemas/api-keys.ts'
import { personaSchemas } from './schemas/personas.ts'
import { chatSchemas } from './schemas/chat.ts'
import dbPlugin from './plugins/db.ts'
import redisPlugin from './plugins/redis.ts'
import repositoriesPlugin from './plugins/repositories.ts'
import authPlugin from './plugins/auth.ts'
import guardPlugin from './plugins/guard.ts'
import chatPlugin from './plugins/chat.ts'
import idempotencyPlugin from './plugins/idempotency.ts'
import pressurePlugin from './plugins/pressure.ts'
import maintenancePlugin from './plugins/maintenance.ts'
import adminMaintenanceRoutes from './routes/web/admin-maintenance.ts'
import { maintenanceSchemas } from './schemas/maintenance.ts'
import docsPlugin from './plugins/docs.ts'
import consolePlugin from './plugins/console.ts'
import { registerCors } from './plugins/cors.ts'
import healthRoutes from './routes/health.ts'
import authRoutes from './routes/web/auth.ts'
import apiKeyRoutes from './routes/web/api-keys.ts'
import adminRoutes from './routes/web/admin.ts'
import authoringRoutes from './routes/web/authoring.ts'
import { authoringSchemas } from './schemas/authoring.ts'
import personaRoutes from './routes/web/personas.ts'
import creatorRoutes from './routes/web/creator.ts'
import adminPersonaRoutes from './routes/web/admin-personas.ts'
import sdkPersonaRoutes from './routes/sdk/personas.ts'
import sdkChatRoutes from './routes/sdk/chat.ts'
import webChatRoutes from './routes/web/chat.ts'

export interface BuildOptions {
  /** Where logs go (default stdout). */
  logStream?: NodeJS.WritableStream
  /** Extra routes registered under /api/v1 with the same guards (used by tests to probe categories). */
  extraRoutes?: (api: RapportApi) => Promise<void>
  /** Directory of the built API reference served at /docs (default docs/api; tests point it elsewhere). */
  docsRoot?: string
  /** Interval of the heartbeat comment on event streams in ms (default 15 s; tests lower it). */
  streamHeartbeatMs?: number
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

type RapportApi = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>

/** Builds the application; tests, the OpenAPI emitter and production all use it. */
export async function buildApp (config: Config, options: BuildOptions = {}) {
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    ajv: { customOptions: { removeAdditional: true, useDefaults: true, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: buildValidatorFactory() as never, buildSerializer: buildSerializerFactory() as never } },
    frameworkErrors: (err, req, reply) => sendError(req, reply, err as FastifyError)
  }).withTypeProvider<TypeBoxTypeProvider>()

  // errors
  app.setErrorHandler((err: FastifyError, req, reply) => sendError(req, reply, err))
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    // The SDKs send Content-Type: application/json on body-less requests: an empty body is no body.
    const text = (body as string).trim()
    if (text === '') return done(null, undefined)
    try {
      done(null, sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }))
    } catch (err) {
      done(new Errors.MalformedJson((err as Error).message.replace(/ in JSON at position.*/, '')), undefined)
    }
  })
  // Routes whose body has only optional fields accept a missing body as {}.
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined || req.body === null) req.body = {}
  })

  // Without CORS_ORIGINS no browser origin is allowed, so the CORS hook is not installed at all.
  await registerCors(app, config.corsOrigins)

  addSchemas(app, [ErrorResponse, Me, User, AuthResponse, RegisterBody, LoginBody, UserPatch, Stats, ApiKey, CreatedApiKey, CreateApiKeyBody, ...personaSchemas, ...chatSchemas, ...authoringSchemas, ...maintenanceSchemas])

  // docs → db → redis → repositories → auth → rate limits → routes
  await app.register(docsPlugin, { root: options.docsRoot })
  await app.register(consolePlugin)
  await app.register(dbPlugin, { databaseUrl: config.databaseUrl, synchronous: config.sqliteSynchronous, redis: config.redis.url !== undefined })
  await app.register(redisPlugin, { url: config.redis.url })
  await app.register(repositoriesPlugin)
  await app.register(authPlugin, { secret: config.jwtSecret, expiresIn: config.jwtExpiresIn })
  await app.register(guardPlugin, { limits: config.rateLimits, windowMs: config.rateLimitWindowMs })
  await app.register(chatPlugin, { llm: config.llm, chat: config.chat, leaseMs: config.redis.leaseMs })
  await app.register(idempotencyPlugin)
  await app.register(pressurePlugin, config.pressure)
  await app.register(maintenancePlugin, config.maintenance)

  app.setNotFoundHandler({ preHandler: app.limiters.general }, (req, reply) => {
    const path = req.url.split('?')[0]
    // A known path asked with another method is a 405 naming the methods it has.
    const allowed = HTTP_METHODS.filter((method) => app.findRoute({ method, url: path }) !== null)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendError(req, reply, new Errors.MethodNotAllowed(`Method ${req.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`))
    }
    sendError(req, reply, new Errors.NotFound(`Route ${req.method} ${path} not found`))
  })

  await app.register(healthRoutes)
  await app.register(async (api) => {
    await api.register(authRoutes, { adminEmails: config.adminEmails })
    await api.register(apiKeyRoutes)
    await api.register(adminRoutes)
    await api.register(adminMaintenanceRoutes)
    await api.register(personaRoutes)
    await api.register(creatorRoutes)
    await api.register(authoringRoutes, { llm: config.llm })
    await api.register(adminPersonaRoutes)
    await api.register(sdkPersonaRoutes)
    await api.register(webChatRoutes, { heartbeatMs: options.streamHeartbeatMs })
    await api.register(sdkChatRoutes, { llm: config.llm, heartbeatMs: options.streamHeartbeatMs })
    if (options.extraRoutes) await api.register(options.extraRoutes)
  }, { prefix: '/api/v1' })

  return app
}

export type RapportApp = Awaited<ReturnType<typeof buildApp>>
