// Maintenance mode: a switch in the database (every instance reads it through a short cache) or a setting; 503 meanwhile.
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { MaintenanceBodyT, MaintenanceT } from '../schemas/maintenance.ts'
import { alwaysAvailable, unavailable } from './availability.ts'

declare module 'fastify' {
  interface FastifyInstance {
    maintenance: {
      /** The state as this instance sees it (at most `cacheMs` old). */
      state: () => Promise<MaintenanceT>
      /** Flips the admin switch for every instance on the database. */
      set: (body: MaintenanceBodyT) => Promise<MaintenanceT>
    }
  }
}

interface Stored { enabled: boolean, message: string | null, retry_after: number | null, updated_at: string }

const KEY = 'maintenance'

/**
 * While maintenance is on, every new request except health, readiness, docs and admin routes answers
 * 503 + Retry-After. Requests already past routing (a turn in flight, an open stream) finish.
 */
export default fp(async function maintenancePlugin (app, opts: Config['maintenance']) {
  const settings = app.repos.settings
  let cached: { value: Stored | null, at: number } | null = null

  async function stored (): Promise<Stored | null> {
    const now = Date.now()
    if (cached === null || now - cached.at >= opts.cacheMs) cached = { value: await settings.get<Stored>(KEY), at: now }
    return cached.value
  }

  async function state (): Promise<MaintenanceT> {
    const s = await stored()
    const admin = s?.enabled === true
    return {
      enabled: opts.forced || admin,
      source: opts.forced ? 'setting' : admin ? 'admin' : null,
      message: s?.message ?? null,
      retry_after: s?.retry_after ?? opts.retryAfterS,
      updated_at: s?.updated_at ?? null
    }
  }

  app.decorate('maintenance', {
    state,
    async set (body: MaintenanceBodyT) {
      const value: Stored = { enabled: body.enabled, message: body.message ?? null, retry_after: body.retry_after ?? null, updated_at: new Date().toISOString() }
      await settings.set(KEY, value)
      cached = { value, at: Date.now() }
      return await state()
    }
  })

  app.addHook('onRequest', async (req, reply) => {
    if (alwaysAvailable(req)) return
    const m = await state()
    if (!m.enabled) return
    return unavailable(reply, m.retry_after, `Service under maintenance${m.message ? `: ${m.message}` : ''}; retry after ${m.retry_after} seconds`)
  })
}, { name: 'maintenance', dependencies: ['repositories'] })
