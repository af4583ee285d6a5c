// SDK persona list (SPEC §4 row 1): the published personas of the API key's owner.
import { Type } from '@sinclair/typebox'
import { errors, ref } from '../../schemas/common.ts'
import { SdkPersona } from '../../schemas/personas.ts'
import type { App } from '../types.ts'

/** GET /sdk/personas. */
export default async function sdkPersonaRoutes (app: App) {
  const serialized = new WeakMap<object, string>()
  app.get('/sdk/personas', {
    config: { auth: 'api-key' },
    schema: {
      operationId: 'sdkListPersonas',
      tags: ['sdk'],
      summary: 'List your published personas',
      description: 'The published personas of the API key\'s owner, oldest first. Rate category SDK General (per key).',
      response: { 200: Type.Array(ref(SdkPersona)), ...errors(401, 429) }
    }
  }, async (req, reply) => {
    const list = await app.repos.personas.listPublishedByOwner(req.apiKey!.userId)
    // The repository hands out the same frozen list until the owner's personas change, so its JSON
    // is computed once per change rather than once per request.
    let body = serialized.get(list)
    if (body === undefined) {
      body = JSON.stringify(list.map((p) => ({ id: p.id, name: p.name, description: p.description, created_at: p.created_at, updated_at: p.updated_at })))
      serialized.set(list, body)
    }
    // a string payload with a JSON content type is sent as is (already serialized)
    return reply.type('application/json; charset=utf-8').send(body as never)
  })
}
