// Authoring: POST /creator/save creates or replaces a persona's whole graph.
import { Errors } from '../../errors.ts'
import { checkReferences, validateGraph, type Issue } from '../../engine/validator.ts'
import type { PersonaGraph } from '../../engine/graph.ts'
import { isUuid, type LoadedGraph, type PersonaFields, type PersonaView } from '../../repositories/personas-repository.ts'
import { errors, ref } from '../../schemas/common.ts'
import { IdempotencyHeaders } from '../../schemas/headers.ts'
import { LIMITS, SaveBody, SavedPersona, SaveQuery, type SaveBodyT } from '../../schemas/personas.ts'
import type { App } from '../types.ts'

const text = (value: string | null | undefined): string => value ?? ''

/**
 * The save body with every default applied (SPEC §2): empty texts, scoring mode, thresholds 3 / -3,
 * display_order = position, terminal_outcome and follow_up_condition null. Machine ids are not
 * taken from the body (machine_key is the identity); a transition_id is kept only when it is a UUID
 * not already used earlier in the body.
 */
export function toGraph (body: SaveBodyT): { fields: PersonaFields, graph: PersonaGraph } {
  const seen = new Set<string>()
  return {
    fields: {
      name: body.persona.name,
      description: text(body.persona.description),
      persona_identity_prompt: text(body.persona.persona_identity_prompt),
      perplexity_description: body.persona.perplexity_description ?? null
    },
    graph: {
      machines: body.machines.map((m, i) => ({
        machine_key: m.machine_key,
        name: m.name,
        description: text(m.description),
        creator_objective: text(m.creator_objective),
        creator_win_condition: text(m.creator_win_condition),
        creator_lose_condition: text(m.creator_lose_condition),
        chat_system_prompt: text(m.chat_system_prompt),
        system_evaluation_prompt: text(m.system_evaluation_prompt),
        system_summarization_prompt: text(m.system_summarization_prompt),
        scoring_mode: m.scoring_mode ?? 'scoring',
        pass_threshold: m.pass_threshold ?? 3,
        fail_threshold: m.fail_threshold ?? -3,
        is_entry: m.is_entry ?? false,
        display_order: m.display_order ?? i,
        states: m.states.map((s, j) => ({
          state_key: s.state_key,
          label: text(s.label),
          prompt_instruction: text(s.prompt_instruction),
          is_initial_state: s.is_initial_state ?? false,
          is_terminal_state: s.is_terminal_state ?? false,
          terminal_outcome: s.terminal_outcome ?? null,
          follow_up_condition: s.follow_up_condition ?? null,
          display_order: s.display_order ?? j
        })),
        transitions: (m.transitions ?? []).map((t) => {
          let id: string | undefined
          if (isUuid(t.transition_id) && !seen.has(t.transition_id.toLowerCase())) {
            id = t.transition_id.toLowerCase()
            seen.add(id)
          }
          return {
            transition_id: id,
            from_state_key: t.from_state_key,
            to_state_key: t.to_state_key,
            decision_type: t.decision_type,
            condition: text(t.condition),
            score_delta: t.score_delta ?? 0,
            priority: t.priority ?? 0
          }
        }),
        output_variables: (m.output_variables ?? []).map((o) => ({ key: o.key, extraction_prompt: text(o.extraction_prompt) }))
      })),
      machine_links: (body.machine_links ?? []).map((l) => ({
        from_machine_key: l.from_machine_key,
        to_machine_key: l.to_machine_key,
        condition_type: l.condition_type,
        condition_value: l.condition_value === undefined || l.condition_value === null ? null : String(l.condition_value),
        is_auto_advance: l.is_auto_advance ?? false
      })),
      variables: (body.variables ?? []).map((v) => ({ key: v.key, description: text(v.description), default_value: text(v.default_value) }))
    }
  }
}

/** One message listing every issue, each starting with its field path. */
export function listIssues (issues: Issue[]): string {
  return issues.map((i) => i.message).join('; ')
}

/** The full-graph response body of a loaded persona. */
export function fullBody ({ persona, graph }: LoadedGraph) {
  return { persona, variables: graph.variables, machines: graph.machines, machine_links: graph.machine_links }
}

/** POST /creator/save. */
export default async function creatorRoutes (app: App) {
  app.post('/creator/save', {
    config: { auth: 'user', idempotent: 'json' },
    schema: {
      operationId: 'savePersona',
      tags: ['creator'],
      summary: 'Create or replace a persona with its whole graph',
      description: 'Without persona_id creates a new (unpublished) persona: 201. With persona_id replaces that persona\'s fields and whole graph: 200. ' +
        'All or nothing, in one transaction. Machines keep their machine_id while their machine_key is unchanged; machines left out are deleted with their sessions. ' +
        'Referential errors (duplicate keys, transitions naming unknown states, links naming unknown machines, bad enums, terminal_outcome on a non-terminal state) answer 400 naming each field path. ' +
        'Other validator findings do not block saving and come back in warnings — except on a published persona, which must stay publishable: unpublish it first to save an incomplete graph. ' +
        `At most ${LIMITS.machines} machines, ${LIMITS.statesPerMachine} states and ${LIMITS.transitionsPerMachine} transitions per machine.`,
      querystring: SaveQuery,
      headers: IdempotencyHeaders,
      body: ref(SaveBody),
      response: { 200: ref(SavedPersona), 201: ref(SavedPersona), ...errors(400, 401, 403, 404, 413, 429) }
    }
  }, async (req, reply) => {
    const { fields, graph } = toGraph(req.body)
    const referential = checkReferences(graph)
    if (referential.length > 0) throw new Errors.BadRequest(`Invalid graph: ${listIssues(referential)}`)

    const personaId = req.query.persona_id ?? null
    if (personaId !== null) {
      const existing = await app.repos.personas.findById(personaId)
      if (!existing) throw new Errors.NotFound('Persona not found')
      if (existing.owner_id !== req.user.id) throw new Errors.Forbidden('Only the persona\'s owner can save it')
    }

    // Checked inside the save on the persona as stored then, so a publish landing meanwhile still counts.
    const stayPublishable = (current: PersonaView) => {
      if (!current.is_published) return
      const { errors: blocking } = validateGraph(graph)
      if (blocking.length > 0) {
        throw new Errors.BadRequest(`This persona is published, so its graph must stay valid: unpublish it first or fix: ${listIssues(blocking)}`)
      }
    }
    const { created, loaded } = await app.repos.personas.save(req.user.id, personaId, fields, graph, stayPublishable)
    // Validated on the stored graph, so the paths index into the response (machines are ordered by display_order).
    const found = validateGraph(loaded.graph)
    return reply.code(created ? 201 : 200).send({ ...fullBody(loaded), warnings: [...found.errors, ...found.warnings] })
  })
}
