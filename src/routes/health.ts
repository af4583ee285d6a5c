// Operations: liveness and readiness probes.
import { Type } from '@sinclair/typebox'
import { sql } from 'drizzle-orm'
import { errorBody } from '../errors.ts'
import { errors } from '../schemas/common.ts'
import type { App } from './types.ts'

const Health = Type.Object({ status: Type.String({ description: 'ok' }) })

/** GET /healthz (process alive) and GET /readyz (database reachable). */
export default async function healthRoutes (app: App) {
  app.get('/healthz', {
    config: { limit: false },
    schema: { operationId: 'healthz', tags: ['operations'], summary: 'Liveness probe', description: 'Answers 200 while the process runs; never rate-limited, never in maintenance.', response: { 200: Health } }
  }, async () => ({ status: 'ok' }))

  app.get('/readyz', {
    config: { limit: false },
    schema: { operationId: 'readyz', tags: ['operations'], summary: 'Readiness probe: the database answers', description: 'Answers 200 when the database answers a query, else 503 with Retry-After; never rate-limited.', response: { 200: Health, ...errors(503) } }
  }, async (_req, reply) => {
    try {
      app.db.get(sql`select 1`)
      return { status: 'ok' }
    } catch {
      reply.header('retry-after', '5')
      return reply.code(503).send(errorBody('Database unavailable'))
    }
  })
}
