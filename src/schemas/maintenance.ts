// Maintenance mode: the admin switch and its state.
import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './common.ts'

export const MaintenanceBody = Type.Object({
  enabled: Type.Boolean({ description: 'true to answer 503 on every route except health, docs and admin' }),
  message: Type.Optional(Nullable(Type.String({ maxLength: 500 }), 'Shown in the 503 error message (default: none)')),
  retry_after: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'Retry-After seconds of the 503 answers (default: MAINTENANCE_RETRY_AFTER_S)' }))
}, { $id: 'MaintenanceBody', description: 'Switch maintenance mode on or off for every instance on this database' })

export const Maintenance = Type.Object({
  enabled: Type.Boolean({ description: 'Whether requests are answered 503 now' }),
  source: Nullable(Type.Union([Type.Literal('setting'), Type.Literal('admin')]), 'What turned it on: the MAINTENANCE_MODE setting (wins over the switch) or the admin switch; null when off'),
  message: Nullable(Type.String(), 'Extra text of the 503 error message'),
  retry_after: Type.Integer({ description: 'Retry-After seconds of the 503 answers' }),
  updated_at: Nullable(Type.String({ format: 'date-time' }), 'When the admin switch last changed; null if never')
}, { $id: 'Maintenance', description: 'The maintenance state as every instance sees it' })

export type MaintenanceBodyT = Static<typeof MaintenanceBody>
export type MaintenanceT = Static<typeof Maintenance>

export const maintenanceSchemas = [MaintenanceBody, Maintenance]
