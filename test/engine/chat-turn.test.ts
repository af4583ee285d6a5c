// A turn's single commit over a stand-in repository: what it writes (tokens, progress, trace), and how a failed write answers.
import t from 'tap'
import { createTurns, type PreparedTurn, type TurnRun } from '../../src/engine/chat-turn.ts'
import type { Context } from '../../src/engine/chat-context.ts'
import type { TurnDecision } from '../../src/engine/core.ts'
import type { EvaluationResult } from '../../src/engine/steps.ts'
import { StaleSessionError } from '../../src/repositories/contract.ts'

const ctx = {
  persona: { id: 'p' },
  scope: 'sdk:u',
  machine: { machine_key: 'door', scoring_mode: 'transition' },
  graph: { machines: [], machine_links: [] }
} as unknown as Context

const decision = (over: Partial<TurnDecision> = {}): TurnDecision => ({
  decision: null, follow_up: false, transition: null, current_state: 'ask', score: 0, redirect_count: 0, outcome: null, machine_completed: false, state_changed: false, unlocked: [], ...over
})
const turn = (d: TurnDecision): PreparedTurn => ({
  session: { session_id: 's1', message_count: 3, current_state: 'ask', score: 0, user_session_id: 'player' },
  configs: { summarization: { model: 'openai/gpt-4o-mini' } },
  message: 'Hi',
  decision: d
} as unknown as PreparedTurn)
/** No evaluation ran (a state with nothing to ask): no trace. */
const unasked: EvaluationResult = { transition_id: null, follow_up: false, reason: null, fallback: false, trace: null }
const asked: EvaluationResult = { transition_id: 't1', follow_up: false, reason: 'Paid.', fallback: false, trace: { model: 'gpt-4o-mini', tokens_in: 100, tokens_out: 20, latency_ms: 30 } }
const REPLY = { model: 'gpt-4o-mini', tokens_in: 50, tokens_out: 8, latency_ms: 40 }
const run: TurnRun = { timeline: { pipeline: 'streamed', evaluation_start_ms: 0, decision_ms: 30, reply_first_token_ms: 35, end_ms: 80, speculation: 'discarded' }, wasted: { in: 7, out: 3 } }

function turns (opts: { commitFails?: Error, sessionLeft?: boolean } = {}) {
  const commits: any[] = []
  const after: string[] = []
  const repos = {
    sessions: {
      async commitTurn (c: unknown) { if (opts.commitFails) throw opts.commitFails; commits.push(c) },
      async findById (id: string) { return opts.sessionLeft === true ? { session_id: id } : null }
    }
  }
  const background = { afterCommit (_ctx: unknown, sessionId: string) { after.push(sessionId) } }
  return { turns: createTurns({ repos: repos as never, resolver: {} as never, background: background as never, window: 16 }), commits, after }
}

t.test('a turn with no evaluation call and no outcome: tokens of the reply and the wasted speculation, no completion', async (t) => {
  const { turns: tt, commits, after } = turns()
  const res = await tt.commit(ctx, turn(decision()), unasked, 'Hm.', REPLY, run)
  t.equal(res.message, 'Hm.')
  t.same(commits[0].tokens, { in: 57, out: 11, wastedIn: 7, wastedOut: 3 })
  t.same(commits[0].progress, { scope: 'sdk:u', personaId: 'p', userSessionId: 'player', unlock: [], completed: null }, 'nothing completed')
  t.notOk('evaluate' in commits[0].assistantMessage.trace.steps, 'no evaluate step in the trace')
  t.same(commits[0].assistantMessage.trace.wasted_tokens, { tokens_in: 7, tokens_out: 3 })
  t.same(after, ['s1'], 'background work after the commit')
})

t.test('a completing turn records the outcome in the progress and counts the evaluation\'s tokens', async (t) => {
  const { turns: tt, commits } = turns()
  await tt.commit(ctx, turn(decision({ outcome: 'ACCEPT', machine_completed: true, current_state: 'done' })), asked, 'In you go.', REPLY, run)
  t.same(commits[0].progress.completed, { machineKey: 'door', outcome: 'ACCEPT' })
  t.same(commits[0].tokens, { in: 157, out: 31, wastedIn: 7, wastedOut: 3 })
  t.same(commits[0].assistantMessage.trace.steps.evaluate, asked.trace)
})

t.test('a failed commit: a reset racing the turn is 404, a re-init 400, any other error passes through; no background work', async (t) => {
  const gone = turns({ commitFails: new StaleSessionError() })
  await t.rejects(gone.turns.commit(ctx, turn(decision()), unasked, 'Hm.', REPLY, run), { statusCode: 404, message: 'Session not found: call init-session first' })
  const replaced = turns({ commitFails: new StaleSessionError(), sessionLeft: true })
  const err = await replaced.turns.commit(ctx, turn(decision()), unasked, 'Hm.', REPLY, run).then(() => null, (e: { statusCode: number, message: string }) => e)
  t.same(err === null ? null : { statusCode: err.statusCode, message: err.message }, { statusCode: 400, message: 'The session changed while this message was processed; send it again' }, 'the exact message')
  const broken = new Error('disk full')
  const failed = turns({ commitFails: broken, sessionLeft: true })
  await t.rejects(failed.turns.commit(ctx, turn(decision()), unasked, 'Hm.', REPLY, run), broken, 'the database error itself')
  t.same([...gone.after, ...replaced.after, ...failed.after], [])
})
