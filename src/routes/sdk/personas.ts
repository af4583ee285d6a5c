// SDK persona list (SPEC §4 row 1): the published personas of the API key's owner.
import { Type } from '@sinclair/typebox'
import { errors, ref } from '../../schemas/common.ts'
import { SdkPersona } from '../../schemas/personas.ts'
import type { App } from '../types.ts'

/** GET /sdk/personas. */
export default async function sdkPersonaRoutes (app: App) {
  app.get('/sdk/personas', {
    config: { auth: 'api-key' },
    schema: {
      operationId: 'sdkListPersonas',
      tags: ['sdk'],
      summary: 'List your published personas',
      description: 'The published personas of the API key\'s owner, oldest first. Rate category SDK General (per key).',
      response: { 200: Type.Array(ref(SdkPersona)), ...errors(401, 429) }
    }
  }, async (req) => app.repos.personas.listPublishedByOwner((req.apiKey as { userId: string }).userId))
}
