// Users: accounts, roles, the disabled flag; maps rows to API shapes.
import { randomUUID } from 'node:crypto'
import { asc, count, eq, sql } from 'drizzle-orm'
import { users } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import type { CacheBus } from '../cache-bus.ts'
import type { Role, UserView, UsersRepository } from './contract.ts'

export type { Role, UserView, UsersRepository }

type Row = typeof users.$inferSelect

function view (row: Row): UserView {
  return { id: row.id, email: row.email, display_name: row.displayName, role: row.role, disabled: row.disabled, created_at: row.createdAt }
}

const CACHE_LIMIT = 10_000

/**
 * Data access for users. Records read on the authentication hot path are cached in memory; every
 * write to users goes through this repository and drops the cached record, so a role change or a
 * disabled flag applies on the next request; the change is announced on the cache bus (invalidation point: update).
 */
export function createUsersRepository (db: Db, bus: CacheBus): UsersRepository {
  const cache = new Map<string, UserView>()
  bus.on('user', (id) => { if (id === '*') cache.clear(); else cache.delete(id) })
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare()
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder('email'))).prepare()

  return {
    /** Creates a user; returns null when the email is taken. */
    async create (input: { email: string | null, passwordHash: string | null, displayName: string | null, role: Role }): Promise<UserView | null> {
      const row: Row = {
        id: randomUUID(),
        email: input.email,
        displayName: input.displayName,
        role: input.role,
        disabled: false,
        passwordHash: input.passwordHash,
        createdAt: new Date().toISOString()
      }
      const inserted = db.insert(users).values(row).onConflictDoNothing().returning().all()
      return inserted.length ? view(inserted[0]) : null
    },
    async findById (id: string): Promise<UserView | null> {
      const cached = cache.get(id)
      if (cached) return cached
      const row = byId.get({ id })
      if (!row) return null
      if (cache.size >= CACHE_LIMIT) cache.clear()
      const user = view(row)
      cache.set(id, user)
      return user
    },
    /** Credentials lookup for login: the hash never leaves the repository layer except here. */
    async findCredentials (email: string) {
      const row = byEmail.get({ email })
      return row ? { user: view(row), passwordHash: row.passwordHash } : null
    },
    async list (limit: number, offset: number): Promise<UserView[]> {
      return db.select().from(users).orderBy(asc(users.createdAt), asc(users.id)).limit(limit).offset(offset).all().map(view)
    },
    async update (id: string, patch: { role?: Role, disabled?: boolean }): Promise<UserView | null> {
      const set: Partial<Row> = {}
      if (patch.role !== undefined) set.role = patch.role
      if (patch.disabled !== undefined) set.disabled = patch.disabled
      if (Object.keys(set).length === 0) return await this.findById(id)
      const rows = db.update(users).set(set).where(eq(users.id, id)).returning().all()
      bus.invalidate(`user:${id}`)
      return rows.length ? view(rows[0]) : null
    },
    async count (): Promise<number> {
      return db.select({ n: count() }).from(users).get()?.n ?? 0
    }
  }
}
