// Repositories plugin: builds every repository once over app.db and exposes them as app.repos.
import fp from 'fastify-plugin'
import { createUsersRepository } from '../repositories/users-repository.ts'
import { createApiKeysRepository } from '../repositories/api-keys-repository.ts'
import { createStatsRepository } from '../repositories/stats-repository.ts'
import { createPersonasRepository } from '../repositories/personas-repository.ts'
import { createSessionsRepository } from '../repositories/sessions-repository.ts'
import { createCacheBus, type CacheBus } from '../cache-bus.ts'

function createRepositories (db: Parameters<typeof createUsersRepository>[0], bus: CacheBus) {
  const users = createUsersRepository(db, bus)
  return {
    users,
    apiKeys: createApiKeysRepository(db, (userId) => users.findById(userId)?.disabled === false, bus),
    stats: createStatsRepository(db),
    personas: createPersonasRepository(db, bus),
    sessions: createSessionsRepository(db)
  }
}

export type Repositories = ReturnType<typeof createRepositories>

declare module 'fastify' {
  interface FastifyInstance {
    repos: Repositories
  }
}

/** Exposes the repositories as app.repos; their caches are invalidated through app.cacheBus. */
export default fp(async function repositoriesPlugin (app) {
  app.decorate('repos', createRepositories(app.db, app.hasDecorator('cacheBus') ? app.cacheBus : createCacheBus()))
}, { name: 'repositories', dependencies: ['db'] })
