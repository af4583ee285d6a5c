// npm run backup -- <file>: a consistent copy of the (running) server's database (SQLite: VACUUM INTO; PostgreSQL: pg_dump), checked before it is kept.
import { execFileSync } from 'node:child_process'
import { existsSync, renameSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { sqlitePath } from '../src/db.ts'
import { isPostgresUrl } from '../src/db-pg.ts'

/**
 * Copies the database at `source` to `target` with VACUUM INTO: one read transaction, so the copy is the
 * database as of one commit, taken through a separate connection while the server keeps writing (WAL
 * readers never block writers). The copy is written beside the target, checked with integrity_check,
 * then renamed into place, so `target` only ever holds a whole, checked backup.
 */
export function backupDatabase (source: string, target: string): { bytes: number, messages: number } {
  if (existsSync(target)) throw new Error(`${target} already exists: choose a new file name`)
  const partial = `${target}.partial`
  rmSync(partial, { force: true })
  const db = new Database(source, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    db.prepare('VACUUM INTO ?').run(partial)
  } finally {
    db.close()
  }
  const copy = new Database(partial, { readonly: true })
  try {
    const check = copy.pragma('integrity_check', { simple: true })
    if (check !== 'ok') throw new Error(`the copy failed integrity_check: ${String(check)}`)
    const messages = (copy.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n
    const bytes = (copy.pragma('page_count', { simple: true }) as number) * (copy.pragma('page_size', { simple: true }) as number)
    copy.close()
    renameSync(partial, target)
    return { bytes, messages }
  } catch (err) {
    copy.close()
    rmSync(partial, { force: true })
    throw err
  }
}

/**
 * Dumps a PostgreSQL database with pg_dump (custom format: one snapshot, so one consistent state while the
 * servers keep writing), checks the archive with pg_restore --list, then renames it into place. The password
 * goes through PGPASSWORD, never on a command line.
 */
export function backupPostgres (databaseUrl: string, target: string): void {
  if (existsSync(target)) throw new Error(`${target} already exists: choose a new file name`)
  const url = new URL(databaseUrl)
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) }
  url.password = ''
  const partial = `${target}.partial`
  rmSync(partial, { force: true })
  try {
    execFileSync('pg_dump', ['--format=custom', `--file=${partial}`, `--dbname=${url.toString()}`], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    execFileSync('pg_restore', ['--list', partial], { stdio: ['ignore', 'ignore', 'pipe'] })
    renameSync(partial, target)
  } catch (err) {
    rmSync(partial, { force: true })
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('pg_dump / pg_restore not found: install the PostgreSQL client tools (Debian: postgresql-client) of the server\'s major version or newer')
    throw new Error(stderr || (err as Error).message)
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2]
  const databaseUrl = process.env.DATABASE_URL ?? './data/rapport.db'
  if (!target || target.startsWith('-')) {
    console.error('usage: npm run backup -- <backup file>   (reads DATABASE_URL like the server)')
    process.exit(2)
  }
  if (isPostgresUrl(databaseUrl)) {
    try {
      backupPostgres(databaseUrl, resolve(target))
      console.log(`backed up the PostgreSQL database to ${target} with pg_dump (custom format, checked with pg_restore --list); restore with: pg_restore --clean --if-exists --dbname=<DATABASE_URL> ${target}`)
      process.exit(0)
    } catch (err) {
      console.error(`backup failed: ${(err as Error).message}`)
      process.exit(1)
    }
  }
  const source = sqlitePath(databaseUrl)
  if (source === ':memory:') {
    console.error('DATABASE_URL is :memory:, there is no file to back up')
    process.exit(2)
  }
  try {
    const { bytes, messages } = backupDatabase(resolve(source), resolve(target))
    console.log(`backed up ${source} to ${target}: ${bytes} bytes, ${messages} messages, integrity_check ok`)
  } catch (err) {
    console.error(`backup failed: ${(err as Error).message}`)
    process.exit(1)
  }
}
