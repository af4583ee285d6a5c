// Database plugin: decorates app.db with the drizzle handle and closes it with the server.
import fp from 'fastify-plugin'
import { openDatabase, type Db, type SynchronousLevel } from '../db.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

/** Opens the configured database (migrated) and exposes it as app.db. */
export default fp(async function dbPlugin (app, opts: { databaseUrl: string, synchronous?: SynchronousLevel }) {
  const db = openDatabase(opts.databaseUrl, { synchronous: opts.synchronous })
  app.decorate('db', db)
  app.addHook('onClose', async () => { db.$client.close() })
}, { name: 'db' })
