// The chat plugin over Redis: turns lease their session for SESSION_LEASE_MS and background summaries take Redis locks.
import t from 'tap'
import { chatSetup } from '../helpers/chat.ts'
import { startRedis } from '../helpers/redis.ts'

const server = await startRedis()
t.teardown(() => server.stop())

t.test('over Redis a turn leases its session for SESSION_LEASE_MS, and a summary locked by another instance is left to it', async (t) => {
  await server.connect().flushall()
  const c = await chatSetup(t, { env: { REDIS_URL: server.url, SESSION_LEASE_MS: '600000' } })
  const init = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' })
  t.equal(init.statusCode, 200)
  const sessionId: string = init.json().session_id
  // Another instance holds this session's summary lock.
  const other = server.connect()
  t.equal(await other.set(`rapport:lock:summary:${sessionId}`, 'another-instance', 'PX', 60_000), 'OK')

  const seen: string[][] = []
  const monitor = await server.connect().monitor()
  t.teardown(() => monitor.disconnect())
  monitor.on('monitor', (_time: string, args: string[]) => { seen.push(args) })
  const turn = async () => {
    const res = await c.sdk('POST', `/chat/${c.persona.id}/message`, { user_session_id: 'p1', message: 'Hi' })
    t.equal(res.statusCode, 200)
  }
  await turn()
  // The ticket's heartbeat key is set with the configured lease (the script's SET … PX lease).
  t.ok(seen.some((args) => args[0].toLowerCase() === 'set' && /^rapport:sq:/.test(args[1]) && args.includes('600000')), 'the turn\'s heartbeat leases 600000 ms')

  for (let i = 0; i < 9; i++) await turn()
  await c.app.chat.drain()
  t.equal(c.requestsOf('summary').length, 0, 'no summary while another instance holds the lock')

  await other.del(`rapport:lock:summary:${sessionId}`)
  await turn()
  await c.app.chat.drain()
  t.equal(c.requestsOf('summary').length, 1, 'summarized once the lock is free')
})
