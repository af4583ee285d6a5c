// API keys: hashed storage, indexed lookup, revocation, batched last_used_at.
import { randomUUID } from 'node:crypto'
import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { apiKeys } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import { createCacheBus, type CacheBus } from '../cache-bus.ts'
import { generateApiKey, hashApiKey, sameDigest } from '../security.ts'

export interface ApiKeyView {
  id: string
  name: string
  key_prefix: string
  last_four: string
  created_at: string
  last_used_at: string | null
}

export interface ApiKeyOwner { keyId: string, userId: string }

const KEY_PREFIX = 'pk_live_'

interface KeyRecord { id: string, keyHash: string, userId: string, revokedAt: string | null }

const CACHE_LIMIT = 10_000

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

/**
 * Data access for API keys. last_used_at is recorded in memory and written in batches (see
 * flushUsage). Key records read on the request path are cached by digest; a revocation invalidates
 * `api-key:<id>` on the cache bus (every instance drops the record). Whether the owner is disabled
 * is asked of the users repository (cached and invalidated there).
 */
export function createApiKeysRepository (db: Db, isUserActive: (userId: string) => boolean, bus: CacheBus = createCacheBus()) {
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
    create (userId: string, name: string): ApiKeyView & { key: string } {
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
    list (userId: string): ApiKeyView[] {
      return db.select().from(apiKeys).where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .orderBy(desc(apiKeys.createdAt)).all()
        .map((r) => ({ id: r.id, name: r.name, key_prefix: r.keyPrefix, last_four: r.lastFour, created_at: r.createdAt, last_used_at: iso(pendingUse.get(r.id)) ?? r.lastUsedAt }))
    },
    /** Revokes a key of this user; false when there is no such active key. */
    revoke (userId: string, keyId: string): boolean {
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
    authenticate (key: string): ApiKeyOwner | 'invalid' | 'revoked' | 'disabled' {
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
      if (!isUserActive(row.userId)) return 'disabled'
      pendingUse.set(row.id, Date.now())
      return { keyId: row.id, userId: row.userId }
    },
    /** Writes the recorded last_used_at values in one transaction. */
    flushUsage () {
      if (pendingUse.size === 0) return
      const batch = [...pendingUse]
      pendingUse.clear()
      db.transaction(() => {
        for (const [id, at] of batch) touch.run({ id, at: iso(at) })
      })
    }
  }
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>
