// Background locks in Redis: one summary or extraction per session across every instance, expiring with a dead holder.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { BackgroundLocks } from '../engine/session-queue.ts'
import type { RedisLog } from './connections.ts'

// KEYS: lock. ARGV: token, lease ms. Renews the lock only while this token holds it.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

// KEYS: lock. ARGV: token. Deletes the lock only while this token holds it.
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

interface LockCommands {
  rapportRenewLock: (key: string, token: string, leaseMs: number) => Promise<number>
  rapportUnlock: (key: string, token: string) => Promise<number>
}

/**
 * Locks held by a random token with a lease (SET NX PX), renewed every third of the lease while
 * held; only the token's holder renews or deletes it, so a lock that expired and was taken by
 * another instance is never released by the late one. What the work commits is guarded in the
 * database as well (summarized_count, extraction_pending).
 */
export function createRedisLocks (options: { client: Redis, leaseMs: number, log: RedisLog, prefix?: string }): BackgroundLocks {
  const { leaseMs, log } = options
  const prefix = options.prefix ?? 'rapport:lock:'
  const client = options.client as Redis & LockCommands
  if (typeof client.rapportRenewLock !== 'function') {
    client.defineCommand('rapportRenewLock', { numberOfKeys: 1, lua: RENEW })
    client.defineCommand('rapportUnlock', { numberOfKeys: 1, lua: UNLOCK })
  }
  const renewEvery = Math.max(50, Math.floor(leaseMs / 3))

  return {
    async tryLock (name) {
      const key = `${prefix}${name}`
      const token = randomUUID()
      if (await client.set(key, token, 'PX', leaseMs, 'NX') !== 'OK') return null
      const renewal = setInterval(() => {
        client.rapportRenewLock(key, token, leaseMs).then((ok) => {
          if (ok === 0) log.warn({ lock: name }, 'background lock lost before its work ended')
        }, (err: Error) => log.warn({ lock: name, err: err.message }, 'background lock not renewed'))
      }, renewEvery)
      let released = false
      return () => {
        if (released) return
        released = true
        clearInterval(renewal)
        client.rapportUnlock(key, token).catch((err: Error) => log.warn({ lock: name, err: err.message }, 'background lock not released; it expires instead'))
      }
    }
  }
}
