// The repository contract's runtime parts: the stale-session error, the public status of a session record, the UUID check.
import t from 'tap'
import { isUuid, sessionStatus, StaleSessionError, type SessionRecord } from '../../src/repositories/contract.ts'

t.test('StaleSessionError is an Error with its own name and message', async (t) => {
  const err = new StaleSessionError()
  t.ok(err instanceof Error)
  t.equal(err.name, 'StaleSessionError')
  t.equal(err.message, 'The session changed while the turn was running')
})

t.test('sessionStatus keeps exactly the public fields of a session record, in contract order', async (t) => {
  const status = { session_id: 's', persona_id: 'p', machine_id: 'm', current_state: 'c', score: 3, outcome: 'ACCEPT' as const, player_name: 'R', player_gender: 'female' as const, started_at: 'a', last_message_at: 'b' }
  const record: SessionRecord = { ...status, scope: 'sdk:u', user_session_id: 'x', redirect_count: 1, summary: 'sum', summarized_count: 2, message_count: 5, extraction_pending: true }
  t.strictSame(sessionStatus(record), status)
  t.same(Object.keys(sessionStatus(record)), ['session_id', 'persona_id', 'machine_id', 'current_state', 'score', 'outcome', 'player_name', 'player_gender', 'started_at', 'last_message_at'])
})

t.test('isUuid accepts the canonical 8-4-4-4-12 hex form only, in either case', async (t) => {
  const cases: Array<[unknown, boolean]> = [
    ['123e4567-e89b-42d3-a456-426614174000', true],
    ['123E4567-E89B-42D3-A456-426614174000', true],
    ['123e4567e89b42d3a456426614174000', false],
    ['x123e4567-e89b-42d3-a456-426614174000', false],
    ['123e4567-e89b-42d3-a456-426614174000x', false],
    ['123e4567-e89b-42d3-a456-42661417400g', false],
    ['', false],
    [null, false],
    [undefined, false],
    [42, false]
  ]
  for (const [value, expected] of cases) t.equal(isUuid(value), expected, String(value))
})
