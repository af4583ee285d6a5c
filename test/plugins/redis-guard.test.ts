// The redis plugin with the guard over a throwaway redis-server: shared rate-limit counters, broadcast invalidations, reconnects, shutdown.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import redisPlugin from '../../src/plugins/redis.ts'
import guard from '../../src/plugins/guard.ts'
import { Errors } from '../../src/errors.ts'
import { startRedis } from '../helpers/redis.ts'

const server = await startRedis()
t.teardown(() => server.stop())
const plain = server.connect()

const LIMITS = { generation: 1, chat: 1, general: 2, sdkChat: 1, sdkGeneral: 2 }

const fakeAuth = fp(async (app) => {
  app.decorateRequest('apiKey', null)
  app.decorateRequest('user', null as never)
  app.decorate('verifyJwt', async () => { throw new Errors.Unauthorized('no token') })
  app.decorate('verifyApiKey', async (req: FastifyRequest) => { req.apiKey = { keyId: 'k1', userId: 'u1' } })
}, { name: 'auth' })

/** One instance: the redis plugin (with `url`, or none), the guard, and routes counted as general and chat; `dropped` records user invalidations. */
async function instance (t: Test, url: string | null = server.url) {
  const errors: Array<{ msg: string, err?: { message: string } }> = []
  const app: FastifyInstance = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { errors.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(redisPlugin, url === null ? {} : { url })
  await app.register(fakeAuth)
  await app.register(guard, { limits: LIMITS })
  const dropped: string[] = []
  app.cacheBus.on('user', (id) => { dropped.push(id) })
  app.get('/general', { config: { limit: 'general' } }, async () => ({ ok: true }))
  app.get('/chat', { config: { limit: 'chat' } }, async () => ({ ok: true }))
  app.post('/write', { config: { limit: false } }, async () => {
    app.cacheBus.invalidate('user:u1')
    return { ok: true }
  })
  await app.ready()
  const get = (path: string) => app.inject({ method: 'GET', url: path, remoteAddress: '10.0.0.7' }).then((r) => r.statusCode)
  return { app, dropped, get, errors }
}

t.beforeEach(async () => { await plain.flushall() })

t.test('with Redis the counters are shared by every instance, per category, under the rapport:rl: prefix', async (t) => {
  const a = await instance(t)
  const b = await instance(t)
  t.same([await a.get('/general'), await b.get('/general'), await a.get('/general'), await b.get('/general')], [200, 200, 429, 429])
  t.equal(await b.get('/chat'), 200, 'another category has its own counter')
  t.equal(await a.get('/chat'), 429)
  const keys = await plain.keys('*')
  t.ok(keys.length >= 2)
  t.ok(keys.every((k) => k.startsWith('rapport:rl:')), keys.join(', '))
})

t.test('an invalidation is broadcast to the other instance; the write answers once it is confirmed (or timed out)', async (t) => {
  const a = await instance(t)
  const b = await instance(t)
  const res = await a.app.inject({ method: 'POST', url: '/write' })
  t.equal(res.statusCode, 200)
  t.equal(a.app.cacheBus.pending, 0, 'nothing left in flight when the answer is sent')
  t.same(a.dropped, ['u1'], 'here at once')
  for (let i = 0; i < 200 && b.dropped.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.same(b.dropped, ['u1'], 'there too')
})

t.test('invalidations travel on the documented rapport:invalidate channel; a failed broadcast is logged', async (t) => {
  const a = await instance(t)
  const listener = server.connect()
  const heard: string[] = []
  listener.on('message', (channel: string, message: string) => { heard.push(`${channel} ${message}`) })
  await listener.subscribe('rapport:invalidate')
  await a.app.inject({ method: 'POST', url: '/write' })
  for (let i = 0; i < 200 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.match(heard, [/^rapport:invalidate \{.*"tag":"user:u1"/])
  a.app.redis!.client.disconnect()
  t.equal((await a.app.inject({ method: 'POST', url: '/write' })).statusCode, 200, 'the write itself still answers')
  t.match(a.errors, [{ msg: /^cache invalidation not broadcast/, err: { message: /Connection is closed/ } }])
})

t.test('a subscriber that reconnected drops every cached record (it may have missed invalidations)', async (t) => {
  const a = await instance(t)
  await plain.client('KILL', 'TYPE', 'pubsub')
  for (let i = 0; i < 200 && !a.dropped.includes('*'); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.same(a.dropped, ['*'])
})

t.test('closing the server closes both connections', async (t) => {
  const names = async () => ((await plain.client('LIST')) as string).split('\n').map((line) => /name=(\S*)/.exec(line)?.[1]).filter((n) => n?.startsWith('rapport'))
  const { app } = await instance(t)
  t.same((await names()).sort(), ['rapport', 'rapport-subscriber'])
  await app.close()
  for (let i = 0; i < 200 && (await names()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.same(await names(), [])
})

t.test('without a URL: no Redis, the bus applies invalidations in this process, counters stay local; the plugin is named redis', async (t) => {
  const a = await instance(t, null)
  const b = await instance(t, null)
  t.equal(a.app.redis, null)
  t.ok(a.app.hasPlugin('redis'))
  t.equal((await a.app.inject({ method: 'POST', url: '/write' })).statusCode, 200)
  t.same(a.dropped, ['u1'])
  t.same(b.dropped, [])
  await a.get('/general')
  await a.get('/general')
  t.equal(await b.get('/general'), 200, 'each instance counts alone')
  t.same(await plain.keys('*'), [])
})
