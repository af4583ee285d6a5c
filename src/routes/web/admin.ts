// Admin routes: users, roles, disabling, statistics.
import { Type } from '@sinclair/typebox'
import { Errors } from '../../errors.ts'
import { errors, IdParams, ref } from '../../schemas/common.ts'
import { Pagination, Stats, User, UserPatch } from '../../schemas/users.ts'
import type { App } from '../types.ts'

/** GET /admin/users, PATCH /admin/users/{user_id}, GET /admin/stats. */
export default async function adminRoutes (app: App) {
  app.get('/admin/users', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminListUsers',
      tags: ['admin'],
      summary: 'List users',
      description: 'Every user, oldest first, with role and disabled flag.',
      querystring: Pagination,
      response: { 200: Type.Array(ref(User)), ...errors(400, 401, 403, 429) }
    }
  }, async (req) => app.repos.users.list(req.query.limit, req.query.offset))

  app.patch('/admin/users/:user_id', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminUpdateUser',
      tags: ['admin'],
      summary: 'Change a user\'s role or disable them',
      description: 'A disabled user\'s tokens and API keys stop working at once.',
      params: IdParams('user_id', 'User id'),
      body: ref(UserPatch),
      response: { 200: ref(User), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    if (req.params.user_id === req.user.id && (req.body.disabled === true || req.body.role === 'user')) {
      throw new Errors.BadRequest('Admins cannot disable or demote themselves')
    }
    const user = await app.repos.users.update(req.params.user_id, req.body)
    if (!user) throw new Errors.NotFound('User not found')
    return user
  })

  app.get('/admin/stats', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminStats',
      tags: ['admin'],
      summary: 'Service statistics',
      description: 'Counts of users, personas, sessions and messages, and turns and LLM tokens in the last 24 hours.',
      response: { 200: ref(Stats), ...errors(401, 403, 429) }
    }
  }, async () => app.repos.stats.stats())
}
