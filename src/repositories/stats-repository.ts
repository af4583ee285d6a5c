// Admin statistics: totals and the last 24 hours of activity.
import { count, gte, sum } from 'drizzle-orm'
import { messages, personas, sessions, turns, users } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import type { StatsRepository } from './contract.ts'

export type { Stats, StatsRepository } from './contract.ts'

/** Counting queries for GET /admin/stats. */
export function createStatsRepository (db: Db): StatsRepository {
  return {
    async stats (now = new Date()) {
      const since = new Date(now.getTime() - 24 * 3600 * 1000).toISOString()
      const n = (q: { n: number } | undefined) => q?.n ?? 0
      const tokens = db.select({ tin: sum(turns.tokensIn), tout: sum(turns.tokensOut), win: sum(turns.wastedTokensIn), wout: sum(turns.wastedTokensOut), n: count() }).from(turns).where(gte(turns.createdAt, since)).get()
      return {
        users: n(db.select({ n: count() }).from(users).get()),
        personas: n(db.select({ n: count() }).from(personas).get()),
        sessions: n(db.select({ n: count() }).from(sessions).get()),
        messages: n(db.select({ n: count() }).from(messages).get()),
        last_24h: {
          users: n(db.select({ n: count() }).from(users).where(gte(users.createdAt, since)).get()),
          sessions: n(db.select({ n: count() }).from(sessions).where(gte(sessions.startedAt, since)).get()),
          messages: n(db.select({ n: count() }).from(messages).where(gte(messages.createdAt, since)).get()),
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
