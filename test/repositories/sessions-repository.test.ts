// Sessions repository: replace at init, the atomic turn commit (and its refusal on a stale session), summaries, extraction, migration.
import t, { type Test } from 'tap'
import { count, eq } from 'drizzle-orm'
import { StaleSessionError, type NewMessage, type SessionKey, type SessionsRepository, type TurnCommit } from '../../src/repositories/contract.ts'
import { toGraph } from '../../src/routes/web/creator.ts'
import { example } from '../helpers/examples.ts'
import { withUser } from '../helpers/repositories.ts'

async function setup (t: Test) {
  const { db, tables, repos, user } = await withUser(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const { loaded } = await repos.personas.save(user.id, null, fields, graph)
  const [door, vip] = loaded.graph.machines
  const key: SessionKey = { scope: `sdk:${user.id}`, personaId: loaded.persona.id, machineId: door.machine_id, userSessionId: 'p1' }
  return { db, ...tables, repo: repos.sessions, key, vip, door }
}

const message = (role: 'user' | 'assistant', content: string, extra: Partial<NewMessage> = {}): NewMessage => ({
  role, content, state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, trace: null, ...extra
})

function start (repo: SessionsRepository, key: SessionKey) {
  return repo.replace(key, { playerName: 'Robin', playerGender: 'female', initialState: 'approach', greeting: message('assistant', 'Hello'), tokens: { in: 10, out: 2 } })
}

function turn (sessionId: string, key: SessionKey, expected: number, overrides: Partial<TurnCommit> = {}): TurnCommit {
  return {
    sessionId,
    expectedMessageCount: expected,
    userMessage: message('user', `u${expected}`),
    assistantMessage: message('assistant', `a${expected}`, { trace: { transition_id: null, decision: null, evaluator_reason: 'r', fallback: false, steps: { reply: { model: 'm', tokens_in: 1, tokens_out: 1, latency_ms: 1 } } } }),
    state: { current_state: 'approach', score: 0, redirect_count: 0, outcome: null },
    progress: { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId, unlock: [], completed: null },
    tokens: { in: 5, out: 3 },
    ...overrides
  }
}

t.test('replace creates a session with its greeting, and replaces an existing one with its messages', async (t) => {
  const { db, messages, turns, repo, key } = await setup(t)
  const first = await start(repo, key)
  t.match(first, { current_state: 'approach', score: 0, outcome: null, message_count: 1, summarized_count: 0, summary: '', extraction_pending: false, player_name: 'Robin' })
  t.same((await repo.messagesAfter(first.session_id)).map((m) => [m.seq, m.role, m.content]), [[1, 'assistant', 'Hello']])
  await repo.commitTurn(turn(first.session_id, key, 1))
  const second = await start(repo, key)
  t.not(second.session_id, first.session_id)
  t.equal((await repo.find(key))?.session_id, second.session_id)
  t.equal((await db.select({ n: count() }).from(messages))[0]?.n, 1, 'the old session\'s messages are gone')
  t.equal((await db.select({ n: count() }).from(turns))[0]?.n, 3, 'statistics rows are kept')
})

t.test('commitTurn writes both messages, the state, progress and a turn row together', async (t) => {
  const { db, turns, repo, key, vip } = await setup(t)
  const s = await start(repo, key)
  const after = await repo.commitTurn(turn(s.session_id, key, 1, {
    state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
    progress: { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId, unlock: [vip.machine_key], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
  }))
  t.match(after, { current_state: 'inside', score: 4, outcome: 'ACCEPT', message_count: 3, extraction_pending: true })
  t.ok(after.last_message_at)
  const stored = await repo.messagesAfter(s.session_id)
  t.same(stored.map((m) => [m.seq, m.role, m.content]), [[1, 'assistant', 'Hello'], [2, 'user', 'u1'], [3, 'assistant', 'a1']])
  t.match(stored[2].trace, { evaluator_reason: 'r' })
  t.same((await repo.messagesAfter(s.session_id, 2)).map((m) => m.seq), [3])
  t.same(await repo.progress(key.scope, key.personaId, 'p1'), { unlocked_machine_keys: ['vip'], completed: { door: 'ACCEPT' }, variables: {}, memory_summary: '' })
  t.same((await repo.pendingExtractions(key.scope, key.personaId, 'p1')).map((x) => x.session_id), [s.session_id])
  t.equal((await db.select({ n: count() }).from(turns).where(eq(turns.sessionId, s.session_id)))[0]?.n, 2)
})

t.test('commitTurn refuses a stale or ended session and writes nothing', async (t) => {
  const { db, messages, turns, repo, key } = await setup(t)
  const s = await start(repo, key)
  await repo.commitTurn(turn(s.session_id, key, 1))
  await t.rejects(() => repo.commitTurn(turn(s.session_id, key, 1)), StaleSessionError, 'another turn committed since')
  await repo.commitTurn(turn(s.session_id, key, 3, { state: { current_state: 'turned_away', score: -5, redirect_count: 0, outcome: 'KICK_OUT' } }))
  await t.rejects(() => repo.commitTurn(turn(s.session_id, key, 5)), StaleSessionError, 'the session has ended')
  await repo.delete(s.session_id)
  await t.rejects(() => repo.commitTurn(turn(s.session_id, key, 5)), StaleSessionError, 'the session is gone')
  t.equal((await db.select({ n: count() }).from(messages))[0]?.n, 0)
  t.equal((await db.select({ n: count() }).from(turns))[0]?.n, 3, 'greeting and two committed turns only')
})

t.test('saveSummary applies only on top of the count it was computed from', async (t) => {
  const { repo, key } = await setup(t)
  const s = await start(repo, key)
  t.equal(await repo.saveSummary(s.session_id, 0, 'First.', 1), true)
  t.equal(await repo.saveSummary(s.session_id, 0, 'Late.', 1), false)
  t.match(await repo.findById(s.session_id), { summary: 'First.', summarized_count: 1 })
})

t.test('saveExtraction merges variables, updates the memory, clears the flag and adds the step to the last trace, once', async (t) => {
  const { repo, key } = await setup(t)
  const s = await start(repo, key)
  await repo.commitTurn(turn(s.session_id, key, 1, {
    state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
    progress: { scope: key.scope, personaId: key.personaId, userSessionId: 'p1', unlock: [], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
  }))
  const player = { scope: key.scope, personaId: key.personaId, userSessionId: 'p1' }
  t.equal(await repo.saveExtraction(s.session_id, player, { variables: { a: '1' }, mergeMemory: (m) => `${m}[one]`, traceStep: { model: 'x', tokens_in: 3, tokens_out: 4, latency_ms: 5 } }), true)
  // A second worker's extraction of the same session (another instance) is refused and changes nothing.
  t.equal(await repo.saveExtraction(s.session_id, player, { variables: { b: '2' }, mergeMemory: (m) => `${m}[two]`, traceStep: null }), false)
  t.same((await repo.progress(key.scope, key.personaId, 'p1')).variables, { a: '1' })
  t.match(await repo.progress(key.scope, key.personaId, 'p1'), { memory_summary: '[one]', completed: { door: 'ACCEPT' } })
  t.equal((await repo.findById(s.session_id))?.extraction_pending, false)
  t.same((await repo.messagesAfter(s.session_id)).at(-1)?.trace?.steps.extract, { model: 'x', tokens_in: 3, tokens_out: 4, latency_ms: 5 })
})

t.test('migrate moves sessions and merges progress; on a clash the more recently active session wins', async (t) => {
  const { db, sessions, repo, key, vip } = await setup(t)
  const guest = { ...key, scope: 'user:guest' }
  const user = { ...key, scope: 'user:me' }
  const old = await start(repo, user)
  await db.update(sessions).set({ lastMessageAt: '2000-01-01T00:00:00.000Z' }).where(eq(sessions.id, old.session_id))
  const fresh = await start(repo, guest)
  const other = await start(repo, { ...guest, userSessionId: 'p2' })
  const kept = await start(repo, { ...user, machineId: vip.machine_id })
  await repo.commitTurn(turn(fresh.session_id, guest, 1, {
    state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
    progress: { scope: guest.scope, personaId: key.personaId, userSessionId: 'p1', unlock: ['vip'], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
  }))
  t.same(await repo.migrate('user:guest', 'user:me'), { sessions_moved: 2, progress_moved: 1 })
  t.equal((await repo.find(user))?.session_id, fresh.session_id, 'the guest\'s newer session replaced the old one')
  t.equal(await repo.findById(old.session_id), null)
  t.equal((await repo.find({ ...user, userSessionId: 'p2' }))?.session_id, other.session_id)
  t.equal((await repo.find({ ...user, machineId: vip.machine_id }))?.session_id, kept.session_id)
  t.equal((await repo.listForPlayer('user:guest', key.personaId, 'p1')).length, 0)
  t.match(await repo.progress('user:me', key.personaId, 'p1'), { unlocked_machine_keys: ['vip'], completed: { door: 'ACCEPT' } })
  t.same((await repo.progress('user:guest', key.personaId, 'p1')).unlocked_machine_keys, [])
  t.same(await repo.migrate('user:me', 'user:me'), { sessions_moved: 0, progress_moved: 0 })

  // An older guest session loses to the user's own.
  const mine = await start(repo, { ...user, userSessionId: 'p3' })
  const stale = await start(repo, { ...guest, userSessionId: 'p3' })
  await db.update(sessions).set({ lastMessageAt: '2000-01-01T00:00:00.000Z' }).where(eq(sessions.id, stale.session_id))
  t.same(await repo.migrate('user:guest', 'user:me'), { sessions_moved: 0, progress_moved: 0 })
  t.equal((await repo.find({ ...user, userSessionId: 'p3' }))?.session_id, mine.session_id)
  t.equal(await repo.findById(stale.session_id), null)
})

t.test('commitTurn: a turn that completes nothing leaves extraction alone and writes no progress; unlocks are kept once each', async (t) => {
  const { db, playerProgress, repo, key } = await setup(t)
  const s = await start(repo, key)
  const after = await repo.commitTurn(turn(s.session_id, key, 1))
  t.equal(after.extraction_pending, false, 'no completion, nothing to extract')
  t.equal((await db.select({ n: count() }).from(playerProgress))[0]?.n, 0, 'no progress row for a turn without unlocks or completion')
  const unlock = (expected: number, keys: string[]) => turn(s.session_id, key, expected, { progress: { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId, unlock: keys, completed: null } })
  await repo.commitTurn(unlock(3, ['vip']))
  const third = await repo.commitTurn(unlock(5, ['vip', 'cellar']))
  t.equal(third.extraction_pending, false)
  t.same(await repo.progress(key.scope, key.personaId, key.userSessionId), { unlocked_machine_keys: ['vip', 'cellar'], completed: {}, variables: {}, memory_summary: '' })
})

t.test('delete answers whether there was a session', async (t) => {
  const { repo, key } = await setup(t)
  const s = await start(repo, key)
  t.equal(await repo.delete(s.session_id), true)
  t.equal(await repo.delete(s.session_id), false)
})

t.test('saveExtraction with a step applies when the last assistant message has no trace, and leaves it without one', async (t) => {
  const { repo, key } = await setup(t)
  const s = await start(repo, key)
  await repo.commitTurn(turn(s.session_id, key, 1, {
    assistantMessage: message('assistant', 'a1'),
    state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
    progress: { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId, unlock: [], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
  }))
  const player = { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId }
  t.equal(await repo.saveExtraction(s.session_id, player, { variables: { a: '1' }, mergeMemory: () => 'm', traceStep: { model: 'x', tokens_in: 1, tokens_out: 1, latency_ms: 1 } }), true)
  t.equal((await repo.messagesAfter(s.session_id)).at(-1)?.trace, null)
  t.same((await repo.progress(key.scope, key.personaId, key.userSessionId)).variables, { a: '1' })
})

t.test('migrate: on equal activity the target scope\'s session is kept; variables and memories of both progress rows are merged', async (t) => {
  const { db, sessions, repo, key } = await setup(t)
  const guest = { ...key, scope: 'user:guest' }
  const user = { ...key, scope: 'user:me' }
  const mine = await start(repo, user)
  const theirs = await start(repo, guest)
  const when = '2001-01-01T00:00:00.000Z'
  await db.update(sessions).set({ lastMessageAt: when }).where(eq(sessions.id, mine.session_id))
  await db.update(sessions).set({ lastMessageAt: when }).where(eq(sessions.id, theirs.session_id))
  const done = (scope: string, id: string, variables: Record<string, string>, memory: string) =>
    repo.saveExtraction(id, { scope, personaId: key.personaId, userSessionId: key.userSessionId }, { variables, mergeMemory: () => memory, traceStep: null })
  // Both sessions complete (so extraction is pending), then their extraction stores variables and a memory.
  for (const [k, s] of [[user, mine], [guest, theirs]] as const) {
    await repo.commitTurn(turn(s.session_id, k, 1, {
      state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
      progress: { scope: k.scope, personaId: key.personaId, userSessionId: key.userSessionId, unlock: [], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
    }))
  }
  await db.update(sessions).set({ lastMessageAt: when })
  await done(user.scope, mine.session_id, { a: 'mine', b: 'mine' }, 'Target memory.')
  await done(guest.scope, theirs.session_id, { b: 'guest', c: 'guest' }, 'Guest memory.')
  t.same(await repo.migrate(guest.scope, user.scope), { sessions_moved: 0, progress_moved: 1 })
  t.equal((await repo.find(user))?.session_id, mine.session_id, 'a tie keeps the target\'s session')
  t.equal(await repo.findById(theirs.session_id), null)
  t.same(await repo.progress(user.scope, key.personaId, key.userSessionId), {
    unlocked_machine_keys: [], completed: { door: 'ACCEPT' }, variables: { a: 'mine', b: 'guest', c: 'guest' }, memory_summary: 'Target memory.\n\nGuest memory.'
  })

  // An empty memory on either side adds no blank paragraphs.
  const other = { ...guest, userSessionId: 'p9' }
  const s = await start(repo, other)
  await repo.commitTurn(turn(s.session_id, other, 1, {
    state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
    progress: { scope: other.scope, personaId: key.personaId, userSessionId: 'p9', unlock: [], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
  }))
  await repo.saveExtraction(s.session_id, { scope: other.scope, personaId: key.personaId, userSessionId: 'p9' }, { variables: {}, mergeMemory: () => 'Only memory.', traceStep: null })
  t.same(await repo.migrate(guest.scope, user.scope), { sessions_moved: 1, progress_moved: 1 })
  t.equal((await repo.progress(user.scope, key.personaId, 'p9')).memory_summary, 'Only memory.')
})

t.test('saveExtraction without a step leaves the last trace as it was', async (t) => {
  const { repo, key } = await setup(t)
  const s = await start(repo, key)
  await repo.commitTurn(turn(s.session_id, key, 1, {
    state: { current_state: 'inside', score: 4, redirect_count: 0, outcome: 'ACCEPT' },
    progress: { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId, unlock: [], completed: { machineKey: 'door', outcome: 'ACCEPT' } }
  }))
  const before = (await repo.messagesAfter(s.session_id)).at(-1)?.trace
  t.equal(await repo.saveExtraction(s.session_id, { scope: key.scope, personaId: key.personaId, userSessionId: key.userSessionId }, { variables: {}, mergeMemory: () => '', traceStep: null }), true)
  t.strictSame((await repo.messagesAfter(s.session_id)).at(-1)?.trace, before)
  t.notOk('extract' in (before?.steps ?? {}))
})
