// The cache bus without Redis: local invalidation by kind, broadcast through a transport, acknowledgements, malformed messages.
import t from 'tap'
import { createCacheBus, type CacheBus } from '../../src/cache-bus.ts'

// An in-memory broadcast channel: every connected bus receives every message, as Redis pub/sub delivers it.
function channel (buses: CacheBus[], options: { silent?: CacheBus } = {}) {
  const errors: unknown[] = []
  for (const bus of buses) {
    bus.connect({
      publish: async (message) => {
        const receivers = buses.filter((b) => b !== options.silent)
        setImmediate(() => { for (const b of receivers) b.receive(message) })
        return buses.length
      },
      onError: (err) => errors.push(err)
    })
  }
  return errors
}

t.test('invalidate drops records of its kind only; * drops everything', async (t) => {
  const bus = createCacheBus()
  const dropped: string[] = []
  bus.on('user', (id) => dropped.push(`user ${id}`))
  bus.on('persona', (id) => dropped.push(`persona ${id}`))
  bus.invalidate('user:u1')
  bus.invalidate('persona:p1')
  bus.invalidate('nothing')
  bus.invalidate('api-key:k1')
  t.same(dropped, ['user u1', 'persona p1'])
  bus.dropAll()
  t.same(dropped.slice(2), ['user *', 'persona *'])
  t.equal(bus.pending, 0, 'nothing to broadcast without a transport')
  await bus.flushed()
})

t.test('a broadcast invalidation is applied once by every other instance and the writer waits for their acknowledgements', async (t) => {
  const [a, b, c] = [createCacheBus(), createCacheBus(), createCacheBus()]
  const seen: string[] = []
  a.on('api-key', (id) => seen.push(`a ${id}`))
  b.on('api-key', (id) => seen.push(`b ${id}`))
  c.on('api-key', (id) => seen.push(`c ${id}`))
  const errors = channel([a, b, c])
  a.invalidate('api-key:k1')
  t.same(seen, ['a k1'], 'applied locally at once')
  t.equal(a.pending, 1)
  await a.flushed()
  t.same(seen.sort(), ['a k1', 'b k1', 'c k1'], 'the others applied it before the writer goes on')
  t.equal(a.pending, 0)
  t.same(errors, [])
})

t.test('an instance that never acknowledges delays the writer only up to the timeout; garbage is ignored', async (t) => {
  const [a, b] = [createCacheBus(), createCacheBus()]
  const seen: string[] = []
  b.on('user', (id) => seen.push(id))
  channel([a, b], { silent: b })
  a.invalidate('user:u1')
  await a.flushed()
  t.same(seen, [], 'b never heard it')
  t.equal(a.pending, 0, 'the writer gave up waiting')
  b.receive('not json')
  b.receive(JSON.stringify({ origin: 'x' }))
  b.receive(JSON.stringify({ ack: 'unknown', to: 'someone' }))
  t.same(seen, [])
})

t.test('a failed publish is reported and does not block the writer', async (t) => {
  const bus = createCacheBus()
  const errors: unknown[] = []
  bus.connect({ publish: async () => { throw new Error('redis down') }, onError: (err) => errors.push(err) })
  bus.invalidate('user:u1')
  await bus.flushed()
  t.match(errors, [{ message: 'redis down' }])
})
