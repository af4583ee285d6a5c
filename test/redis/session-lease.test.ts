// The Redis session queue and background locks against a real redis-server: order across instances, dead holders, fencing.
import t, { type Test } from 'tap'
import type { Redis } from 'ioredis'
import { createRedisSessionQueue } from '../../src/redis/session-queue.ts'
import { createRedisLocks } from '../../src/redis/locks.ts'
import { connectRedis, type RedisConnections } from '../../src/redis/connections.ts'
import { startRedis } from '../helpers/redis.ts'

const quiet = { info: () => {}, warn: () => {} }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Waits until `check` holds (a busy machine may take a while to send a command; no time limit but tap's).
async function until (check: () => Promise<boolean>) {
  while (!(await check())) await sleep(5)
}

const server = await startRedis()
t.teardown(() => server.stop())

// One "instance": its own pair of connections, as the plugin opens them.
async function instance (t: Test): Promise<RedisConnections> {
  const conns = await connectRedis(server.url, quiet)
  t.teardown(() => conns.close())
  return conns
}

t.test('turns of one key run one at a time in ticket order, across instances', async (t) => {
  const prefix = server.prefix()
  const a = await createRedisSessionQueue({ redis: await instance(t), leaseMs: 2000, log: quiet, prefix })
  const b = await createRedisSessionQueue({ redis: await instance(t), leaseMs: 2000, log: quiet, prefix })
  const log: string[] = []
  let running = 0
  const task = (queue: typeof a, name: string, ms: number) => queue.run('s1', async () => {
    running++
    t.equal(running, 1, `${name} runs alone`)
    log.push(`start ${name}`)
    await sleep(ms)
    log.push(`end ${name}`)
    running--
    return name
  })
  // Each acquire has its ticket before the next one is asked for: that is the arrival order.
  const probe = server.connect()
  const queued = (n: number) => until(async () => await probe.zcard(`${prefix}{s1}:q`) === n)
  const first = task(a, 'a1', 60)
  await queued(1)
  const second = task(b, 'b1', 5)
  await queued(2)
  const third = task(a, 'a2', 5)
  await queued(3)
  const fourth = task(b, 'b2', 5)
  t.same(await Promise.all([first, second, third, fourth]), ['a1', 'b1', 'a2', 'b2'])
  t.same(log, ['start a1', 'end a1', 'start b1', 'end b1', 'start a2', 'end a2', 'start b2', 'end b2'])
  t.equal(a.size, 0, 'idle keys are forgotten')
  t.equal(b.size, 0)
})

t.test('different keys do not wait for each other; a failing task releases its key', async (t) => {
  const prefix = server.prefix()
  const a = await createRedisSessionQueue({ redis: await instance(t), leaseMs: 2000, log: quiet, prefix })
  const b = await createRedisSessionQueue({ redis: await instance(t), leaseMs: 2000, log: quiet, prefix })
  const releaseX = await a.acquire('x')
  t.equal(await b.run('y', async () => 'y ran'), 'y ran', 'y ran while x was held')
  t.equal(a.size, 1)
  releaseX()
  releaseX()
  await t.rejects(a.run('x', async () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(await b.run('x', async () => 'next'), 'next')
})

t.test('a dead holder\'s lease expires and the next ticket takes the key', async (t) => {
  const prefix = server.prefix()
  const leaseMs = 1500
  const doomedConns = await connectRedis(server.url, quiet)
  const doomed = await createRedisSessionQueue({ redis: doomedConns, leaseMs, log: quiet, prefix })
  const survivor = await createRedisSessionQueue({ redis: await instance(t), leaseMs, log: quiet, prefix })
  const releaseDoomed = await doomed.acquire('s')
  let acquired = false
  const next = survivor.acquire('s').then((release) => { acquired = true; return release })
  await sleep(leaseMs / 2)
  t.notOk(acquired, 'a live holder keeps the key past its renewals')
  await sleep(leaseMs)
  t.notOk(acquired, 'the holder renews its lease while it runs')
  // The holder's process dies: no release, no more renewals.
  doomedConns.client.disconnect()
  doomedConns.subscriber.disconnect()
  const release = await next
  t.ok(acquired, 'the waiter took the key once the dead holder\'s lease expired')
  release()
  releaseDoomed()
})

t.test('a waiter that died is skipped when its turn comes', async (t) => {
  const prefix = server.prefix()
  const leaseMs = 300
  const a = await createRedisSessionQueue({ redis: await instance(t), leaseMs, log: quiet, prefix })
  const doomedConns = await connectRedis(server.url, quiet)
  const doomed = await createRedisSessionQueue({ redis: doomedConns, leaseMs, log: quiet, prefix })
  const c = await createRedisSessionQueue({ redis: await instance(t), leaseMs, log: quiet, prefix })
  const releaseA = await a.acquire('s')
  const probe = server.connect()
  const queued = (n: number) => until(async () => await probe.zcard(`${prefix}{s}:q`) === n)
  const doomedWait = doomed.acquire('s')
  doomedWait.catch(() => {})
  await queued(2)
  const order: string[] = []
  const third = c.run('s', async () => { order.push('c') })
  await queued(3)
  doomedConns.client.disconnect()
  doomedConns.subscriber.disconnect()
  releaseA()
  await third
  t.same(order, ['c'], 'c ran after a although the ticket between them was never served')
})

t.test('background locks: one holder across instances, renewed while held, expiring with a dead holder', async (t) => {
  const prefix = server.prefix()
  const leaseMs = 1000
  const clientA: Redis = server.connect()
  const a = createRedisLocks({ client: clientA, leaseMs, log: quiet, prefix })
  const b = createRedisLocks({ client: server.connect(), leaseMs, log: quiet, prefix })
  const releaseA = await a.tryLock('summary:s1')
  t.ok(releaseA, 'a takes the lock')
  t.equal(await b.tryLock('summary:s1'), null, 'b is refused while a holds it')
  const other = await b.tryLock('summary:s2')
  t.ok(other, 'another name is free')
  other?.()
  await sleep(leaseMs * 2)
  t.equal(await b.tryLock('summary:s1'), null, 'a renewed its lock past the lease')
  releaseA?.()
  const lockProbe = server.connect()
  await until(async () => await lockProbe.exists(`${prefix}summary:s1`) === 0)
  const releaseB = await b.tryLock('summary:s1')
  t.ok(releaseB, 'released: b takes it')

  // b's holder dies (no renewals): its lock expires and another instance takes it.
  clientA.disconnect()
  const bClient = server.connect()
  const dying = createRedisLocks({ client: bClient, leaseMs, log: quiet, prefix })
  const dyingRelease = await dying.tryLock('extract:s8')
  t.ok(dyingRelease)
  bClient.disconnect()
  await sleep(leaseMs + 100)
  const c = createRedisLocks({ client: server.connect(), leaseMs, log: quiet, prefix })
  const releaseC8 = await c.tryLock('extract:s8')
  t.ok(releaseC8, 'the dead holder\'s lock expired')
  releaseC8?.()

  // A holder that stalled past its lease cannot release the lock its successor took.
  const warnings: string[] = []
  const late = createRedisLocks({ client: server.connect(), leaseMs, log: { info: () => {}, warn: (_o, msg) => warnings.push(msg) }, prefix })
  const lateRelease = await late.tryLock('extract:s9')
  t.ok(lateRelease)
  const probe = server.connect()
  await probe.pexpire(`${prefix}extract:s9`, 1)
  await sleep(10)
  const releaseC = await c.tryLock('extract:s9')
  t.ok(releaseC, 'the successor takes the expired lock')
  const held = await probe.get(`${prefix}extract:s9`)
  lateRelease?.()
  await sleep(leaseMs)
  t.equal(await probe.get(`${prefix}extract:s9`), held, 'the late holder neither released nor renewed the successor\'s lock')
  t.equal(await late.tryLock('extract:s9'), null)
  releaseB?.()
  releaseC?.()
  dyingRelease?.()
})
