// Looking under the repositories in tests, on either database: the app's tables, every stored row, a database that fails.
import { sql } from 'drizzle-orm'
import type pg from 'pg'
import * as sqliteTables from '../../db/schema.ts'
import * as pgTables from '../../db/schema-pg.ts'
import type { Db } from '../../src/db.ts'

interface AppDb { db: Db, dbDialect: 'sqlite' | 'postgres' }

/**
 * The tables matching app.db, typed as the SQLite ones (same names and row types). Queries on app.db
 * must be awaited builders (`await app.db.select()…`, `(await …)[0]`), never .all()/.get()/.run(), so
 * they run on both databases.
 */
export function tablesOf (app: { dbDialect: AppDb['dbDialect'] }): typeof sqliteTables {
  return app.dbDialect === 'postgres' ? pgTables as unknown as typeof sqliteTables : sqliteTables
}

/** Every table of the app's database with all its rows, as the driver returns them. */
export async function everyRow (app: AppDb): Promise<Array<{ name: string, rows: unknown[] }>> {
  if (app.dbDialect === 'postgres') {
    const client = app.db.$client as unknown as pg.Pool
    const names = (await client.query<{ schema: string, name: string }>("select schemaname as schema, tablename as name from pg_tables where schemaname in ('public', 'drizzle')")).rows
    return Promise.all(names.map(async ({ schema, name }) => ({ name, rows: (await client.query(`select * from "${schema}"."${name}"`)).rows })))
  }
  const names = app.db.all<{ name: string }>(sql`select name from sqlite_master where type = 'table'`)
  return names.map(({ name }) => ({ name, rows: app.db.all(sql.raw(`select * from "${name}"`)) }))
}

/** Closes the app's database under it, so its next query fails. */
export async function breakDatabase (app: AppDb): Promise<void> {
  if (app.dbDialect === 'postgres') await (app.db.$client as unknown as pg.Pool).end()
  else app.db.$client.close()
}
