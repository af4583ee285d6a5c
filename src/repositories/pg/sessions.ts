// PostgreSQL repository for chat sessions, messages, turn statistics and player progress.
import { randomUUID } from 'node:crypto'
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm'
import { messages, playerProgress, sessions, turns } from '../../../db/schema-pg.ts'
import type { PgDb } from '../../db-pg.ts'
import type { TurnTrace } from '../../engine/chat-types.ts'
import { StaleSessionError, type ProgressRecord, type SessionKey, type SessionsRepository } from '../contract.ts'
import { mergeProgress, messageRow, newSessionRow, parseJson, progressRecord, progressValues, sessionRecord, storedMessage, type SessionRow } from '../rows.ts'

type Tx = Parameters<Parameters<PgDb['transaction']>[0]>[0]
type Player = { scope: string, personaId: string, userSessionId: string }

const progressOf = (p: Player) => and(eq(playerProgress.scope, p.scope), eq(playerProgress.personaId, p.personaId), eq(playerProgress.userSessionId, p.userSessionId))
const identity = (key: SessionKey) => and(eq(sessions.scope, key.scope), eq(sessions.personaId, key.personaId), eq(sessions.machineId, key.machineId), eq(sessions.userSessionId, key.userSessionId))

/**
 * Reads a player's progress for a read-modify-write: the row is created if missing, then locked until the
 * transaction ends, so two turns of one player on different machines (or instances) never lose an update.
 */
async function lockProgress (tx: Tx, p: Player): Promise<ProgressRecord> {
  await tx.insert(playerProgress).values({ ...p, updatedAt: new Date().toISOString() }).onConflictDoNothing()
  const [row] = await tx.select().from(playerProgress).where(progressOf(p)).for('update')
  return progressRecord(row)
}

async function writeProgress (tx: Tx, p: Player, progress: ProgressRecord) {
  const values = progressValues(progress)
  await tx.insert(playerProgress).values({ ...p, ...values })
    .onConflictDoUpdate({ target: [playerProgress.scope, playerProgress.personaId, playerProgress.userSessionId], set: values })
}

/** Sessions on PostgreSQL: a turn commits in one transaction guarded by message_count, like on SQLite. */
export function createPgSessionsRepository (db: PgDb): SessionsRepository {
  const byId = async (id: string) => (await db.select().from(sessions).where(eq(sessions.id, id)))[0] as SessionRow | undefined

  return {
    async find (key) {
      const [row] = await db.select().from(sessions).where(identity(key))
      return row ? sessionRecord(row) : null
    },
    async findById (sessionId) {
      const row = await byId(sessionId)
      return row ? sessionRecord(row) : null
    },
    async replace (key, init) {
      const now = new Date().toISOString()
      const id = randomUUID()
      const row = await db.transaction(async (tx) => {
        // Replacements of one identity run one at a time (the unique index would refuse the later insert).
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${[key.scope, key.personaId, key.machineId, key.userSessionId].join('\n')}::text, 0))`)
        await tx.delete(sessions).where(identity(key))
        const [inserted] = await tx.insert(sessions).values(newSessionRow(id, key, init, now)).returning()
        await tx.insert(messages).values(messageRow(id, 1, init.greeting, now))
        await tx.insert(turns).values({ id: randomUUID(), personaId: key.personaId, sessionId: id, tokensIn: init.tokens.in, tokensOut: init.tokens.out, createdAt: now })
        return inserted
      })
      return sessionRecord(row)
    },
    async messagesAfter (sessionId, after = 0) {
      const rows = await db.select().from(messages).where(and(eq(messages.sessionId, sessionId), gt(messages.seq, after))).orderBy(asc(messages.seq))
      return rows.map(storedMessage)
    },
    async commitTurn (c) {
      const now = new Date().toISOString()
      const row = await db.transaction(async (tx) => {
        const seq = c.expectedMessageCount
        // The row lock of this update orders concurrent commits; a later one re-reads message_count and matches nothing.
        const [updated] = await tx.update(sessions).set({
          currentState: c.state.current_state,
          score: c.state.score,
          redirectCount: c.state.redirect_count,
          outcome: c.state.outcome,
          messageCount: seq + 2,
          lastMessageAt: now,
          extractionPending: sql`${sessions.extractionPending} or ${c.progress.completed !== null}`
        }).where(and(eq(sessions.id, c.sessionId), eq(sessions.messageCount, seq), sql`${sessions.outcome} is null`)).returning()
        if (updated === undefined) throw new StaleSessionError()
        await tx.insert(messages).values([messageRow(c.sessionId, seq + 1, c.userMessage, now), messageRow(c.sessionId, seq + 2, c.assistantMessage, now)])
        const { scope, personaId, userSessionId, unlock, completed } = c.progress
        if (unlock.length > 0 || completed !== null) {
          const progress = await lockProgress(tx, { scope, personaId, userSessionId })
          for (const key of unlock) if (!progress.unlocked_machine_keys.includes(key)) progress.unlocked_machine_keys.push(key)
          if (completed !== null) progress.completed[completed.machineKey] = completed.outcome
          await writeProgress(tx, { scope, personaId, userSessionId }, progress)
        }
        await tx.insert(turns).values({ id: randomUUID(), personaId, sessionId: c.sessionId, tokensIn: c.tokens.in, tokensOut: c.tokens.out, wastedTokensIn: c.tokens.wastedIn ?? 0, wastedTokensOut: c.tokens.wastedOut ?? 0, createdAt: now })
        return updated
      })
      return sessionRecord(row)
    },
    async saveSummary (sessionId, fromCount, summary, summarizedCount) {
      const res = await db.update(sessions).set({ summary, summarizedCount }).where(and(eq(sessions.id, sessionId), eq(sessions.summarizedCount, fromCount)))
      return res.rowCount === 1
    },
    async delete (sessionId) {
      return ((await db.delete(sessions).where(eq(sessions.id, sessionId))).rowCount ?? 0) > 0
    },
    async listForPlayer (scope, personaId, userSessionId) {
      const rows = await db.select().from(sessions).where(and(eq(sessions.scope, scope), eq(sessions.personaId, personaId), eq(sessions.userSessionId, userSessionId)))
      return rows.map(sessionRecord)
    },
    async progress (scope, personaId, userSessionId) {
      const [row] = await db.select().from(playerProgress).where(progressOf({ scope, personaId, userSessionId }))
      return progressRecord(row)
    },
    async saveExtraction (sessionId, key, result) {
      return await db.transaction(async (tx) => {
        // Applies only while the extraction is pending: the row lock orders workers on any instance.
        const claimed = await tx.update(sessions).set({ extractionPending: false })
          .where(and(eq(sessions.id, sessionId), eq(sessions.extractionPending, true))).returning({ id: sessions.id })
        if (claimed.length !== 1) return false
        const progress = await lockProgress(tx, key)
        progress.variables = { ...progress.variables, ...result.variables }
        progress.memory_summary = result.mergeMemory(progress.memory_summary)
        await writeProgress(tx, key, progress)
        if (result.traceStep) {
          const [last] = await tx.select({ id: messages.id, trace: messages.trace }).from(messages)
            .where(and(eq(messages.sessionId, sessionId), eq(messages.role, 'assistant'))).orderBy(desc(messages.seq)).limit(1).for('update')
          const trace = parseJson<TurnTrace | null>(last?.trace ?? null, null)
          if (last && trace) {
            trace.steps.extract = result.traceStep
            await tx.update(messages).set({ trace: JSON.stringify(trace) }).where(eq(messages.id, last.id))
          }
        }
        return true
      })
    },
    async pendingExtractions (scope, personaId, userSessionId) {
      const rows = await db.select().from(sessions).where(and(eq(sessions.scope, scope), eq(sessions.personaId, personaId), eq(sessions.userSessionId, userSessionId), eq(sessions.extractionPending, true)))
      return rows.map(sessionRecord)
    },
    async migrate (from, to) {
      if (from === to) return { sessions_moved: 0, progress_moved: 0 }
      return await db.transaction(async (tx) => {
        let sessionsMoved = 0
        for (const row of await tx.select().from(sessions).where(eq(sessions.scope, from)).for('update')) {
          const [clash] = await tx.select().from(sessions).where(identity({ ...row, scope: to })).for('update')
          if (clash) {
            const activity = (r: SessionRow) => r.lastMessageAt ?? r.startedAt
            if (activity(clash) >= activity(row)) {
              await tx.delete(sessions).where(eq(sessions.id, row.id))
              continue
            }
            await tx.delete(sessions).where(eq(sessions.id, clash.id))
          }
          await tx.update(sessions).set({ scope: to }).where(eq(sessions.id, row.id))
          sessionsMoved++
        }
        let progressMoved = 0
        for (const row of await tx.select().from(playerProgress).where(eq(playerProgress.scope, from)).for('update')) {
          const target = { scope: to, personaId: row.personaId, userSessionId: row.userSessionId }
          const merged = mergeProgress(await lockProgress(tx, target), progressRecord(row))
          await tx.delete(playerProgress).where(progressOf(row))
          await writeProgress(tx, target, merged)
          progressMoved++
        }
        return { sessions_moved: sessionsMoved, progress_moved: progressMoved }
      })
    }
  }
}
