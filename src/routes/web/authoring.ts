// AI-assisted authoring (JWT, rate category Generation): generate-identity, generate-scenario, polish.
import type { Static } from '@sinclair/typebox'
import { createAuthoring, machineSchema, type PersonaContext, type PolishField } from '../../engine/authoring.ts'
import { checkReferences, validateGraph } from '../../engine/validator.ts'
import { Errors } from '../../errors.ts'
import { resolveSingleStepConfig } from '../../llm/keys.ts'
import type { Config } from '../../config.ts'
import { errors, ref } from '../../schemas/common.ts'
import { SingleCallHeaders } from '../../schemas/headers.ts'
import { GeneratedIdentityResponse, GeneratedScenario, GenerateIdentityBody, GenerateScenarioBody, PolishBody, PolishResponse } from '../../schemas/authoring.ts'
import { MachineInput, OutputVariableInput, StateInput, TransitionInput } from '../../schemas/personas.ts'
import type { App } from '../types.ts'
import { toGraph } from './creator.ts'

type MachineInputT = Static<typeof MachineInput>

// The machine schema with its named parts inlined, so the model's answer can be checked on its own.
const GenerationSchema = machineSchema<MachineInputT>(MachineInput, { StateInput, TransitionInput, OutputVariableInput })

const LLM_ERRORS = errors(400, 401, 403, 404, 429, 500)

/** POST /creator/generate-identity, /creator/generate-scenario and /creator/polish. */
export default async function authoringRoutes (app: App, opts: { llm: Config['llm'] }) {
  const authoring = createAuthoring(app.llm)
  const step = (headers: Record<string, string | string[] | undefined>) =>
    resolveSingleStepConfig(headers, { defaultModel: opts.llm.defaultModel, serverKey: opts.llm.serverKey, allowServerKey: true, mock: opts.llm.mock })

  app.post('/creator/generate-identity', {
    config: { auth: 'user', limit: 'generation' },
    schema: {
      operationId: 'generateIdentity',
      tags: ['creator'],
      summary: 'Generate a persona identity from a concept',
      description: 'LLM key from X-LLM-API-Key (model from X-LLM-Model), else the server default key, else 400.',
      headers: SingleCallHeaders,
      body: ref(GenerateIdentityBody),
      response: { 200: ref(GeneratedIdentityResponse), ...LLM_ERRORS }
    }
  }, async (req) => authoring.generateIdentity(step(req.headers), req.body.concept))

  app.post('/creator/generate-scenario', {
    config: { auth: 'user', limit: 'generation' },
    schema: {
      operationId: 'generateScenario',
      tags: ['creator'],
      summary: 'Generate one machine (scenario) for a persona',
      description: 'The answer is checked with the same schema and validator as creator/save and publish; an invalid answer gets one repair round, then 500. Nothing is saved.',
      headers: SingleCallHeaders,
      body: ref(GenerateScenarioBody),
      response: { 200: ref(GeneratedScenario), ...LLM_ERRORS }
    }
  }, async (req) => {
    const { persona_id: personaId, persona, idea } = req.body
    if ((personaId == null) === (persona == null)) throw new Errors.BadRequest('Give exactly one of persona_id or persona')
    let context: PersonaContext
    let hasEntry = false
    if (personaId != null) {
      const loaded = await app.repos.personas.loadGraph(personaId)
      if (!loaded) throw new Errors.NotFound('Persona not found')
      if (loaded.persona.owner_id !== req.user.id) throw new Errors.Forbidden('You can only generate scenarios for your own personas')
      context = loaded.persona
      hasEntry = loaded.graph.machines.some((m) => m.is_entry)
    } else {
      context = { name: persona!.name, description: persona!.description ?? '', persona_identity_prompt: persona!.persona_identity_prompt ?? '' }
    }
    const stepConfig = step(req.headers)

    // A generated machine must save (referential checks) and publish on its own (validator errors).
    const standalone = (machine: MachineInputT) => toGraph({ persona: { name: context.name }, machines: [{ ...machine, is_entry: true }] }).graph
    const machine = await authoring.generateScenario<MachineInputT>(stepConfig, context, idea ?? null, GenerationSchema, (m) => {
      const graph = standalone(m)
      const refs = checkReferences(graph)
      return refs.length > 0 ? refs : validateGraph(graph).errors
    })
    const normalized = toGraph({ persona: { name: context.name }, machines: [{ ...machine, is_entry: hasEntry ? machine.is_entry ?? false : true }] }).graph.machines[0]
    return { machine: normalized, warnings: validateGraph(standalone(machine)).warnings }
  })

  app.post('/creator/polish', {
    config: { auth: 'user', limit: 'generation' },
    schema: {
      operationId: 'polishText',
      tags: ['creator'],
      summary: 'Rewrite a text in place, same meaning, tuned to its field',
      description: 'LLM key from X-LLM-API-Key (model from X-LLM-Model), else the server default key, else 400.',
      headers: SingleCallHeaders,
      body: ref(PolishBody),
      response: { 200: ref(PolishResponse), ...errors(400, 401, 403, 429, 500) }
    }
  }, async (req) => {
    const field: PolishField = req.body.field ?? 'general'
    return { text: await authoring.polish(step(req.headers), req.body.text, field, req.body.instruction ?? null) }
  })
}
