// PostgreSQL repositories for users, API keys, statistics, idempotency records and server settings.
import { randomUUID } from 'node:crypto'
import { and, asc, count, desc, eq, gte, isNull, lt, sql, sum } from 'drizzle-orm'
import { apiKeys, idempotencyKeys, messages, personas, serverSettings, sessions, turns, users } from '../../../db/schema-pg.ts'
import type { PgDb } from '../../db-pg.ts'
import type { CacheBus } from '../../cache-bus.ts'
import { generateApiKey, hashApiKey, sameDigest } from '../../security.ts'
import type { ApiKeysRepository, ClaimResult, IdempotencyRepository, Role, SettingsRepository, StatsRepository, UsersRepository, UserView } from '../contract.ts'
import { userView } from '../rows.ts'

const CACHE_LIMIT = 10_000

/** Users; records read on the authentication path are cached and dropped through the cache bus. */
export function createPgUsersRepository (db: PgDb, bus: CacheBus): UsersRepository {
  const cache = new Map<string, UserView>()
  bus.on('user', (id) => { if (id === '*') cache.clear(); else cache.delete(id) })
  return {
    async create (input: { email: string | null, passwordHash: string | null, displayName: string | null, role: Role }) {
      const row = { id: randomUUID(), ...input, disabled: false, createdAt: new Date().toISOString() }
      const inserted = await db.insert(users).values(row).onConflictDoNothing().returning()
      return inserted.length ? userView(inserted[0]) : null
    },
    async findById (id: string) {
      const cached = cache.get(id)
      if (cached) return cached
      const [row] = await db.select().from(users).where(eq(users.id, id))
      if (!row) return null
      if (cache.size >= CACHE_LIMIT) cache.clear()
      const user = userView(row)
      cache.set(id, user)
      return user
    },
    async findCredentials (email: string) {
      const [row] = await db.select().from(users).where(eq(users.email, email))
      return row ? { user: userView(row), passwordHash: row.passwordHash } : null
    },
    async list (limit: number, offset: number) {
      return (await db.select().from(users).orderBy(asc(users.createdAt), asc(sql`${users.id} collate "C"`)).limit(limit).offset(offset)).map(userView)
    },
    async update (id: string, patch: { role?: Role, disabled?: boolean }) {
      const set: { role?: Role, disabled?: boolean } = {}
      if (patch.role !== undefined) set.role = patch.role
      if (patch.disabled !== undefined) set.disabled = patch.disabled
      if (Object.keys(set).length === 0) return await this.findById(id)
      const rows = await db.update(users).set(set).where(eq(users.id, id)).returning()
      bus.invalidate(`user:${id}`)
      return rows.length ? userView(rows[0]) : null
    },
    async count () {
      return (await db.select({ n: count() }).from(users))[0]?.n ?? 0
    }
  }
}

interface KeyRecord { id: string, keyHash: string, userId: string, revokedAt: string | null }

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

/** API keys: digest lookup (cached, dropped on revocation through the bus), last_used_at written in batches. */
export function createPgApiKeysRepository (db: PgDb, bus: CacheBus, isUserActive: (userId: string) => Promise<boolean>): ApiKeysRepository {
  const cache = new Map<string, KeyRecord>()
  const pendingUse = new Map<string, number>()
  bus.on('api-key', (keyId) => {
    // '*' (after a lost subscription) drops the cached records; this instance's recorded uses are still to be written.
    if (keyId === '*') return cache.clear()
    pendingUse.delete(keyId)
    for (const [digest, record] of cache) if (record.id === keyId) cache.delete(digest)
  })
  return {
    async create (userId: string, name: string) {
      const key = generateApiKey()
      const row = { id: randomUUID(), userId, name, keyHash: hashApiKey(key), keyPrefix: 'pk_live_', lastFour: key.slice(-4), createdAt: new Date().toISOString(), lastUsedAt: null, revokedAt: null }
      await db.insert(apiKeys).values(row)
      return { id: row.id, name, key, key_prefix: row.keyPrefix, last_four: row.lastFour, created_at: row.createdAt, last_used_at: null }
    },
    async list (userId: string) {
      const rows = await db.select().from(apiKeys).where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt))).orderBy(desc(apiKeys.createdAt))
      return rows.map((r) => ({ id: r.id, name: r.name, key_prefix: r.keyPrefix, last_four: r.lastFour, created_at: r.createdAt, last_used_at: iso(pendingUse.get(r.id)) ?? r.lastUsedAt }))
    },
    async revoke (userId: string, keyId: string) {
      const res = await db.update(apiKeys).set({ revokedAt: new Date().toISOString() })
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      bus.invalidate(`api-key:${keyId}`)
      return (res.rowCount ?? 0) > 0
    },
    async authenticate (key: string) {
      const digest = hashApiKey(key)
      let row = cache.get(digest)
      if (!row) {
        [row] = await db.select({ id: apiKeys.id, keyHash: apiKeys.keyHash, userId: apiKeys.userId, revokedAt: apiKeys.revokedAt })
          .from(apiKeys).where(eq(apiKeys.keyHash, digest))
        if (!row || !sameDigest(row.keyHash, digest)) return 'invalid'
        if (cache.size >= CACHE_LIMIT) cache.clear()
        cache.set(digest, row)
      }
      if (row.revokedAt) return 'revoked'
      if (!await isUserActive(row.userId)) return 'disabled'
      pendingUse.set(row.id, Date.now())
      return { keyId: row.id, userId: row.userId }
    },
    async flushUsage () {
      if (pendingUse.size === 0) return
      const batch = [...pendingUse]
      pendingUse.clear()
      await db.transaction(async (tx) => {
        for (const [id, at] of batch) await tx.update(apiKeys).set({ lastUsedAt: iso(at) }).where(eq(apiKeys.id, id))
      })
    }
  }
}

/** Counting queries for GET /admin/stats. */
export function createPgStatsRepository (db: PgDb): StatsRepository {
  const n = async (q: Promise<Array<{ n: number }>>) => (await q)[0]?.n ?? 0
  return {
    async stats (now = new Date()) {
      const since = new Date(now.getTime() - 24 * 3600 * 1000).toISOString()
      const [tokens] = await db.select({ tin: sum(turns.tokensIn), tout: sum(turns.tokensOut), win: sum(turns.wastedTokensIn), wout: sum(turns.wastedTokensOut), n: count() }).from(turns).where(gte(turns.createdAt, since))
      return {
        users: await n(db.select({ n: count() }).from(users)),
        personas: await n(db.select({ n: count() }).from(personas)),
        sessions: await n(db.select({ n: count() }).from(sessions)),
        messages: await n(db.select({ n: count() }).from(messages)),
        last_24h: {
          users: await n(db.select({ n: count() }).from(users).where(gte(users.createdAt, since))),
          sessions: await n(db.select({ n: count() }).from(sessions).where(gte(sessions.startedAt, since))),
          messages: await n(db.select({ n: count() }).from(messages).where(gte(messages.createdAt, since))),
          turns: tokens?.n ?? 0,
          llm_tokens_in: Number(tokens?.tin ?? 0),
          llm_tokens_out: Number(tokens?.tout ?? 0),
          speculation_wasted_tokens_in: Number(tokens?.win ?? 0),
          speculation_wasted_tokens_out: Number(tokens?.wout ?? 0)
        }
      }
    }
  }
}

/** Idempotency records; a claim is one transaction whose row lock orders claims of one key from any instance. */
export function createPgIdempotencyRepository (db: PgDb): IdempotencyRepository {
  const byKey = (scope: string, key: string) => and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))
  return {
    async find (scope: string, key: string) {
      const [row] = await db.select({ fingerprint: idempotencyKeys.fingerprint, status: idempotencyKeys.status, body: idempotencyKeys.body, createdAt: idempotencyKeys.createdAt })
        .from(idempotencyKeys).where(byKey(scope, key))
      return row ?? null
    },
    async claim (scope: string, key: string, fingerprint: string, now: number, expiredBefore: number, staleBefore: number) {
      return await db.transaction(async (tx): Promise<ClaimResult> => {
        // A new key is inserted; a concurrent claim of the same key waits on it, then finds it taken.
        // The row can be released between the insert and the read: then the insert is tried again.
        for (;;) {
          const inserted = await tx.insert(idempotencyKeys).values({ scope, key, fingerprint, status: null, body: null, createdAt: now })
            .onConflictDoNothing().returning({ key: idempotencyKeys.key })
          if (inserted.length === 1) return { claimed: true }
          const [existing] = await tx.select().from(idempotencyKeys).where(byKey(scope, key)).for('update')
          if (existing === undefined) continue
          const live = existing.createdAt >= expiredBefore && (existing.status !== null || existing.createdAt >= staleBefore)
          if (live) return { claimed: false, record: { fingerprint: existing.fingerprint, status: existing.status, body: existing.body, createdAt: existing.createdAt } }
          break
        }
        await tx.update(idempotencyKeys).set({ fingerprint, status: null, body: null, createdAt: now }).where(byKey(scope, key))
        return { claimed: true }
      })
    },
    async complete (scope: string, key: string, status: number, body: string) {
      await db.update(idempotencyKeys).set({ status, body }).where(byKey(scope, key))
    },
    async release (scope: string, key: string) {
      await db.delete(idempotencyKeys).where(and(byKey(scope, key), isNull(idempotencyKeys.status)))
    },
    async purge (before: number) {
      return (await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before))).rowCount ?? 0
    }
  }
}

/** Server-wide JSON settings by key. */
export function createPgSettingsRepository (db: PgDb): SettingsRepository {
  return {
    async get<T> (key: string): Promise<T | null> {
      const [row] = await db.select({ value: serverSettings.value }).from(serverSettings).where(eq(serverSettings.key, key))
      return row === undefined ? null : JSON.parse(row.value) as T
    },
    async set (key: string, value: unknown, now = new Date()) {
      const row = { key, value: JSON.stringify(value), updatedAt: now.toISOString() }
      await db.insert(serverSettings).values(row).onConflictDoUpdate({ target: serverSettings.key, set: { value: row.value, updatedAt: row.updatedAt } })
    }
  }
}

/** Resolves when the database answers. */
export async function pingPg (db: PgDb): Promise<void> {
  await db.execute(sql`select 1`)
}
