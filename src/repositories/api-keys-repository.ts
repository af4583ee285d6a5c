// API keys: hashed storage, indexed lookup, revocation, batched last_used_at.
import { randomUUID } from 'node:crypto'
import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { apiKeys } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import { generateApiKey, hashApiKey, sameDigest } from '../security.ts'

import type { CacheBus } from '../cache-bus.ts'
import type { ApiKeysRepository } from './contract.ts'

export type { ApiKeyView, ApiKeyOwner, ApiKeysRepository } from './contract.ts'

const KEY_PREFIX = 'pk_live_'

interface KeyRecord { id: string, keyHash: string, userId: string, revokedAt: string | null }

const CACHE_LIMIT = 10_000

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

/**
 * Data access for API keys. last_used_at is recorded in memory and written in batches (see
 * flushUsage). Key records read on the request path are cached by digest and dropped on revocation (cache bus, invalidation point: revoke);
 * whether the owner is disabled is asked of the users repository (cached and invalidated there).
 */
export function createApiKeysRepository (db: Db, isUserActive: (userId: string) => Promise<boolean>, bus: CacheBus): ApiKeysRepository {
  const byHash = db.select({ id: apiKeys.id, keyHash: apiKeys.keyHash, userId: apiKeys.userId, revokedAt: apiKeys.revokedAt })
    .from(apiKeys).where(eq(apiKeys.keyHash, sql.placeholder('hash'))).prepare()
  const cache = new Map<string, KeyRecord>()
  const touch = db.update(apiKeys).set({ lastUsedAt: sql`${sql.placeholder('at')}` })
    .where(eq(apiKeys.id, sql.placeholder('id'))).prepare()
  // key id → last use (epoch ms), written by flushUsage
  const pendingUse = new Map<string, number>()
  bus.on('api-key', (keyId) => {
    if (keyId === '*') return cache.clear()
    for (const [digest, record] of cache) if (record.id === keyId) cache.delete(digest)
  })

  return {
    /** Creates a key for a user; the full key is returned here and never again. */
    async create (userId: string, name: string) {
      const key = generateApiKey()
      const row = {
        id: randomUUID(),
        userId,
        name,
        keyHash: hashApiKey(key),
        keyPrefix: KEY_PREFIX,
        lastFour: key.slice(-4),
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        revokedAt: null
      }
      db.insert(apiKeys).values(row).run()
      return { id: row.id, name, key, key_prefix: row.keyPrefix, last_four: row.lastFour, created_at: row.createdAt, last_used_at: null }
    },
    async list (userId: string) {
      return db.select().from(apiKeys).where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .orderBy(desc(apiKeys.createdAt)).all()
        .map((r) => ({ id: r.id, name: r.name, key_prefix: r.keyPrefix, last_four: r.lastFour, created_at: r.createdAt, last_used_at: iso(pendingUse.get(r.id)) ?? r.lastUsedAt }))
    },
    /** Revokes a key of this user; false when there is no such active key. */
    async revoke (userId: string, keyId: string) {
      const res = db.update(apiKeys).set({ revokedAt: new Date().toISOString() })
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt))).run()
      pendingUse.delete(keyId)
      if (res.changes > 0) bus.invalidate(`api-key:${keyId}`)
      return res.changes > 0
    },
    /**
     * Resolves a presented key to its owner: one indexed lookup by digest, then a constant-time
     * comparison. Returns a reason when the key is unknown, revoked or its owner disabled.
     */
    async authenticate (key: string) {
      const digest = hashApiKey(key)
      // Comparing digests (not keys) is what keeps lookups timing-safe: a digest's prefix tells an
      // attacker nothing about a key. Records read from the database are compared in constant time.
      let row = cache.get(digest)
      if (!row) {
        row = byHash.get({ hash: digest })
        if (!row || !sameDigest(row.keyHash, digest)) return 'invalid'
        if (cache.size >= CACHE_LIMIT) cache.clear()
        cache.set(digest, row)
      }
      if (row.revokedAt) return 'revoked'
      if (!await isUserActive(row.userId)) return 'disabled'
      pendingUse.set(row.id, Date.now())
      return { keyId: row.id, userId: row.userId }
    },
    /** Writes the recorded last_used_at values in one transaction. */
    async flushUsage () {
      if (pendingUse.size === 0) return
      const batch = [...pendingUse]
      pendingUse.clear()
      db.transaction(() => {
        for (const [id, at] of batch) touch.run({ id, at: iso(at) })
      })
    }
  }
}
