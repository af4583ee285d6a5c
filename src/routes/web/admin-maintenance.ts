// Admin: GET and PUT /admin/maintenance, the maintenance switch every instance on the database obeys.
import { errors, ref } from '../../schemas/common.ts'
import { Maintenance, MaintenanceBody } from '../../schemas/maintenance.ts'
import type { App } from '../types.ts'

/** GET /admin/maintenance, PUT /admin/maintenance. */
export default async function adminMaintenanceRoutes (app: App) {
  app.get('/admin/maintenance', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminGetMaintenance',
      tags: ['admin'],
      summary: 'Get the maintenance state',
      description: 'Whether this instance answers 503 for maintenance now, what turned it on (the admin switch or the MAINTENANCE_MODE setting), ' +
        'and the message and Retry-After of those answers.',
      response: { 200: ref(Maintenance), ...errors(401, 403, 429) }
    }
  }, async () => app.maintenance.state())

  app.put('/admin/maintenance', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminSetMaintenance',
      tags: ['admin'],
      summary: 'Switch maintenance mode on or off',
      description: 'While on, every route except health, readiness, docs and admin answers 503 with Retry-After, on every instance ' +
        'sharing the database (each rereads the switch within MAINTENANCE_CACHE_MS). Requests already running finish. ' +
        'The MAINTENANCE_MODE setting keeps it on whatever this switch says.',
      body: ref(MaintenanceBody),
      response: { 200: ref(Maintenance), ...errors(400, 401, 403, 429) }
    }
  }, async (req) => app.maintenance.set(req.body))
}
