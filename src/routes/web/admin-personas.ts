// Admin persona moderation: list every persona, unpublish any.
import { Type } from '@sinclair/typebox'
import { Errors } from '../../errors.ts'
import { errors, IdParams, ref } from '../../schemas/common.ts'
import { Persona } from '../../schemas/personas.ts'
import { Pagination } from '../../schemas/users.ts'
import type { App } from '../types.ts'

/** GET /admin/personas and POST /admin/personas/{persona_id}/unpublish. */
export default async function adminPersonaRoutes (app: App) {
  app.get('/admin/personas', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminListPersonas',
      tags: ['admin'],
      summary: 'List every persona',
      description: 'Published or not, of every user, newest first.',
      querystring: Pagination,
      response: { 200: Type.Array(ref(Persona)), ...errors(400, 401, 403, 429) }
    }
  }, async (req) => app.repos.personas.listAll(req.query.limit, req.query.offset))

  app.post('/admin/personas/:persona_id/unpublish', {
    config: { auth: 'admin' },
    schema: {
      operationId: 'adminUnpublishPersona',
      tags: ['admin'],
      summary: 'Unpublish any persona',
      description: 'Moderation: takes any user\'s persona off the public list and the SDK; its owner can publish it again.',
      params: IdParams('persona_id', 'Persona id'),
      response: { 200: ref(Persona), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    const persona = await app.repos.personas.setPublished(req.params.persona_id, false)
    if (!persona) throw new Errors.NotFound('Persona not found')
    return persona
  })
}
