// The shared row mapping (src/repositories/rows.ts) on its own: JSON fallbacks, strictly increasing timestamps, deep freezing, progress merging, transition id picking, message rows.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { deepFreeze, mergeProgress, messageRow, nextTimestamp, parseJson, progressRecord, progressValues, storedMessage, transitionIdPicker, type MessageRow } from '../../src/repositories/rows.ts'
import type { ProgressRecord } from '../../src/repositories/contract.ts'

t.test('parseJson falls back on null, empty and malformed text', async (t) => {
  t.same(parseJson('{"a":1}', {}), { a: 1 })
  t.equal(parseJson('0', 5), 0)
  t.same(parseJson(null, ['x']), ['x'])
  t.same(parseJson('', ['x']), ['x'])
  t.same(parseJson('{oops', ['x']), ['x'])
})

t.test('nextTimestamp is now, or one millisecond after a previous stamp that is not in the past', async (t) => {
  const before = Date.now()
  const fresh = Date.parse(nextTimestamp(null))
  t.ok(fresh >= before && fresh <= Date.now())
  const old = Date.parse(nextTimestamp('2001-01-01T00:00:00.000Z'))
  t.ok(old >= before, 'a past stamp gives now')
  t.equal(nextTimestamp('2999-01-01T00:00:00.000Z'), '2999-01-01T00:00:00.001Z', 'a future stamp gives one millisecond more')
  const now = new Date(Date.now() + 60_000).toISOString()
  t.equal(Date.parse(nextTimestamp(now)), Date.parse(now) + 1)
})

t.test('nextTimestamp on a clock that has not moved past the previous stamp', async (t) => {
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const at = Date.parse('2026-06-01T12:00:00.000Z')
  Date.now = () => at
  t.equal(nextTimestamp('2026-06-01T12:00:00.000Z'), '2026-06-01T12:00:00.001Z', 'the same millisecond gives one more')
  t.equal(nextTimestamp('2026-06-01T11:59:59.999Z'), '2026-06-01T12:00:00.000Z', 'an earlier one gives now')
  t.equal(nextTimestamp(null), '2026-06-01T12:00:00.000Z')
})

t.test('deepFreeze freezes nested objects and arrays, returns its argument, and stops at frozen objects (cycles end)', async (t) => {
  const value = { a: { b: [{ c: 1 }] }, n: null, s: 'x' }
  t.equal(deepFreeze(value), value)
  t.ok(Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(value.a.b) && Object.isFrozen(value.a.b[0]))
  t.equal(deepFreeze(null), null)
  t.equal(deepFreeze(3), 3)
  const cyclic: { self?: unknown, child: { x: number } } = { child: { x: 1 } }
  cyclic.self = cyclic
  deepFreeze(cyclic)
  t.ok(Object.isFrozen(cyclic.child))
})

t.test('mergeProgress unites unlocks, lets mine win on outcomes and variables, and joins non-empty memories', async (t) => {
  const p = (o: Partial<ProgressRecord>): ProgressRecord => ({ unlocked_machine_keys: [], completed: {}, variables: {}, memory_summary: '', ...o })
  const cases: Array<[string, ProgressRecord, ProgressRecord, ProgressRecord]> = [
    ['both empty', p({}), p({}), p({})],
    ['unlocks united in order, once each', p({ unlocked_machine_keys: ['a', 'b'] }), p({ unlocked_machine_keys: ['b', 'c'] }), p({ unlocked_machine_keys: ['a', 'b', 'c'] })],
    ['mine wins on outcomes', p({ completed: { door: 'REJECT', vip: 'ACCEPT' } }), p({ completed: { door: 'ACCEPT' } }), p({ completed: { door: 'ACCEPT', vip: 'ACCEPT' } })],
    ['mine wins on variables', p({ variables: { a: '1', b: '1' } }), p({ variables: { b: '2', c: '2' } }), p({ variables: { a: '1', b: '2', c: '2' } })],
    ['memories joined by a blank line', p({ memory_summary: 'Theirs.' }), p({ memory_summary: 'Mine.' }), p({ memory_summary: 'Theirs.\n\nMine.' })],
    ['only theirs', p({ memory_summary: 'Theirs.' }), p({}), p({ memory_summary: 'Theirs.' })],
    ['only mine', p({}), p({ memory_summary: 'Mine.' }), p({ memory_summary: 'Mine.' })]
  ]
  for (const [name, theirs, mine, expected] of cases) t.same(mergeProgress(theirs, mine), expected, name)
})

t.test('progress rows: JSON columns written and read back; a missing row is empty progress', async (t) => {
  const progress: ProgressRecord = { unlocked_machine_keys: ['vip'], completed: { door: 'ACCEPT' }, variables: { a: '1' }, memory_summary: 'm' }
  const values = progressValues(progress)
  t.match(values, { unlockedMachines: '["vip"]', completedMachines: '{"door":"ACCEPT"}', variables: '{"a":"1"}', memorySummary: 'm', updatedAt: /^\d{4}-/ })
  t.same(progressRecord({ scope: 's', personaId: 'p', userSessionId: 'u', ...values }), progress)
  t.same(progressRecord(undefined), { unlocked_machine_keys: [], completed: {}, variables: {}, memory_summary: '' })
})

t.test('transitionIdPicker keeps a free UUID once, and replaces taken, repeated, missing and malformed ids', async (t) => {
  const free = randomUUID()
  const taken = randomUUID()
  const pick = transitionIdPicker(new Set([taken]))
  t.equal(pick(free), free)
  const again = pick(free)
  t.not(again, free, 'a UUID used twice in one graph is kept only the first time')
  const replaced = [pick(taken), pick(undefined), pick('not-a-uuid')]
  for (const id of [again, ...replaced]) t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.not(replaced[0], taken)
  t.equal(new Set([free, again, ...replaced]).size, 5)
})

t.test('message rows store the trace as JSON (null stays null) and read it back', async (t) => {
  const trace = { transition_id: null, decision: null, evaluator_reason: 'r', fallback: false, steps: { reply: { model: 'm', tokens_in: 1, tokens_out: 2, latency_ms: 3 } } }
  const m = { role: 'assistant' as const, content: 'c', state_key_at_time: 's', score_at_time: 2, decision: null, follow_up_triggered: true, trace }
  const row = messageRow('sid', 3, m, '2026-01-01T00:00:00.000Z')
  t.match(row, { sessionId: 'sid', seq: 3, role: 'assistant', content: 'c', stateKeyAtTime: 's', scoreAtTime: 2, decision: null, followUpTriggered: true, trace: JSON.stringify(trace), createdAt: '2026-01-01T00:00:00.000Z' })
  t.equal(messageRow('sid', 4, { ...m, trace: null }, 'x').trace, null)
  t.same(storedMessage(row as MessageRow).trace, trace)
  t.equal(storedMessage({ ...row, trace: null } as MessageRow).trace, null)
})
