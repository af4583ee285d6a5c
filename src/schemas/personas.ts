// Schemas for personas and their authored graph: machines, states, transitions, links, variables.
import { Type, type Static, type TUnsafe } from '@sinclair/typebox'
import { Nullable, ref, Timestamp, Uuid } from './common.ts'
import { DECISION_TYPES, LINK_CONDITION_TYPES, SCORING_MODES, TERMINAL_OUTCOMES } from '../engine/graph.ts'
import type { DecisionType, LinkConditionType, ScoringMode } from '../engine/graph.ts'

/** A string enum as a JSON Schema `enum` (validation errors then list the allowed values). */
function StringEnum<T extends string> (values: readonly T[], description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], description })
}

/** Graph size limits, answered 400 when exceeded. */
export const LIMITS = {
  machines: 20,
  statesPerMachine: 100,
  transitionsPerMachine: 400,
  outputVariablesPerMachine: 30,
  links: 100,
  variables: 50
} as const

// String length limits.
const KEY = 100
const NAME = 200
const SHORT = 2000
const PROMPT = 20000

const Key = (description: string) => Type.String({ minLength: 1, maxLength: KEY, description })
/** An optional text input: absent or null is stored as ''. */
const OptText = (max: number, description: string) => Type.Optional(Nullable(Type.String({ maxLength: max }), `${description} (default empty)`))
const OptInt = (def: number, description: string) => Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: `${description} (default ${def})` }))
const OptBool = (description: string) => Type.Optional(Type.Boolean({ description: `${description} (default false)` }))

const ScoringModeEnum = StringEnum<ScoringMode>(SCORING_MODES, 'scoring: the score decides the outcome; pass_fail: the terminal state reached decides it')
const DecisionTypeEnum = StringEnum<DecisionType>(DECISION_TYPES, 'pass: move on; redirect: stay and count a redirect; reject: penalty and move (scoring) or end REJECT (pass_fail); kick_out: end KICK_OUT')
const TerminalOutcomeEnum = StringEnum<'ACCEPT' | 'REJECT'>(TERMINAL_OUTCOMES, 'Outcome of reaching this terminal state in pass_fail mode')
const LinkConditionEnum = StringEnum<LinkConditionType>(LINK_CONDITION_TYPES, 'outcome: the source machine ended with condition_value; score_gte / score_lte: its final score compared with condition_value; always: on any completion')

// ---------------------------------------------------------------------------------------------
// Responses

export const Persona = Type.Object({
  id: Uuid('Persona id'),
  owner_id: Uuid('Id of the user who owns the persona'),
  name: Type.String({ description: 'Name of the character' }),
  description: Type.String({ description: 'Short public description' }),
  persona_identity_prompt: Type.String({ description: 'Who the character is: the identity part of every reply prompt' }),
  perplexity_description: Nullable(Type.String(), 'Optional longer background description'),
  is_published: Type.Boolean({ description: 'Published personas are listed publicly and usable through the SDK' }),
  created_at: Timestamp('When the persona was created'),
  updated_at: Timestamp('When the persona\'s graph was last saved')
}, { $id: 'Persona', description: 'A persona (NPC character)' })

export const SdkPersona = Type.Object({
  id: Uuid('Persona id'),
  name: Type.String({ description: 'Name of the character' }),
  description: Type.String({ description: 'Short public description' }),
  created_at: Timestamp('When the persona was created'),
  updated_at: Timestamp('When the persona\'s graph was last saved')
}, { $id: 'SdkPersona', description: 'A published persona as the SDK lists it' })

export const PersonaVariable = Type.Object({
  key: Type.String({ description: 'Variable name (unique per persona)' }),
  description: Type.String({ description: 'What the variable holds' }),
  default_value: Type.String({ description: 'Value before anything sets it' })
}, { $id: 'PersonaVariable', description: 'A persona-level variable' })

export const OutputVariable = Type.Object({
  key: Type.String({ description: 'Variable name (unique per machine)' }),
  extraction_prompt: Type.String({ description: 'How to extract the value from the conversation when the machine completes' })
}, { $id: 'OutputVariable', description: 'A value extracted from the conversation when its machine completes' })

export const State = Type.Object({
  state_key: Type.String({ description: 'State key (unique per machine)' }),
  label: Type.String({ description: 'Human-readable name' }),
  prompt_instruction: Type.String({ description: 'What the NPC does in this state' }),
  is_initial_state: Type.Boolean({ description: 'Where sessions start (exactly one per machine to publish)' }),
  is_terminal_state: Type.Boolean({ description: 'Reaching it completes the machine' }),
  terminal_outcome: Nullable(TerminalOutcomeEnum, 'Outcome of this terminal state in pass_fail mode; null means ACCEPT'),
  follow_up_condition: Nullable(Type.String(), 'When it matches, the NPC asks a clarifying question instead of deciding'),
  display_order: Type.Integer({ description: 'Order in editors' })
}, { $id: 'State', description: 'A state of a machine' })

export const Transition = Type.Object({
  transition_id: Uuid('Transition id (kept across saves when sent back)'),
  from_state_key: Type.String({ description: 'State the transition leaves' }),
  to_state_key: Type.String({ description: 'State the transition enters (a redirect stays in from_state_key)' }),
  decision_type: DecisionTypeEnum,
  condition: Type.String({ description: 'Natural-language condition the evaluator judges the player\'s message by' }),
  score_delta: Type.Integer({ description: 'Added to the session score when taken' }),
  priority: Type.Integer({ description: 'Lower is evaluated first' })
}, { $id: 'Transition', description: 'A transition between two states of a machine' })

const machineFields = {
  machine_key: Type.String({ description: 'Machine key (unique per persona; the machine keeps its machine_id while it is unchanged)' }),
  name: Type.String({ description: 'Name of the scenario' }),
  description: Type.String({ description: 'Short description shown to players' }),
  creator_objective: Type.String({ description: 'What the player is trying to achieve (for the evaluator)' }),
  creator_win_condition: Type.String({ description: 'What counts as winning' }),
  creator_lose_condition: Type.String({ description: 'What counts as losing' }),
  chat_system_prompt: Type.String({ description: 'Scenario part of every reply prompt' }),
  system_evaluation_prompt: Type.String({ description: 'Extra instructions for the evaluator' }),
  system_summarization_prompt: Type.String({ description: 'Extra instructions for the summarizer' }),
  scoring_mode: ScoringModeEnum,
  pass_threshold: Type.Integer({ description: 'Scoring mode: score needed at a terminal state to ACCEPT' }),
  fail_threshold: Type.Integer({ description: 'Scoring mode: score at or below which the machine ends REJECT' }),
  is_entry: Type.Boolean({ description: 'Available without being unlocked by a link' }),
  display_order: Type.Integer({ description: 'Order in lists; the primary machine is the first entry machine by display_order' })
}

export const Machine = Type.Object({
  machine_id: Uuid('Machine id (stable across saves while machine_key is unchanged)'),
  ...machineFields,
  states: Type.Array(ref(State), { description: 'States, in authored order' }),
  transitions: Type.Array(ref(Transition), { description: 'Transitions, in authored order' }),
  output_variables: Type.Array(ref(OutputVariable), { description: 'Values extracted on completion' })
}, { $id: 'Machine', description: 'A machine (scenario) of a persona' })

export const MachineLink = Type.Object({
  from_machine_key: Type.String({ description: 'Machine whose completion is checked' }),
  to_machine_key: Type.String({ description: 'Machine unlocked when the condition holds' }),
  condition_type: LinkConditionEnum,
  condition_value: Nullable(Type.String(), 'Outcome name (ACCEPT, REJECT, KICK_OUT) for outcome links, a number for score links, null for always'),
  is_auto_advance: Type.Boolean({ description: 'The player moves straight into the unlocked machine' })
}, { $id: 'MachineLink', description: 'A link unlocking one machine when another completes' })

const graphFields = {
  persona: ref(Persona),
  variables: Type.Array(ref(PersonaVariable), { description: 'Persona-level variables' }),
  machines: Type.Array(ref(Machine), { description: 'Machines, ordered by display_order then machine_key' }),
  machine_links: Type.Array(ref(MachineLink), { description: 'Links between machines' })
}

export const PersonaFull = Type.Object(graphFields, { $id: 'PersonaFull', description: 'A persona with its whole graph' })

export const ValidationIssue = Type.Object({
  code: Type.String({ description: 'SCREAMING_SNAKE code, e.g. NO_INITIAL_STATE' }),
  path: Type.String({ description: 'Field path in the graph, e.g. machines[0].states[2]' }),
  message: Type.String({ description: 'Human-readable finding, starting with the path' })
}, { $id: 'ValidationIssue', description: 'One validator finding' })

export const ValidationResult = Type.Object({
  errors: Type.Array(ref(ValidationIssue), { description: 'Findings that block publishing' }),
  warnings: Type.Array(ref(ValidationIssue), { description: 'Findings worth a look that do not block publishing' })
}, { $id: 'ValidationResult', description: 'What the validator found in a persona\'s graph' })

export const SavedPersona = Type.Object({
  ...graphFields,
  warnings: Type.Array(ref(ValidationIssue), {
    description: 'Validator findings that did not block saving: first those that block publishing (see GET /personas/{persona_id}/validate), then plain warnings. Paths index into this response\'s graph.'
  })
}, { $id: 'SavedPersona', description: 'The saved persona and graph, with the validator\'s findings' })

// ---------------------------------------------------------------------------------------------
// Save body (unknown fields, such as ids and timestamps of a graph read back, are ignored)

export const PersonaInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: NAME, description: 'Name of the character' }),
  description: OptText(SHORT, 'Short public description'),
  persona_identity_prompt: OptText(PROMPT, 'Who the character is'),
  perplexity_description: Type.Optional(Nullable(Type.String({ maxLength: PROMPT }), 'Optional longer background description (default null)'))
}, { $id: 'PersonaInput', description: 'The persona\'s own fields (publication is changed by publish / unpublish, not by save)' })

export const PersonaVariableInput = Type.Object({
  key: Key('Variable name (unique per persona)'),
  description: OptText(SHORT, 'What the variable holds'),
  default_value: OptText(SHORT, 'Value before anything sets it')
}, { $id: 'PersonaVariableInput', description: 'A persona-level variable' })

export const OutputVariableInput = Type.Object({
  key: Key('Variable name (unique per machine)'),
  extraction_prompt: OptText(SHORT, 'How to extract the value when the machine completes')
}, { $id: 'OutputVariableInput', description: 'An output variable of a machine' })

export const StateInput = Type.Object({
  state_key: Key('State key (unique per machine)'),
  label: OptText(NAME, 'Human-readable name'),
  prompt_instruction: OptText(PROMPT, 'What the NPC does in this state'),
  is_initial_state: OptBool('Where sessions start'),
  is_terminal_state: OptBool('Reaching it completes the machine'),
  terminal_outcome: Type.Optional(Nullable(TerminalOutcomeEnum, 'Terminal states only: outcome in pass_fail mode (default null, which means ACCEPT)')),
  follow_up_condition: Type.Optional(Nullable(Type.String({ maxLength: SHORT }), 'When it matches, the NPC asks a clarifying question (default null)')),
  display_order: OptInt(0, 'Order in editors; default its position in the array')
}, { $id: 'StateInput', description: 'A state of a machine' })

export const TransitionInput = Type.Object({
  transition_id: Type.Optional(Nullable(Type.String({ maxLength: KEY }), 'Kept when it is a UUID not used by another transition; otherwise a new id is assigned')),
  from_state_key: Key('State the transition leaves'),
  to_state_key: Key('State the transition enters'),
  decision_type: DecisionTypeEnum,
  condition: OptText(SHORT, 'Natural-language condition judged by the evaluator'),
  score_delta: OptInt(0, 'Added to the score when taken'),
  priority: OptInt(0, 'Lower is evaluated first')
}, { $id: 'TransitionInput', description: 'A transition between two states of a machine' })

export const MachineInput = Type.Object({
  machine_key: Key('Machine key (unique per persona; keeps the machine_id across saves)'),
  name: Type.String({ minLength: 1, maxLength: NAME, description: 'Name of the scenario' }),
  description: OptText(SHORT, 'Short description shown to players'),
  creator_objective: OptText(SHORT, 'What the player is trying to achieve'),
  creator_win_condition: OptText(SHORT, 'What counts as winning'),
  creator_lose_condition: OptText(SHORT, 'What counts as losing'),
  chat_system_prompt: OptText(PROMPT, 'Scenario part of every reply prompt'),
  system_evaluation_prompt: OptText(PROMPT, 'Extra instructions for the evaluator'),
  system_summarization_prompt: OptText(PROMPT, 'Extra instructions for the summarizer'),
  scoring_mode: Type.Optional(StringEnum<ScoringMode>(SCORING_MODES, 'scoring or pass_fail (default scoring)')),
  pass_threshold: OptInt(3, 'Scoring mode: score needed at a terminal state to ACCEPT'),
  fail_threshold: OptInt(-3, 'Scoring mode: score at or below which the machine ends REJECT'),
  is_entry: OptBool('Available without being unlocked by a link'),
  display_order: OptInt(0, 'Order in lists; default its position in the array'),
  states: Type.Array(ref(StateInput), { maxItems: LIMITS.statesPerMachine, description: `States (at most ${LIMITS.statesPerMachine})` }),
  transitions: Type.Optional(Type.Array(ref(TransitionInput), { maxItems: LIMITS.transitionsPerMachine, description: `Transitions (at most ${LIMITS.transitionsPerMachine}; default none)` })),
  output_variables: Type.Optional(Type.Array(ref(OutputVariableInput), { maxItems: LIMITS.outputVariablesPerMachine, description: `Output variables (at most ${LIMITS.outputVariablesPerMachine}; default none)` }))
}, { $id: 'MachineInput', description: 'A machine with its states, transitions and output variables' })

export const MachineLinkInput = Type.Object({
  from_machine_key: Key('Machine whose completion is checked'),
  to_machine_key: Key('Machine unlocked when the condition holds'),
  condition_type: LinkConditionEnum,
  condition_value: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Number(), Type.Null()], {
    description: 'Outcome name for outcome links; a number (or numeric string) for score links; null for always (default null)'
  })),
  is_auto_advance: OptBool('Move the player straight into the unlocked machine')
}, { $id: 'MachineLinkInput', description: 'A link between two machines' })

export const SaveBody = Type.Object({
  persona: ref(PersonaInput),
  variables: Type.Optional(Type.Array(ref(PersonaVariableInput), { maxItems: LIMITS.variables, description: `Persona-level variables (at most ${LIMITS.variables}; default none)` })),
  machines: Type.Array(ref(MachineInput), { maxItems: LIMITS.machines, description: `Machines (at most ${LIMITS.machines})` }),
  machine_links: Type.Optional(Type.Array(ref(MachineLinkInput), { maxItems: LIMITS.links, description: `Links between machines (at most ${LIMITS.links}; default none)` }))
}, { $id: 'SaveBody', description: 'A whole persona graph to save; the same shape GET /personas/{persona_id}/full returns' })

export const SaveQuery = Type.Object({
  persona_id: Type.Optional(Uuid('Persona to replace; omit to create a new persona'))
})

export const ListPersonasQuery = Type.Object({
  public_only: Type.Optional(Type.Boolean({ description: 'Only published personas (default true, except with my_personas=true, where it defaults to false)' })),
  my_personas: Type.Boolean({ default: false, description: 'Only the caller\'s own personas (needs a token)' }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (≤ 100)' }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Items to skip' })
})

/** Every named schema of this file, for addSchemas. */
export const personaSchemas = [
  Persona, SdkPersona, PersonaVariable, OutputVariable, State, Transition, Machine, MachineLink, PersonaFull,
  ValidationIssue, ValidationResult, SavedPersona,
  PersonaInput, PersonaVariableInput, OutputVariableInput, StateInput, TransitionInput, MachineInput, MachineLinkInput, SaveBody
]

export type PersonaT = Static<typeof Persona>
export type SdkPersonaT = Static<typeof SdkPersona>
export type MachineT = Static<typeof Machine>
export type PersonaFullT = Static<typeof PersonaFull>
export type SaveBodyT = Static<typeof SaveBody>
