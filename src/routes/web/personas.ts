// Personas: listing, reading (persona, full graph, validation), publishing and deleting.
import { Type } from '@sinclair/typebox'
import { Errors } from '../../errors.ts'
import { validateGraph } from '../../engine/validator.ts'
import type { AuthUser } from '../../plugins/auth.ts'
import type { LoadedGraph, PersonaView } from '../../repositories/personas-repository.ts'
import { errors, IdParams, NoContent, ref } from '../../schemas/common.ts'
import { ListPersonasQuery, Persona, PersonaFull, ValidationResult } from '../../schemas/personas.ts'
import type { App } from '../types.ts'
import { fullBody, listIssues } from './creator.ts'

const PersonaParams = IdParams('persona_id', 'Persona id')

/** The signed-in caller of a jwt-optional route, or null. */
function viewerOf (req: { user: AuthUser | null }): AuthUser | null {
  return req.user ?? null
}

/**
 * Persona routes. Read access: published personas to anyone, unpublished ones to their owner (and
 * admins, for moderation); others 403, unknown ids 404. Changes: the owner only.
 */
export default async function personaRoutes (app: App) {
  /** 404 when missing, 403 when unpublished and the viewer is neither the owner nor an admin. */
  async function readable (personaId: string, viewer: AuthUser | null): Promise<PersonaView> {
    const persona = await app.repos.personas.findById(personaId)
    if (!persona) throw new Errors.NotFound('Persona not found')
    if (!persona.is_published && viewer?.id !== persona.owner_id && viewer?.role !== 'admin') {
      throw new Errors.Forbidden('This persona is not published')
    }
    return persona
  }

  /** 404 when missing, 403 when the caller is not the owner. */
  async function owned (personaId: string, user: AuthUser, action: string): Promise<PersonaView> {
    const persona = await app.repos.personas.findById(personaId)
    if (!persona) throw new Errors.NotFound('Persona not found')
    if (persona.owner_id !== user.id) throw new Errors.Forbidden(`Only the persona's owner can ${action} it`)
    return persona
  }

  async function setPublished (personaId: string, published: boolean, check?: (loaded: LoadedGraph) => void): Promise<PersonaView> {
    const persona = await app.repos.personas.setPublished(personaId, published, check)
    if (!persona) throw new Errors.NotFound('Persona not found')
    return persona
  }

  app.get('/personas', {
    config: { auth: 'jwt-optional' },
    schema: {
      operationId: 'listPersonas',
      tags: ['personas'],
      summary: 'List personas',
      description: 'Anonymous callers see published personas. With a token, public_only=false adds your own unpublished personas; ' +
        'my_personas=true (token required) lists only yours, published or not unless public_only=true. Newest first.',
      querystring: ListPersonasQuery,
      response: { 200: Type.Array(ref(Persona)), ...errors(400, 401, 429) }
    }
  }, async (req) => {
    const viewer = viewerOf(req)
    const { my_personas: mine, limit, offset } = req.query
    if (mine && viewer === null) throw new Errors.Unauthorized('my_personas=true needs an Authorization: Bearer <token> header')
    const publicOnly = req.query.public_only ?? !mine
    return await app.repos.personas.list({ viewerId: viewer?.id ?? null, publicOnly, mine, limit, offset })
  })

  app.get('/personas/:persona_id', {
    config: { auth: 'jwt-optional' },
    schema: {
      operationId: 'getPersona',
      tags: ['personas'],
      summary: 'Get a persona',
      description: 'Published personas are readable by anyone; unpublished ones only by their owner.',
      params: PersonaParams,
      response: { 200: ref(Persona), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => readable(req.params.persona_id, viewerOf(req)))

  app.get('/personas/:persona_id/full', {
    config: { auth: 'jwt-optional' },
    schema: {
      operationId: 'getPersonaFull',
      tags: ['personas'],
      summary: 'Get a persona with its whole graph',
      description: 'The persona, its variables, its machines (with states, transitions and output variables) and its machine links. ' +
        'The body can be sent back to POST /creator/save unchanged.',
      params: PersonaParams,
      response: { 200: ref(PersonaFull), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    await readable(req.params.persona_id, viewerOf(req))
    const loaded = await app.repos.personas.loadGraph(req.params.persona_id)
    if (!loaded) throw new Errors.NotFound('Persona not found')
    return fullBody(loaded)
  })

  app.get('/personas/:persona_id/validate', {
    config: { auth: 'jwt-optional' },
    schema: {
      operationId: 'validatePersona',
      tags: ['personas'],
      summary: 'Validate a persona\'s graph',
      description: 'errors block publishing: no or several initial states, no terminal state, unreachable states, dead ends, ' +
        'transitions out of terminal states, no entry machine, unreachable machines and unanchored link cycles, inverted thresholds. ' +
        'warnings do not. Same access as reading the persona.',
      params: PersonaParams,
      response: { 200: ref(ValidationResult), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    await readable(req.params.persona_id, viewerOf(req))
    const loaded = await app.repos.personas.loadGraph(req.params.persona_id)
    if (!loaded) throw new Errors.NotFound('Persona not found')
    return validateGraph(loaded.graph)
  })

  app.post('/personas/:persona_id/publish', {
    config: { auth: 'user' },
    schema: {
      operationId: 'publishPersona',
      tags: ['personas'],
      summary: 'Publish a persona',
      description: 'Refused with 400 listing every validation error while the graph is invalid (see GET /personas/{persona_id}/validate). Owner only.',
      params: PersonaParams,
      response: { 200: ref(Persona), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    await owned(req.params.persona_id, req.user, 'publish')
    // Validated inside the update on the graph as stored then, so a save landing meanwhile still counts.
    return setPublished(req.params.persona_id, true, (loaded) => {
      const { errors: found } = validateGraph(loaded.graph)
      if (found.length > 0) {
        throw new Errors.BadRequest(`Cannot publish: ${found.length} validation error${found.length === 1 ? '' : 's'}: ${listIssues(found)}`)
      }
    })
  })

  app.post('/personas/:persona_id/unpublish', {
    config: { auth: 'user' },
    schema: {
      operationId: 'unpublishPersona',
      tags: ['personas'],
      summary: 'Unpublish a persona',
      description: 'Hides the persona from listings and the SDK. Owner only.',
      params: PersonaParams,
      response: { 200: ref(Persona), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    await owned(req.params.persona_id, req.user, 'unpublish')
    return setPublished(req.params.persona_id, false)
  })

  app.delete('/personas/:persona_id', {
    config: { auth: 'user' },
    schema: {
      operationId: 'deletePersona',
      tags: ['personas'],
      summary: 'Delete a persona',
      description: 'Deletes the persona and everything under it: machines, states, transitions, links, variables, sessions, messages and player progress. Owner only.',
      params: PersonaParams,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req, reply) => {
    await owned(req.params.persona_id, req.user, 'delete')
    await app.repos.personas.delete(req.params.persona_id)
    return reply.code(204).send(null)
  })
}
