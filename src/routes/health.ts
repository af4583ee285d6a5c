// Operations: liveness and readiness probes.
import { Type } from '@sinclair/typebox'
import type { Redis } from 'ioredis'
import { errorBody } from '../errors.ts'
import { errors } from '../schemas/common.ts'
import type { App } from './types.ts'

const Health = Type.Object({ status: Type.String({ description: 'ok' }) })

/** Whether Redis answers a PING within a second. */
async function redisAnswers (client: Redis): Promise<boolean> {
  if (client.status !== 'ready') return false
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('timeout'), 1000) })
  try {
    return await Promise.race([client.ping(), late]) === 'PONG'
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** GET /healthz (process alive) and GET /readyz (database and Redis reachable, not shedding load). */
export default async function healthRoutes (app: App) {
  app.get('/healthz', {
    config: { limit: false },
    schema: { operationId: 'healthz', tags: ['operations'], summary: 'Liveness probe', description: 'Answers 200 while the process runs; never rate-limited, never in maintenance.', response: { 200: Health } }
  }, async () => ({ status: 'ok' }))

  app.get('/readyz', {
    config: { limit: false },
    schema: { operationId: 'readyz', tags: ['operations'], summary: 'Readiness probe: the database answers and the server is not shedding load', description: 'Answers 200 when the database answers a query, Redis (when configured) is connected and no overload threshold is exceeded, else 503 with Retry-After naming the cause; never rate-limited, never in maintenance.', response: { 200: Health, ...errors(503) } }
  }, async (_req, reply) => {
    const pressure = app.pressure()
    if (pressure !== null) {
      reply.header('retry-after', '5')
      return reply.code(503).send(errorBody(`Under pressure: ${pressure}`))
    }
    if (app.redis !== null && !(await redisAnswers(app.redis.client))) {
      reply.header('retry-after', '5')
      return reply.code(503).send(errorBody('Redis unavailable'))
    }
    try {
      await app.repos.ping()
      return { status: 'ok' }
    } catch {
      reply.header('retry-after', '5')
      return reply.code(503).send(errorBody('Database unavailable'))
    }
  })
}
