// Database plugin: opens SQLite or PostgreSQL (by DATABASE_URL), decorates app.db and app.dbDialect, closes it with the server.
import fp from 'fastify-plugin'
import { openDatabase, type Db, type SynchronousLevel } from '../db.ts'
import { isPostgresUrl, openPostgres } from '../db-pg.ts'

export type DbDialect = 'sqlite' | 'postgres'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The drizzle handle. Typed as the SQLite one; on PostgreSQL (app.dbDialect) it is node-postgres'
     * drizzle, on which only awaited query builders work (the repositories have one implementation each).
     */
    db: Db
    dbDialect: DbDialect
  }
}

export interface DbOptions {
  databaseUrl: string
  synchronous?: SynchronousLevel
  /** Whether REDIS_URL is set: without it a PostgreSQL database is held by this one instance. */
  redis?: boolean
}

/** Opens the configured database (migrated) and exposes it as app.db. */
export default fp(async function dbPlugin (app, opts: DbOptions) {
  if (!isPostgresUrl(opts.databaseUrl)) {
    const db = openDatabase(opts.databaseUrl, { synchronous: opts.synchronous })
    app.decorate('db', db)
    app.decorate('dbDialect', 'sqlite')
    app.addHook('onClose', async () => { db.$client.close() })
    return
  }
  const redis = opts.redis === true
  const opened = await openPostgres(opts.databaseUrl, {
    redis,
    onLockLost: () => app.log.error('lost the PostgreSQL connection holding the instance lock: another instance could now start on this database')
  })
  app.decorate('db', opened.db as unknown as Db)
  app.decorate('dbDialect', 'postgres')
  app.addHook('onClose', async () => { await opened.close() })
  app.log.info({ migrationsApplied: opened.migrated }, redis
    ? 'PostgreSQL with Redis: several instances may share this database'
    : 'PostgreSQL without REDIS_URL: running as the only instance on this database (a second one is refused; set REDIS_URL to run several)')
}, { name: 'db' })
