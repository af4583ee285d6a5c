// The PostgreSQL implementation of the repository contract (src/repositories/contract.ts).
import type { PgDb } from '../../db-pg.ts'
import type { CacheBus } from '../../cache-bus.ts'
import type { Repositories } from '../contract.ts'
import { createPgApiKeysRepository, createPgIdempotencyRepository, createPgSettingsRepository, createPgStatsRepository, createPgUsersRepository, pingPg } from './accounts.ts'
import { createPgPersonasRepository } from './personas.ts'
import { createPgSessionsRepository } from './sessions.ts'

/** Every repository over one PostgreSQL pool. */
export function createPostgresRepositories (db: PgDb, bus: CacheBus): Repositories {
  const users = createPgUsersRepository(db, bus)
  return {
    users,
    apiKeys: createPgApiKeysRepository(db, bus, async (userId) => (await users.findById(userId))?.disabled === false),
    stats: createPgStatsRepository(db),
    personas: createPgPersonasRepository(db, bus),
    sessions: createPgSessionsRepository(db),
    idempotency: createPgIdempotencyRepository(db),
    settings: createPgSettingsRepository(db),
    ping: () => pingPg(db)
  }
}
