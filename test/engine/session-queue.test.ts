// Tests of per-session serialization (one holder per key, arrival order, independent keys, cleanup) and of the in-process background locks.
import t from 'tap'
import { createLocalLocks, createSessionQueue } from '../../src/engine/session-queue.ts'

const tick = () => new Promise((resolve) => setImmediate(resolve))

t.test('tasks of one key run one at a time, in the order they arrived', async (t) => {
  const queue = createSessionQueue()
  const log: string[] = []
  let running = 0
  const task = (name: string, ms: number) => queue.run('k', async () => {
    running++
    t.equal(running, 1, `${name} runs alone`)
    log.push(`start ${name}`)
    await new Promise((resolve) => setTimeout(resolve, ms))
    log.push(`end ${name}`)
    running--
    return name
  })
  const results = await Promise.all([task('a', 20), task('b', 1), task('c', 10)])
  t.same(results, ['a', 'b', 'c'])
  t.same(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
  t.equal(queue.size, 0, 'idle keys are forgotten')
})

t.test('a failing task releases the slot for the next one', async (t) => {
  const queue = createSessionQueue()
  const first = queue.run('k', async () => { throw new Error('boom') })
  const second = queue.run('k', async () => 'ran')
  await t.rejects(first, { message: 'boom' })
  t.equal(await second, 'ran')
  t.equal(queue.size, 0)
})

t.test('different keys do not wait for each other', async (t) => {
  const queue = createSessionQueue()
  const releaseA = await queue.acquire('a')
  let bRan = false
  await queue.run('b', async () => { bRan = true })
  t.ok(bRan, 'b ran while a was held')
  t.equal(queue.size, 1)
  releaseA()
  t.equal(queue.size, 0)
})

t.test('acquire hands the slot over only on release, and release is idempotent', async (t) => {
  const queue = createSessionQueue()
  const release1 = await queue.acquire('k')
  let got2 = false
  const p2 = queue.acquire('k').then((r) => { got2 = true; return r })
  let got3 = false
  const p3 = queue.acquire('k').then((r) => { got3 = true; return r })
  await tick()
  t.notOk(got2, 'the second waits while the first holds the slot')
  release1()
  release1()
  const release2 = await p2
  await tick()
  t.notOk(got3, 'a double release does not let the third in early')
  release2()
  const release3 = await p3
  t.ok(got3)
  t.equal(queue.size, 1)
  release3()
  t.equal(queue.size, 0)
})

t.test('a local lock is held by one taker at a time, per name, and a stale double release frees nobody else\'s lock', async (t) => {
  const locks = createLocalLocks()
  const first = await locks.tryLock('summary:s1')
  t.type(first, 'function')
  t.equal(await locks.tryLock('summary:s1'), null, 'held: a second taker gets null at once')
  t.type(await locks.tryLock('extraction:s1'), 'function', 'another name is independent')
  first!()
  const second = await locks.tryLock('summary:s1')
  t.type(second, 'function', 'free again once released')
  first!()
  t.equal(await locks.tryLock('summary:s1'), null, 'the first taker releasing again does not free the second\'s lock')
  second!()
  t.type(await locks.tryLock('summary:s1'), 'function')
})
