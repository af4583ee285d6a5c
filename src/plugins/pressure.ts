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

/** The readings `app.memoryUsage()` gives. */
export interface PressureUsage { eventLoopDelay: number, heapUsed: number, rssBytes: number }

/**
 * Which threshold the readings exceed, or null. An event-loop delay that is not finite is no measurement:
 * under-pressure reports Infinity when a sample interval held no sample (a process busy loading its modules
 * at start), and the next interval measures the real delay — so it neither sheds nor fails readiness.
 */
export function pressureReason (usage: PressureUsage, opts: Config['pressure']): string | null {
  if (opts.maxEventLoopDelayMs > 0 && Number.isFinite(usage.eventLoopDelay) && usage.eventLoopDelay > opts.maxEventLoopDelayMs) {
    return `event-loop delay ${Math.round(usage.eventLoopDelay)} ms is over ${opts.maxEventLoopDelayMs} ms`
  }
  if (opts.maxHeapUsedBytes > 0 && usage.heapUsed > opts.maxHeapUsedBytes) {
    return `heap in use ${Math.round(usage.heapUsed / MB)} MB is over ${Math.round(opts.maxHeapUsedBytes / MB)} MB`
  }
  if (opts.maxRssBytes > 0 && usage.rssBytes > opts.maxRssBytes) {
    return `resident memory ${Math.round(usage.rssBytes / MB)} MB is over ${Math.round(opts.maxRssBytes / MB)} MB`
  }
  return null
}

/**
 * Sheds requests with 503 + Retry-After while the mean event-loop delay, the heap in use or the RSS is over
 * its threshold (each 0 = off). Health, readiness, docs and admin routes are never shed; readiness reports it.
 */
export default fp(async function pressurePlugin (app, opts: Config['pressure']) {
  const reason = () => pressureReason(app.memoryUsage(), opts)
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs,
    maxHeapUsedBytes: opts.maxHeapUsedBytes,
    maxRssBytes: opts.maxRssBytes,
    retryAfter: opts.retryAfterS,
    // Returning without sending lets the request through; once a reply is sent, Fastify stops the request there.
    pressureHandler: (req, reply) => {
      if (!alwaysAvailable(req) && reason() !== null) unavailable(reply, opts.retryAfterS, `Server temporarily overloaded; retry after ${opts.retryAfterS} seconds`)
    }
  })

  app.decorate('pressure', reason)
}, { name: 'pressure' })
