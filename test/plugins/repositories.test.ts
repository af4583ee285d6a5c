// The repositories plugin on PostgreSQL: app.repos is the PostgreSQL implementation over the pool the db plugin opened.
import t from 'tap'
import Fastify from 'fastify'
import dbPlugin from '../../src/plugins/db.ts'
import repositoriesPlugin from '../../src/plugins/repositories.ts'
import { ensurePostgres, freshDatabase } from '../helpers/postgres.ts'

t.before(async () => { await ensurePostgres(t) })

t.test('on a postgres:// database the repositories read and write PostgreSQL', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dbPlugin, { databaseUrl: await freshDatabase(t) })
  await app.register(repositoriesPlugin)
  await app.ready()
  t.equal(app.dbDialect, 'postgres')
  await t.resolves(app.repos.ping())
  const user = await app.repos.users.create({ email: 'pg@example.com', passwordHash: null, displayName: 'P', role: 'user' })
  t.match(await app.repos.users.findById(user?.id ?? ''), { email: 'pg@example.com', display_name: 'P' })
})
