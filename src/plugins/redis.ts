// Redis plugin: app.cacheBus always; with REDIS_URL also app.redis, its two connections, closed on shutdown.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createCacheBus, type CacheBus } from '../cache-bus.ts'
import { connectRedis, type RedisConnections } from '../redis/connections.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The connections to Redis; null without REDIS_URL (everything then stays in this process). */
    redis: RedisConnections | null
    /** Where repositories drop cached records; broadcast to every instance when Redis is configured. */
    cacheBus: CacheBus
  }
}

/** app.redis, or null when the redis plugin is not registered (plugins tested alone) or has no URL. */
export function redisOf (app: FastifyInstance): RedisConnections | null {
  return app.hasDecorator('redis') ? app.redis : null
}

/** Channel carrying cache invalidations between instances. */
export const INVALIDATE_CHANNEL = 'rapport:invalidate'

/**
 * Decorates app.cacheBus and app.redis. With Redis, an invalidation is published, applied by every
 * other instance on receipt and acknowledged; the response of the write waits for the
 * acknowledgements (at most ACK_TIMEOUT_MS), so the next request to any instance sees the change. A subscriber that lost its connection may have
 * missed invalidations: on reconnecting, every cached record is dropped.
 */
export default fp(async function redisPlugin (app, opts: { url?: string }) {
  const bus = createCacheBus()
  app.decorate('cacheBus', bus)
  if (opts.url === undefined) {
    app.decorate('redis', null)
    return
  }
  const redis = await connectRedis(opts.url, app.log)
  app.decorate('redis', redis)
  app.addHook('onClose', async () => { await redis.close() })
  await redis.listen(INVALIDATE_CHANNEL, (message) => bus.receive(message))
  redis.onResubscribed(() => bus.dropAll())
  bus.connect({
    publish: (message) => redis.client.publish(INVALIDATE_CHANNEL, message),
    onError: (err) => app.log.error({ err }, 'cache invalidation not broadcast: other instances keep the old record until their next reconnect')
  })
  app.addHook('onSend', async () => {
    if (bus.pending > 0) await bus.flushed()
  })
}, { name: 'redis' })
