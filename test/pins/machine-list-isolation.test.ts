// One account's sessions and progress stay out of every other account's machine list (SDK owner, the same owner on the web, other users, guests).
import t from 'tap'
import type { RapportApp } from '../../src/app.ts'
import { bearer, register } from '../helpers/build.ts'
import { chatSetup, llmHeaders, type ChatSetup } from '../helpers/chat.ts'

// Fresh apps and many requests against the fake LLM: more than the default file timeout on a loaded machine.
t.setTimeout(240_000)

interface Who { token: string }

async function guest (app: RapportApp): Promise<Who> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  if (res.statusCode !== 201) throw new Error(res.body)
  return { token: res.json().token }
}

type Row = [string, boolean, string | null]

const rows = (body: Array<{ machine_key: string, has_session: boolean, session_outcome: string | null }>): Row[] =>
  body.map((m) => [m.machine_key, m.has_session, m.session_outcome])

const player = { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' }

function webMachines (c: ChatSetup, who: Who) {
  return c.app.inject({ method: 'GET', url: `/api/v1/chat/${c.persona.id}/machines?user_session_id=p1`, headers: bearer(who) })
}

async function sdkMachines (c: ChatSetup): Promise<Row[]> {
  return rows((await c.sdk('GET', `/chat/${c.persona.id}/machines?user_session_id=p1`)).json())
}

t.test('a finished SDK session with an unlock shows only in the SDK owner\'s list, for the same player id', async (t) => {
  const c = await chatSetup(t)
  t.equal((await c.sdk('POST', `/chat/${c.persona.id}/init-session`, player)).statusCode, 200)
  c.evaluate('door:approach->vibe_check:pass')
  await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Here for the DJ.' })
  c.evaluate('door:vibe_check->inside:pass')
  const done = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'I know the DJ.' })
  t.equal(done.json().outcome, 'ACCEPT')
  await c.app.chat.drain()
  t.same(await sdkMachines(c), [['door', true, 'ACCEPT'], ['vip', false, null]], 'the SDK player finished the door and unlocked the back room')

  const viewers: Array<[string, Who]> = [
    ['the same owner on the web', c.owner],
    ['another user', await register(c.app)],
    ['a guest', await guest(c.app)]
  ]
  for (const [name, who] of viewers) {
    const res = await webMachines(c, who)
    t.equal(res.statusCode, 200)
    t.same(rows(res.json()), [['door', false, null]], `${name}: no session, nothing unlocked`)
  }
})

t.test('web users\' sessions stay in their own lists and out of the SDK owner\'s', async (t) => {
  const c = await chatSetup(t)
  const a = await register(c.app)
  const b = await guest(c.app)
  const started = await c.app.inject({ method: 'POST', url: `/api/v1/chat/${c.persona.id}/init-session`, headers: { ...bearer(a), ...llmHeaders }, payload: player })
  t.equal(started.statusCode, 200)
  c.evaluate('door:approach->turned_away:kick_out')
  const kicked = await c.app.inject({ method: 'POST', url: `/api/v1/chat/${c.persona.id}/message`, headers: { ...bearer(a), ...llmHeaders }, payload: { user_session_id: 'p1', message: 'Move.' } })
  t.equal(kicked.json().outcome, 'KICK_OUT')

  t.same(rows((await webMachines(c, a)).json()), [['door', true, 'KICK_OUT']], 'the player sees their own session')
  t.same(rows((await webMachines(c, b)).json()), [['door', false, null]], 'a guest with the same player id does not')
  t.same(rows((await webMachines(c, c.owner)).json()), [['door', false, null]], 'nor does the persona owner on the web')
  t.same(await sdkMachines(c), [['door', false, null]], 'nor the owner\'s SDK players')
})
