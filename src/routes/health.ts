// Operations: liveness and readiness probes.
import { Type } from '@sinclair/typebox'
import { sql } from 'drizzle-orm'
import { errorBody } from '../errors.ts'
import { errors } from '../schemas/common.ts'
import type { App } from './types.ts'

const Health = Type.Object({ status: Type.String({ description: 'ok' }) })

/** GET /healthz (process alive) and GET /readyz (database reachable, not shedding load). */
export default async function healthRoutes (app: App) {
  app.get('/healthz', {
    config: { limit: false },
    schema: { operationId: 'healthz', tags: ['operations'], summary: 'Liveness probe', description: 'Answers 200 while the process runs; never rate-limited, never in maintenance.', response: { 200: Health } }
  }, async () => ({ status: 'ok' }))

  app.get('/readyz', {
    config: { limit: false },
    schema: { operationId: 'readyz', tags: ['operations'], summary: 'Readiness probe: the database answers and the server is not shedding load', description: 'Answers 200 when the database answers a query and no overload threshold is exceeded, else 503 with Retry-After naming the cause; never rate-limited, never in maintenance.', response: { 200: Health, ...errors(503) } }
  }, async (_req, reply) => {
    const pressure = app.pressure()
    if (pressure !== null) {
      reply.header('retry-after', '5')
      return reply.code(503).send(errorBody(`Under pressure: ${pressure}`))
    }
    try {
      app.db.get(sql`select 1`)
      return { status: 'ok' }
    } catch {
      reply.header('retry-after', '5')
      return reply.code(503).send(errorBody('Database unavailable'))
    }
  })
}
