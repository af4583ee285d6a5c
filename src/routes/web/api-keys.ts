// SDK API key management (JWT): create, list, revoke.
import { Type } from '@sinclair/typebox'
import { Errors } from '../../errors.ts'
import { errors, IdParams, NoContent, ref } from '../../schemas/common.ts'
import { ApiKey, CreateApiKeyBody, CreatedApiKey } from '../../schemas/api-keys.ts'
import type { App } from '../types.ts'

/** POST/GET /sdk/api-keys and DELETE /sdk/api-keys/{key_id}. */
export default async function apiKeyRoutes (app: App) {
  app.post('/sdk/api-keys', {
    config: { auth: 'user' },
    schema: {
      operationId: 'createApiKey',
      tags: ['api-keys'],
      summary: 'Create an API key',
      description: 'Returns the full key exactly once; only its hash is stored.',
      body: ref(CreateApiKeyBody),
      response: { 201: ref(CreatedApiKey), ...errors(400, 401, 403, 429) }
    }
  }, async (req, reply) => {
    return reply.code(201).send(await app.repos.apiKeys.create(req.user.id, req.body.name))
  })

  app.get('/sdk/api-keys', {
    config: { auth: 'user' },
    schema: {
      operationId: 'listApiKeys',
      tags: ['api-keys'],
      summary: 'List your API keys',
      description: 'Your keys with key_prefix and last_four only; the full key is never shown again.',
      response: { 200: Type.Array(ref(ApiKey)), ...errors(401, 403, 429) }
    }
  }, async (req) => app.repos.apiKeys.list(req.user.id))

  app.delete('/sdk/api-keys/:key_id', {
    config: { auth: 'user' },
    schema: {
      operationId: 'revokeApiKey',
      tags: ['api-keys'],
      summary: 'Revoke an API key',
      description: 'Takes effect immediately.',
      params: IdParams('key_id', 'API key id'),
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req, reply) => {
    if (!await app.repos.apiKeys.revoke(req.user.id, req.params.key_id)) throw new Errors.NotFound('API key not found')
    return reply.code(204).send(null)
  })
}
