// Repositories plugin: builds every repository once over app.db (the SQLite or the PostgreSQL implementation) as app.repos.
import fp from 'fastify-plugin'
import { sql } from 'drizzle-orm'
import type { Db } from '../db.ts'
import { createCacheBus, type CacheBus } from '../cache-bus.ts'
import type { Repositories } from '../repositories/contract.ts'
import { createUsersRepository } from '../repositories/users-repository.ts'
import { createApiKeysRepository } from '../repositories/api-keys-repository.ts'
import { createStatsRepository } from '../repositories/stats-repository.ts'
import { createPersonasRepository } from '../repositories/personas-repository.ts'
import { createSessionsRepository } from '../repositories/sessions-repository.ts'
import { createIdempotencyRepository } from '../repositories/idempotency-repository.ts'
import { createSettingsRepository } from '../repositories/settings-repository.ts'
import { createPostgresRepositories } from '../repositories/pg/index.ts'
import type { PgDb } from '../db-pg.ts'

/** The SQLite implementation of the repository contract; cached records are invalidated through `bus`. */
export function createSqliteRepositories (db: Db, bus: CacheBus = createCacheBus()): Repositories {
  const users = createUsersRepository(db, bus)
  return {
    users,
    apiKeys: createApiKeysRepository(db, async (userId) => (await users.findById(userId))?.disabled === false, bus),
    stats: createStatsRepository(db),
    personas: createPersonasRepository(db, bus),
    sessions: createSessionsRepository(db),
    idempotency: createIdempotencyRepository(db),
    settings: createSettingsRepository(db),
    async ping () { db.get(sql`select 1`) }
  }
}

export type { Repositories }

declare module 'fastify' {
  interface FastifyInstance {
    repos: Repositories
  }
}

/** Exposes the repositories as app.repos; their caches are invalidated through app.cacheBus. */
export default fp(async function repositoriesPlugin (app) {
  const bus = app.hasDecorator('cacheBus') ? app.cacheBus : createCacheBus()
  app.decorate('repos', app.dbDialect === 'postgres'
    ? createPostgresRepositories(app.db as unknown as PgDb, bus)
    : createSqliteRepositories(app.db, bus))
}, { name: 'repositories', dependencies: ['db'] })
