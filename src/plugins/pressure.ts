// Overload shedding: @fastify/under-pressure with Rapport's thresholds, answering 503 in the error envelope.
import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import type { Config } from '../config.ts'
import { alwaysAvailable, unavailable } from './availability.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Why the server is shedding load now (the exceeded threshold), or null. */
    pressure: () => string | null
  }
}

const MB = 1024 * 1024

/**
 * Sheds requests with 503 + Retry-After while the mean event-loop delay, the heap in use or the RSS is over
 * its threshold (each 0 = off). Health, readiness, docs and admin routes are never shed; readiness reports it.
 */
export default fp(async function pressurePlugin (app, opts: Config['pressure']) {
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs,
    maxHeapUsedBytes: opts.maxHeapUsedBytes,
    maxRssBytes: opts.maxRssBytes,
    retryAfter: opts.retryAfterS,
    // Returning without sending lets the request through; once a reply is sent, Fastify stops the request there.
    pressureHandler: (req, reply) => {
      if (!alwaysAvailable(req)) unavailable(reply, opts.retryAfterS, `Server temporarily overloaded; retry after ${opts.retryAfterS} seconds`)
    }
  })

  app.decorate('pressure', () => {
    const usage = app.memoryUsage()
    if (opts.maxEventLoopDelayMs > 0 && usage.eventLoopDelay > opts.maxEventLoopDelayMs) {
      return `event-loop delay ${Math.round(usage.eventLoopDelay)} ms is over ${opts.maxEventLoopDelayMs} ms`
    }
    if (opts.maxHeapUsedBytes > 0 && usage.heapUsed > opts.maxHeapUsedBytes) {
      return `heap in use ${Math.round(usage.heapUsed / MB)} MB is over ${Math.round(opts.maxHeapUsedBytes / MB)} MB`
    }
    if (opts.maxRssBytes > 0 && usage.rssBytes > opts.maxRssBytes) {
      return `resident memory ${Math.round(usage.rssBytes / MB)} MB is over ${Math.round(opts.maxRssBytes / MB)} MB`
    }
    return null
  })
}, { name: 'pressure' })
