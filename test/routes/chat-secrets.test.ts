// LLM keys never reach logs, error bodies or the database, even when a provider echoes them back.
import t from 'tap'
import { Writable } from 'node:stream'
import { chatSetup, LLM_KEY } from '../helpers/chat.ts'
import { everyRow } from '../helpers/db.ts'

t.test('a turn with provider failures and a successful turn leave no trace of the LLM key', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const c = await chatSetup(t, { env: { LOG_LEVEL: 'trace' }, logStream })
  const init = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' })
  t.equal(init.statusCode, 200)

  const bodies: string[] = [init.body]
  c.failing('evaluate', { status: 401, errorMessage: `Incorrect API key provided: ${LLM_KEY}. You can find your API key at …` })
  const rejected = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'hello' })
  t.equal(rejected.statusCode, 401)
  bodies.push(rejected.body)
  c.failing('evaluate', { status: 500, errorMessage: `upstream exploded while using ${LLM_KEY}` })
  const outage = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'hello' })
  t.equal(outage.statusCode, 500)
  bodies.push(outage.body)
  c.failing('reply', { status: 400, errorMessage: `model not found for key ${LLM_KEY}` })
  c.failing('evaluate', null)
  const stream = await c.sdk('POST', `/chat/${c.persona.id}/message/stream`, { user_session_id: 'p1', message: 'hello' })
  bodies.push(stream.body)
  c.failing('reply', null)
  const ok = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'hello again' })
  t.equal(ok.statusCode, 200)
  bodies.push(ok.body)
  const history = await c.sdk('GET', `/chat/${c.persona.id}/history?user_session_id=p1&include_trace=true`)
  bodies.push(history.body)

  t.ok(c.fake.requests.some((r) => r.headers.authorization === `Bearer ${LLM_KEY}`), 'the key did reach the provider')
  for (const body of bodies) t.notMatch(body, LLM_KEY, 'no answer contains the key')
  t.ok(lines.length > 10, 'the requests were logged')
  t.notMatch(lines.join(''), LLM_KEY, 'no log line contains the key')

  for (const { name, rows } of await everyRow(c.app)) {
    t.notMatch(JSON.stringify(rows), LLM_KEY, `table ${name} does not contain the key`)
  }
})
