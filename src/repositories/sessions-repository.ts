// Chat sessions, their messages (with per-turn traces), turn statistics and player progress.
import { randomUUID } from 'node:crypto'
import { and, asc, eq, gt, sql } from 'drizzle-orm'
import { messages, playerProgress, sessions, turns } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import type { TurnTrace } from '../engine/chat-types.ts'
import { StaleSessionError, type ProgressRecord, type SessionsRepository } from './contract.ts'
import { messageRow, newSessionRow, parseJson, progressRecord, sessionRecord, storedMessage, type SessionRow } from './rows.ts'

export type { NewMessage, ProgressRecord, SessionKey, SessionRecord, SessionsRepository, StoredMessage, TurnCommit } from './contract.ts'
export { StaleSessionError, sessionStatus } from './contract.ts'

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * Data access for chat sessions. Everything a turn writes (two messages, the session's new state,
 * the player's progress, a statistics row) goes through commitTurn in one synchronous transaction;
 * the per-turn reads (find, recentMessages, progress) are prepared statements.
 */
export function createSessionsRepository (db: Db): SessionsRepository {
  const p = (name: string) => sql.placeholder(name)
  const byKey = db.select().from(sessions).where(and(
    eq(sessions.scope, p('scope')), eq(sessions.personaId, p('personaId')),
    eq(sessions.machineId, p('machineId')), eq(sessions.userSessionId, p('userSessionId'))
  )).prepare()
  const byId = db.select().from(sessions).where(eq(sessions.id, p('id'))).prepare()
  const messagesAfter = db.select().from(messages)
    .where(and(eq(messages.sessionId, p('sessionId')), gt(messages.seq, p('after'))))
    .orderBy(asc(messages.seq)).prepare()
  const progressByKey = db.select().from(playerProgress).where(and(
    eq(playerProgress.scope, p('scope')), eq(playerProgress.personaId, p('personaId')), eq(playerProgress.userSessionId, p('userSessionId'))
  )).prepare()

  // The writes of every turn, prepared once (unprepared builders rebuild their SQL on each call).
  // Update values are placeholders wrapped in sql`` (drizzle's update types take no bare placeholder).
  const updateAfterTurn = db.update(sessions).set({
    currentState: sql`${p('currentState')}`,
    score: sql`${p('score')}`,
    redirectCount: sql`${p('redirectCount')}`,
    outcome: sql`${p('outcome')}`,
    messageCount: sql`${p('messageCount')}`,
    lastMessageAt: sql`${p('now')}`,
    extractionPending: sql`${sessions.extractionPending} or ${p('completing')}`
  }).where(and(eq(sessions.id, p('sessionId')), eq(sessions.messageCount, p('seq')), sql`${sessions.outcome} is null`)).prepare()
  const insertMessage = db.insert(messages).values({
    id: p('id'),
    sessionId: p('sessionId'),
    seq: p('seq'),
    role: p('role'),
    content: p('content'),
    stateKeyAtTime: p('stateKeyAtTime'),
    scoreAtTime: p('scoreAtTime'),
    decision: p('decision'),
    followUpTriggered: p('followUpTriggered'),
    trace: p('trace'),
    createdAt: p('createdAt')
  }).prepare()
  const insertTurn = db.insert(turns).values({
    id: p('id'),
    personaId: p('personaId'),
    sessionId: p('sessionId'),
    tokensIn: p('tokensIn'),
    tokensOut: p('tokensOut'),
    wastedTokensIn: p('wastedTokensIn'),
    wastedTokensOut: p('wastedTokensOut'),
    createdAt: p('createdAt')
  }).prepare()
  const pendingOfPlayer = db.select().from(sessions).where(and(
    eq(sessions.scope, p('scope')), eq(sessions.personaId, p('personaId')), eq(sessions.userSessionId, p('userSessionId')),
    eq(sessions.extractionPending, true)
  )).prepare()
  const updateSummary = db.update(sessions).set({ summary: sql`${p('summary')}`, summarizedCount: sql`${p('summarizedCount')}` })
    .where(and(eq(sessions.id, p('sessionId')), eq(sessions.summarizedCount, p('fromCount')))).prepare()

  /** A message row with booleans as SQLite integers, for the prepared insert. */
  const messageParams = (row: typeof messages.$inferInsert) => ({ ...row, followUpTriggered: row.followUpTriggered ? 1 : 0 })

  function readProgress (tx: Tx | Db, scope: string, personaId: string, userSessionId: string): ProgressRecord {
    return progressRecord(tx.select().from(playerProgress).where(and(
      eq(playerProgress.scope, scope), eq(playerProgress.personaId, personaId), eq(playerProgress.userSessionId, userSessionId)
    )).get())
  }

  function writeProgress (tx: Tx, scope: string, personaId: string, userSessionId: string, progress: ProgressRecord) {
    const values = {
      unlockedMachines: JSON.stringify(progress.unlocked_machine_keys),
      completedMachines: JSON.stringify(progress.completed),
      variables: JSON.stringify(progress.variables),
      memorySummary: progress.memory_summary,
      updatedAt: new Date().toISOString()
    }
    tx.insert(playerProgress).values({ scope, personaId, userSessionId, ...values })
      .onConflictDoUpdate({ target: [playerProgress.scope, playerProgress.personaId, playerProgress.userSessionId], set: values }).run()
  }

  return {
    async find (key) {
      const row = byKey.get({ ...key })
      return row ? sessionRecord(row) : null
    },

    async findById (sessionId) {
      const row = byId.get({ id: sessionId })
      return row ? sessionRecord(row) : null
    },

    /**
     * Replaces the session of `key` (its messages go with it) by a new one at `initialState`, score 0,
     * with `greeting` as its first message, in one transaction.
     */
    async replace (key, init) {
      const now = new Date().toISOString()
      const id = randomUUID()
      db.transaction((tx) => {
        tx.delete(sessions).where(and(
          eq(sessions.scope, key.scope), eq(sessions.personaId, key.personaId),
          eq(sessions.machineId, key.machineId), eq(sessions.userSessionId, key.userSessionId)
        )).run()
        tx.insert(sessions).values(newSessionRow(id, key, init, now)).run()
        tx.insert(messages).values(messageRow(id, 1, init.greeting, now)).run()
        tx.insert(turns).values({ id: randomUUID(), personaId: key.personaId, sessionId: id, tokensIn: init.tokens.in, tokensOut: init.tokens.out, createdAt: now }).run()
      })
      return sessionRecord(byId.get({ id }) as SessionRow)
    },

    /** Messages with seq > `after`, oldest first (`after` = summarized_count gives the unsummarized ones). */
    async messagesAfter (sessionId, after = 0) {
      return messagesAfter.all({ sessionId, after }).map(storedMessage)
    },

    /**
     * Commits a turn atomically: both messages, the session's new state, the player's progress
     * (unlocks, completed outcome) and a statistics row. Throws StaleSessionError (nothing written)
     * when the session is gone or another turn committed since `expectedMessageCount` was read.
     */
    async commitTurn (c) {
      const now = new Date().toISOString()
      db.transaction((tx) => {
        const seq = c.expectedMessageCount
        // Prepared statements run on the same connection, so inside this transaction.
        const updated = updateAfterTurn.run({
          currentState: c.state.current_state,
          score: c.state.score,
          redirectCount: c.state.redirect_count,
          outcome: c.state.outcome,
          messageCount: seq + 2,
          now,
          completing: c.progress.completed !== null ? 1 : 0,
          sessionId: c.sessionId,
          seq
        })
        if (updated.changes !== 1) throw new StaleSessionError()
        insertMessage.run(messageParams(messageRow(c.sessionId, seq + 1, c.userMessage, now)))
        insertMessage.run(messageParams(messageRow(c.sessionId, seq + 2, c.assistantMessage, now)))
        const { scope, personaId, userSessionId, unlock, completed } = c.progress
        if (unlock.length > 0 || completed !== null) {
          const progress = readProgress(tx, scope, personaId, userSessionId)
          for (const key of unlock) if (!progress.unlocked_machine_keys.includes(key)) progress.unlocked_machine_keys.push(key)
          if (completed !== null) progress.completed[completed.machineKey] = completed.outcome
          writeProgress(tx, scope, personaId, userSessionId, progress)
        }
        insertTurn.run({ id: randomUUID(), personaId, sessionId: c.sessionId, tokensIn: c.tokens.in, tokensOut: c.tokens.out, wastedTokensIn: c.tokens.wastedIn ?? 0, wastedTokensOut: c.tokens.wastedOut ?? 0, createdAt: now })
      })
      return sessionRecord(byId.get({ id: c.sessionId }) as SessionRow)
    },

    /**
     * Folds messages up to `summarizedCount` into the session's rolling summary, unless another
     * summarization got there first (the count moved). Returns whether it applied.
     */
    async saveSummary (sessionId, fromCount, summary, summarizedCount) {
      return updateSummary.run({ summary, summarizedCount, sessionId, fromCount }).changes === 1
    },

    /** Deletes a session and (by cascade) its messages; false when there was none. */
    async delete (sessionId) {
      return db.delete(sessions).where(eq(sessions.id, sessionId)).run().changes > 0
    },

    /** Every session of one player of one persona (any machine). */
    async listForPlayer (scope, personaId, userSessionId) {
      return db.select().from(sessions).where(and(
        eq(sessions.scope, scope), eq(sessions.personaId, personaId), eq(sessions.userSessionId, userSessionId)
      )).all().map(sessionRecord)
    },

    async progress (scope, personaId, userSessionId) {
      return progressRecord(progressByKey.get({ scope, personaId, userSessionId }))
    },

    /**
     * Stores what was extracted from a completed session: merges `variables` into the player's
     * progress, updates the memory summary with `mergeMemory` (given the stored one), adds the extraction step to the trace of the session's
     * last message and clears the session's pending flag, in one transaction. Applies only while the
     * extraction is still pending (false otherwise: another worker stored it first, or the session is gone).
     */
    async saveExtraction (sessionId, key, result) {
      return db.transaction((tx) => {
        const claimed = tx.update(sessions).set({ extractionPending: false })
          .where(and(eq(sessions.id, sessionId), eq(sessions.extractionPending, true))).run().changes === 1
        if (!claimed) return false
        const progress = readProgress(tx, key.scope, key.personaId, key.userSessionId)
        progress.variables = { ...progress.variables, ...result.variables }
        progress.memory_summary = result.mergeMemory(progress.memory_summary)
        writeProgress(tx, key.scope, key.personaId, key.userSessionId, progress)
        if (result.traceStep) {
          const last = tx.select({ id: messages.id, trace: messages.trace }).from(messages)
            .where(and(eq(messages.sessionId, sessionId), eq(messages.role, 'assistant')))
            .orderBy(sql`${messages.seq} desc`).limit(1).get()
          const trace = parseJson<TurnTrace | null>(last?.trace ?? null, null)
          if (last && trace) {
            trace.steps.extract = result.traceStep
            tx.update(messages).set({ trace: JSON.stringify(trace) }).where(eq(messages.id, last.id)).run()
          }
        }
        return true
      })
    },

    /** Sessions of a player whose extraction is still pending. */
    async pendingExtractions (scope, personaId, userSessionId) {
      return pendingOfPlayer.all({ scope, personaId, userSessionId }).map(sessionRecord)
    },

    /**
     * Moves every session and progress row of scope `from` to scope `to`. Where `to` already has a
     * session of the same (persona, machine, user_session_id), the more recently active one is kept;
     * progress rows of the same (persona, user_session_id) are merged (unlocks united, `from` wins on
     * completed outcomes and variables, memories joined).
     */
    async migrate (from, to) {
      if (from === to) return { sessions_moved: 0, progress_moved: 0 }
      return db.transaction((tx) => {
        let sessionsMoved = 0
        for (const row of tx.select().from(sessions).where(eq(sessions.scope, from)).all()) {
          const clash = tx.select().from(sessions).where(and(
            eq(sessions.scope, to), eq(sessions.personaId, row.personaId), eq(sessions.machineId, row.machineId), eq(sessions.userSessionId, row.userSessionId)
          )).get()
          if (clash) {
            const activity = (r: SessionRow) => r.lastMessageAt ?? r.startedAt
            if (activity(clash) >= activity(row)) {
              tx.delete(sessions).where(eq(sessions.id, row.id)).run()
              continue
            }
            tx.delete(sessions).where(eq(sessions.id, clash.id)).run()
          }
          tx.update(sessions).set({ scope: to }).where(eq(sessions.id, row.id)).run()
          sessionsMoved++
        }
        let progressMoved = 0
        for (const row of tx.select().from(playerProgress).where(eq(playerProgress.scope, from)).all()) {
          const mine = progressRecord(row)
          const theirs = readProgress(tx, to, row.personaId, row.userSessionId)
          const merged: ProgressRecord = {
            unlocked_machine_keys: [...new Set([...theirs.unlocked_machine_keys, ...mine.unlocked_machine_keys])],
            completed: { ...theirs.completed, ...mine.completed },
            variables: { ...theirs.variables, ...mine.variables },
            memory_summary: [theirs.memory_summary, mine.memory_summary].filter((m) => m !== '').join('\n\n')
          }
          tx.delete(playerProgress).where(and(
            eq(playerProgress.scope, from), eq(playerProgress.personaId, row.personaId), eq(playerProgress.userSessionId, row.userSessionId)
          )).run()
          writeProgress(tx, to, row.personaId, row.userSessionId, merged)
          progressMoved++
        }
        return { sessions_moved: sessionsMoved, progress_moved: progressMoved }
      })
    }
  }
}
