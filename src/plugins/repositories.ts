// Repositories plugin: builds every repository once over app.db and exposes them as app.repos.
import fp from 'fastify-plugin'
import { createUsersRepository } from '../repositories/users-repository.ts'
import { createApiKeysRepository } from '../repositories/api-keys-repository.ts'
import { createStatsRepository } from '../repositories/stats-repository.ts'
import { createPersonasRepository } from '../repositories/personas-repository.ts'
import { createSessionsRepository } from '../repositories/sessions-repository.ts'

function createRepositories (db: Parameters<typeof createUsersRepository>[0]) {
  const users = createUsersRepository(db)
  return {
    users,
    apiKeys: createApiKeysRepository(db, (userId) => users.findById(userId)?.disabled === false),
    stats: createStatsRepository(db),
    personas: createPersonasRepository(db),
    sessions: createSessionsRepository(db)
  }
}

export type Repositories = ReturnType<typeof createRepositories>

declare module 'fastify' {
  interface FastifyInstance {
    repos: Repositories
  }
}

/** Exposes the repositories as app.repos. */
export default fp(async function repositoriesPlugin (app) {
  app.decorate('repos', createRepositories(app.db))
}, { name: 'repositories', dependencies: ['db'] })
