// The two Redis connections of an instance: one for commands, one subscribed to the broadcast channels.
import { Redis, type RedisOptions } from 'ioredis'

export interface RedisLog {
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
}

export interface RedisConnections {
  /** Commands: rate-limit counters, leases, publishing. */
  client: Redis
  /** Subscriber (a connection in subscriber mode takes no other command). */
  subscriber: Redis
  /** Calls `handler(message)` for every message published on `channel` (subscribes once per channel). */
  listen: (channel: string, handler: (message: string) => void) => Promise<void>
  /** Calls `handler` each time the subscriber connects again after a loss (messages may have been missed). */
  onResubscribed: (handler: () => void) => void
  close: () => Promise<void>
}

/** The URL without its password, for logs and errors. */
export function redactRedisUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return 'REDIS_URL'
  }
}

const OPTIONS: RedisOptions = {
  lazyConnect: true,
  connectTimeout: 5000,
  // A command while Redis is away fails fast instead of holding the request for long.
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt) => Math.min(50 * attempt, 2000)
}

/** Opens both connections; rejects with a clear message when Redis cannot be reached. */
export async function connectRedis (url: string, log: RedisLog): Promise<RedisConnections> {
  const where = redactRedisUrl(url)
  const client = new Redis(url, { ...OPTIONS, connectionName: 'rapport' })
  const subscriber = new Redis(url, { ...OPTIONS, connectionName: 'rapport-subscriber' })
  const channels = new Map<string, Array<(message: string) => void>>()
  const resubscribed: Array<() => void> = []
  let lastError = ''
  for (const [name, conn] of [['commands', client], ['subscriber', subscriber]] as const) {
    conn.on('error', (err: Error) => {
      // Reconnection repeats the same error: log it once per change.
      if (err.message === lastError) return
      lastError = err.message
      log.warn({ connection: name, redis: where, err: err.message }, 'redis connection error')
    })
  }
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of channels.get(channel) ?? []) handler(message)
  })
  let ready = false
  subscriber.on('ready', () => {
    if (ready) {
      log.info({ redis: where }, 'redis subscriber reconnected')
      for (const handler of resubscribed) handler()
    }
    ready = true
    lastError = ''
  })

  try {
    await Promise.all([client.connect(), subscriber.connect()])
  } catch (err) {
    client.disconnect()
    subscriber.disconnect()
    throw new Error(`Cannot reach Redis at ${where}: ${(err as Error).message}`)
  }

  return {
    client,
    subscriber,
    async listen (channel, handler) {
      const list = channels.get(channel)
      if (list !== undefined) {
        list.push(handler)
        return
      }
      channels.set(channel, [handler])
      await subscriber.subscribe(channel)
    },
    onResubscribed (handler) { resubscribed.push(handler) },
    async close () {
      await Promise.all([client, subscriber].map(async (conn) => {
        if (conn.status === 'ready') await conn.quit().catch(() => conn.disconnect())
        else conn.disconnect()
      }))
    }
  }
}
