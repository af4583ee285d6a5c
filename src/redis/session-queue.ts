// The distributed SessionQueue: per-key tickets in Redis, the lowest live ticket holds the key, leases expire with their instance.
import type { Redis } from 'ioredis'
import type { SessionQueue } from '../engine/session-queue.ts'
import type { RedisConnections, RedisLog } from './connections.ts'

/** Channel on which a release names the key it freed, so waiters on every instance look again. */
export const QUEUE_CHANNEL = 'rapport:session-queue'

// KEYS: counter, queue. ARGV: lease ms, idle ms, heartbeat key prefix. Takes the next ticket.
const ENQUEUE = `
local t = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], t, t)
redis.call('SET', ARGV[3] .. t, '1', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return t`

// KEYS: queue. ARGV: ticket, heartbeat key prefix. 1 = this ticket holds the key, 0 = wait,
// -1 = this ticket was dropped (its lease expired). Tickets at the head whose lease expired are skipped.
const POLL = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == ARGV[1] then return 1 end
  if redis.call('EXISTS', ARGV[2] .. head) == 1 then return 0 end
  redis.call('ZREM', KEYS[1], head)
end`

// KEYS: counter, queue. ARGV: ticket, heartbeat key prefix, channel, key. Leaves the queue and wakes waiters.
const RELEASE = `
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', ARGV[2] .. ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`

interface QueueCommands {
  rapportEnqueue: (counter: string, queue: string, leaseMs: number, idleMs: number, hbPrefix: string) => Promise<number>
  rapportPoll: (queue: string, ticket: number, hbPrefix: string) => Promise<number>
  rapportRelease: (counter: string, queue: string, ticket: number, hbPrefix: string, channel: string, key: string) => Promise<number>
}

export interface RedisSessionQueueOptions {
  redis: Pick<RedisConnections, 'client' | 'listen'>
  /** How long a ticket outlives the last renewal by its instance (renewed every third of it). */
  leaseMs: number
  log: RedisLog
  /** Key prefix (tests isolate themselves with it). */
  prefix?: string
}

/**
 * A SessionQueue shared by every instance on one Redis. `acquire` takes a ticket (INCR: arrival
 * order across instances) and waits until it is the lowest ticket still queued; a ticket is kept
 * alive by a heartbeat key its instance renews, so the tickets of an instance that died are
 * skipped once their lease expires. A holder that loses its lease (its process stalled longer than
 * the lease) is fenced by the session's message_count guard at commit, not by this queue.
 */
export async function createRedisSessionQueue (options: RedisSessionQueueOptions): Promise<SessionQueue> {
  const { leaseMs, log } = options
  const prefix = options.prefix ?? 'rapport:sq:'
  const client = options.redis.client as Redis & QueueCommands
  if (typeof client.rapportEnqueue !== 'function') {
    client.defineCommand('rapportEnqueue', { numberOfKeys: 2, lua: ENQUEUE })
    client.defineCommand('rapportPoll', { numberOfKeys: 1, lua: POLL })
    client.defineCommand('rapportRelease', { numberOfKeys: 2, lua: RELEASE })
  }
  const renewEvery = Math.max(50, Math.floor(leaseMs / 3))
  // Waiters look again on every release message and at least this often (to skip dead holders).
  const pollEvery = Math.max(50, Math.min(1000, Math.floor(leaseMs / 4)))
  const idleMs = Math.max(leaseMs * 10, 3_600_000)
  // key → wake-ups of this instance's waiters; key → holders and waiters of this instance
  const waiters = new Map<string, Set<() => void>>()
  const local = new Map<string, number>()

  await options.redis.listen(QUEUE_CHANNEL, (key) => {
    for (const wake of waiters.get(key) ?? []) wake()
  })

  const names = (key: string) => {
    // The braces make every key of one session hash to the same Redis Cluster slot.
    const base = `${prefix}{${key}}`
    return { counter: `${base}:n`, queue: `${base}:q`, hb: `${base}:hb:` }
  }

  /** Waits until `held.ticket` heads the queue; a ticket dropped meanwhile is replaced by a new one. */
  async function waitTurn (key: string, n: ReturnType<typeof names>, held: { ticket: number }): Promise<void> {
    for (;;) {
      let wake!: () => void
      const woken = new Promise<void>((resolve) => { wake = resolve })
      const set = waiters.get(key) ?? new Set()
      set.add(wake)
      waiters.set(key, set)
      try {
        const state = await client.rapportPoll(n.queue, held.ticket, n.hb)
        if (state === 1) return
        if (state === -1) {
          log.warn({ key }, 'session queue ticket expired while waiting; queued again')
          held.ticket = await client.rapportEnqueue(n.counter, n.queue, leaseMs, idleMs, n.hb)
          continue
        }
        const timer = setTimeout(wake, pollEvery)
        await woken
        clearTimeout(timer)
      } finally {
        set.delete(wake)
        if (set.size === 0 && waiters.get(key) === set) waiters.delete(key)
      }
    }
  }

  async function acquire (key: string): Promise<() => void> {
    const n = names(key)
    local.set(key, (local.get(key) ?? 0) + 1)
    const forget = () => {
      const left = (local.get(key) ?? 1) - 1
      if (left === 0) local.delete(key)
      else local.set(key, left)
    }
    const held = { ticket: 0 }
    let stopped = false
    let renewal: NodeJS.Timeout | undefined
    const renew = () => {
      client.set(`${n.hb}${held.ticket}`, '1', 'PX', leaseMs, 'XX').then((ok) => {
        if (ok === null && !stopped) log.warn({ key }, 'session queue lease lost: another instance may now hold this session')
      }, (err: Error) => log.warn({ key, err: err.message }, 'session queue lease not renewed'))
    }
    try {
      held.ticket = await client.rapportEnqueue(n.counter, n.queue, leaseMs, idleMs, n.hb)
      renewal = setInterval(renew, renewEvery)
      await waitTurn(key, n, held)
    } catch (err) {
      clearInterval(renewal)
      forget()
      throw err
    }
    return () => {
      if (stopped) return
      stopped = true
      clearInterval(renewal)
      forget()
      client.rapportRelease(n.counter, n.queue, held.ticket, n.hb, QUEUE_CHANNEL, key).catch((err: Error) => {
        log.warn({ key, err: err.message }, 'session queue release failed; the lease expires instead')
      })
    }
  }

  return {
    acquire,
    async run (key, task) {
      const release = await acquire(key)
      try {
        return await task()
      } finally {
        release()
      }
    },
    get size () { return local.size }
  }
}
