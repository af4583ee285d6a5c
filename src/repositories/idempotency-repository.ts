// Idempotency-Key records (SPEC §10): claim a key, store the result of the request that holds it, purge old ones.
import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import { idempotencyKeys } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import type { ClaimResult, IdempotencyRepository } from './contract.ts'

export type { ClaimResult, IdempotencyRecord, IdempotencyRepository } from './contract.ts'

/** Data access for idempotency records; times are epoch milliseconds. */
export function createIdempotencyRepository (db: Db): IdempotencyRepository {
  const find = db.select({
    fingerprint: idempotencyKeys.fingerprint,
    status: idempotencyKeys.status,
    body: idempotencyKeys.body,
    createdAt: idempotencyKeys.createdAt
  }).from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, sql.placeholder('scope')), eq(idempotencyKeys.key, sql.placeholder('key')))).prepare()

  return {
    async find (scope: string, key: string) {
      return find.get({ scope, key }) ?? null
    },

    /**
     * Claims the key for a new request unless a live record holds it (then returns that record). A record
     * created before `expiredBefore`, or still running since before `staleBefore` (its process is gone), is
     * replaced. One immediate transaction, so two claims never both win, whichever process makes them.
     */
    async claim (scope: string, key: string, fingerprint: string, now: number, expiredBefore: number, staleBefore: number) {
      return db.transaction((tx): ClaimResult => {
        const existing = tx.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))).get()
        const live = existing !== undefined && existing.createdAt >= expiredBefore && (existing.status !== null || existing.createdAt >= staleBefore)
        if (existing && live) {
          return { claimed: false, record: { fingerprint: existing.fingerprint, status: existing.status, body: existing.body, createdAt: existing.createdAt } }
        }
        if (existing) tx.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))).run()
        tx.insert(idempotencyKeys).values({ scope, key, fingerprint, status: null, body: null, createdAt: now }).run()
        return { claimed: true }
      }, { behavior: 'immediate' })
    },

    /** Stores the result of the request holding the key. */
    async complete (scope: string, key: string, status: number, body: string) {
      db.update(idempotencyKeys).set({ status, body })
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))).run()
    },

    /** Frees a key whose request failed, so a retry runs afresh. Only a record still running is removed. */
    async release (scope: string, key: string) {
      db.delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.status))).run()
    },

    /** Deletes records created before `before`; returns how many. */
    async purge (before: number) {
      return db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run().changes
    }
  }
}
