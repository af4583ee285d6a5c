// AI-assisted authoring: the prompts and LLM steps behind generate-identity, generate-scenario and polish.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { ChatMessage, LlmClient, StepConfig } from '../llm/client.ts'
import { LlmError } from '../llm/errors.ts'
import type { Issue } from './validator.ts'

export const GeneratedIdentity = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.String({ minLength: 1, maxLength: 500 }),
  persona_identity_prompt: Type.String({ minLength: 1, maxLength: 8000 })
})
export type GeneratedIdentityT = Static<typeof GeneratedIdentity>

export interface PersonaContext { name: string, description: string, persona_identity_prompt: string }

export type PolishField = 'persona_identity_prompt' | 'prompt_instruction' | 'condition' | 'description' | 'chat_system_prompt' | 'general'

const IDENTITY_SYSTEM = `You design characters (NPCs) for games whose conversations are driven by a language model.
Given a short concept, invent the character and answer with JSON only:
- "name": the character's name as players will see it (a few words at most);
- "description": one or two sentences for a public listing, in the third person;
- "persona_identity_prompt": the character's identity written in the second person ("You are …"):
  who they are, their voice and manner of speaking, what they want, what they will and will not do,
  and a reminder to stay in character and answer briefly. 80 to 250 words.`

const SCENARIO_SYSTEM = `You design conversation scenarios ("machines") for a game character driven by a language model.
A machine is a state machine: the player talks, an evaluator picks one outgoing transition of the
current state by its natural-language condition, and the character replies following the new state's
instruction. Answer with ONE machine as JSON only, following these rules exactly:
- machine_key: lowercase snake_case; name, description, creator_objective, creator_win_condition,
  creator_lose_condition: short texts; chat_system_prompt: how the character behaves during this scenario.
- scoring_mode "scoring" (transitions carry integer score_delta; reaching a terminal state with
  score >= pass_threshold is a win, score <= fail_threshold loses) or "pass_fail" (terminal states
  carry terminal_outcome "ACCEPT" or "REJECT"). pass_threshold must be greater than fail_threshold.
- states: 3 to 8 states with unique snake_case state_key, a label and a prompt_instruction telling the
  character what to do in that state. Exactly one state has is_initial_state true; at least one has
  is_terminal_state true. Every state must be reachable from the initial state; every non-terminal
  state needs at least one outgoing transition; terminal states have no outgoing transitions.
- transitions: from_state_key and to_state_key name existing states; decision_type is "pass" (move
  forward), "redirect" (stay and steer the player back), "reject" (a setback) or "kick_out" (the
  conversation ends at once); condition is a sentence the evaluator can judge from the player's
  message; priority orders the transitions of a state (lower first).
- output_variables (optional): values to extract from the conversation when it completes, each with
  a snake_case key and an extraction_prompt.`

const POLISH_GUIDANCE: Record<PolishField, string> = {
  persona_identity_prompt: 'It is a character identity prompt in the second person ("You are …"): keep every fact, sharpen voice, manner and boundaries.',
  prompt_instruction: 'It is the instruction for one state of a conversation: say plainly what the character does and aims for in that state.',
  condition: 'It is a transition condition judged by an evaluator against the player\'s message: make it one unambiguous, checkable sentence.',
  description: 'It is a short public description shown to players: one or two vivid sentences in the third person.',
  chat_system_prompt: 'It is the scenario part of the character\'s system prompt: clear guidance on behaviour during the scenario.',
  general: 'Keep its purpose and register.'
}

const AnyObject = Type.Object({}, { additionalProperties: true, description: 'A machine, as described in the system prompt' })

/** The machine format a generation must match: its JSON Schema (shown to the model) and a checker. */
export interface MachineSchema<T> {
  jsonSchema: TSchema
  /** Problems with a candidate (path: message), or null when it matches. */
  check: (value: unknown) => string[] | null
  readonly _type?: T
}

/** Replaces $ref nodes by the named schemas so a schema can be checked and shown without a registry. */
export function inlineRefs (schema: TSchema, registry: Record<string, TSchema>): TSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk)
    if (node === null || typeof node !== 'object') return node
    const obj = node as Record<string, unknown>
    if (typeof obj.$ref === 'string' && registry[obj.$ref]) {
      const { $id: _id, ...target } = registry[obj.$ref] as Record<string, unknown>
      return walk(target)
    }
    // Reflect.ownKeys keeps TypeBox's symbol-keyed kind markers, which Value.Check relies on.
    const out: Record<string | symbol, unknown> = {}
    for (const k of Reflect.ownKeys(obj)) if (k !== '$id') out[k] = walk(obj[k as string])
    return out
  }
  return walk(schema) as TSchema
}

/**
 * Compiles a machine schema (named parts given by $id) into a MachineSchema, checked with Ajv the way
 * the save endpoint checks its body, so a generated machine is exactly what save accepts.
 */
export function machineSchema<T> (schema: TSchema, parts: Record<string, TSchema>): MachineSchema<T> {
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats.default(ajv)
  const jsonSchema = inlineRefs(schema, parts)
  const validate = ajv.compile(JSON.parse(JSON.stringify(jsonSchema)))
  return {
    jsonSchema,
    check (value) {
      if (validate(value)) return null
      return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'is invalid'}`)
    }
  }
}

const generationFailed = () => new LlmError(500, 'Scenario generation failed: the model did not produce a valid machine after one repair round. Try again or rephrase the idea')

/** The authoring steps, over an LLM client. */
export function createAuthoring (llm: LlmClient) {
  return {
    async generateIdentity (step: StepConfig, concept: string): Promise<GeneratedIdentityT> {
      const messages: ChatMessage[] = [{ role: 'user', content: `Concept: ${concept}` }]
      let result = await llm.generateJson(step, { system: IDENTITY_SYSTEM, messages, schema: GeneratedIdentity })
      if (result.value === null) {
        result = await llm.generateJson(step, { system: IDENTITY_SYSTEM, messages: [...messages, { role: 'assistant', content: result.text }, { role: 'user', content: repairMessage(result.errors) }], schema: GeneratedIdentity })
      }
      if (result.value === null) throw new LlmError(500, 'Identity generation failed: the model did not produce valid JSON. Try again')
      return result.value as GeneratedIdentityT
    },

    /**
     * Generates one machine. The answer must match `schema` and pass `validate` (the save endpoint's
     * referential checks and the publish validator); one repair round quotes what was wrong.
     */
    async generateScenario<T> (step: StepConfig, persona: PersonaContext, idea: string | null, machine: MachineSchema<T>, validate: (machine: T) => Issue[]): Promise<T> {
      const system = `${SCENARIO_SYSTEM}\n\nThe JSON Schema of a machine:\n${JSON.stringify(machine.jsonSchema)}`
      const messages: ChatMessage[] = [{ role: 'user', content: scenarioRequest(persona, idea) }]
      for (let round = 0; round < 2; round++) {
        const result = await llm.generateJson(step, { system, messages, schema: AnyObject })
        const problems = result.value === null
          ? result.errors
          : machine.check(result.value) ?? validate(result.value as T).map((i) => `${i.path}: ${i.message}`)
        if (problems.length === 0) return result.value as T
        messages.push({ role: 'assistant', content: result.text }, { role: 'user', content: repairMessage(problems) })
      }
      throw generationFailed()
    },

    async polish (step: StepConfig, text: string, field: PolishField, instruction: string | null): Promise<string> {
      const system = `You are an editor for game-character authoring. Rewrite the text you are given in place: same meaning, same language, same facts, better wording. ${POLISH_GUIDANCE[field]} Answer with the rewritten text only, without quotes or commentary.`
      const content = instruction ? `Instruction from the author: ${instruction}\n\nText:\n${text}` : `Text:\n${text}`
      const result = await llm.generateText(step, { system, messages: [{ role: 'user', content }], temperature: 0.4 })
      const polished = result.text.trim().replace(/^"([\s\S]*)"$/, '$1').trim()
      if (!polished) throw new LlmError(500, 'Polish failed: the model returned no text. Try again')
      return polished
    }
  }
}

function scenarioRequest (persona: PersonaContext, idea: string | null): string {
  return [
    `Character: ${persona.name}`,
    persona.description ? `Description: ${persona.description}` : '',
    persona.persona_identity_prompt ? `Identity: ${persona.persona_identity_prompt}` : '',
    idea ? `Scenario idea: ${idea}` : 'Invent a scenario that fits this character.'
  ].filter(Boolean).join('\n')
}

function repairMessage (problems: string[]): string {
  return `That answer cannot be used:\n${problems.slice(0, 20).map((p) => `- ${p}`).join('\n')}\nAnswer again with the corrected JSON only.`
}
