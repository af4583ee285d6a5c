// Plain types of a persona graph (machines, states, transitions, links, variables) in API snake_case shape.

/** How a machine decides its outcome: by accumulated score, or by the terminal state reached. */
export type ScoringMode = 'scoring' | 'pass_fail'

/** What a transition does when the evaluator picks it (SPEC §6 step 2). */
export type DecisionType = 'pass' | 'redirect' | 'reject' | 'kick_out'

/** How a machine ended for a player. */
export type Outcome = 'ACCEPT' | 'REJECT' | 'KICK_OUT'

/** When a machine link unlocks its target machine. */
export type LinkConditionType = 'outcome' | 'score_gte' | 'score_lte' | 'always'

/** Every scoring mode, in documentation order. */
export const SCORING_MODES: readonly ScoringMode[] = ['scoring', 'pass_fail']

/** Every decision type, in documentation order. */
export const DECISION_TYPES: readonly DecisionType[] = ['pass', 'redirect', 'reject', 'kick_out']

/** Every machine outcome. */
export const OUTCOMES: readonly Outcome[] = ['ACCEPT', 'REJECT', 'KICK_OUT']

/** Outcomes a terminal state may declare (used in pass_fail mode). */
export const TERMINAL_OUTCOMES: readonly ('ACCEPT' | 'REJECT')[] = ['ACCEPT', 'REJECT']

/** Every link condition type. */
export const LINK_CONDITION_TYPES: readonly LinkConditionType[] = ['outcome', 'score_gte', 'score_lte', 'always']

/** A state of a machine. `state_key` is unique within its machine. */
export interface GraphState {
  state_key: string
  label: string
  prompt_instruction: string
  is_initial_state: boolean
  is_terminal_state: boolean
  /** Used in pass_fail mode on terminal states; null means ACCEPT. */
  terminal_outcome: 'ACCEPT' | 'REJECT' | null
  /** When non-empty and matched, the NPC asks a clarifying question instead of deciding. */
  follow_up_condition: string | null
  display_order: number
}

/** A transition between two states of one machine, judged by the evaluator against `condition`. */
export interface GraphTransition {
  transition_id?: string
  from_state_key: string
  to_state_key: string
  decision_type: DecisionType
  condition: string
  /** Integer added to the session score when the transition is taken. */
  score_delta: number
  /** Lower is evaluated first. */
  priority: number
}

/** A value extracted from the conversation when a machine completes. */
export interface GraphOutputVariable {
  key: string
  extraction_prompt: string
}

/** A machine (scenario) of a persona with its states, transitions and output variables. */
export interface GraphMachine {
  machine_id?: string
  machine_key: string
  name: string
  description: string
  creator_objective: string
  creator_win_condition: string
  creator_lose_condition: string
  chat_system_prompt: string
  system_evaluation_prompt: string
  system_summarization_prompt: string
  scoring_mode: ScoringMode
  pass_threshold: number
  fail_threshold: number
  is_entry: boolean
  display_order: number
  states: GraphState[]
  transitions: GraphTransition[]
  output_variables: GraphOutputVariable[]
}

/** A link that unlocks `to_machine_key` when `from_machine_key` completes and the condition holds. */
export interface GraphLink {
  from_machine_key: string
  to_machine_key: string
  condition_type: LinkConditionType
  /** Outcome name for `outcome`, a number for `score_gte` / `score_lte`, ignored for `always`. */
  condition_value: string | null
  is_auto_advance: boolean
}

/** A persona-level variable. */
export interface GraphVariable {
  key: string
  description: string
  default_value: string
}

/** The whole authored graph of a persona. */
export interface PersonaGraph {
  machines: GraphMachine[]
  machine_links: GraphLink[]
  variables: GraphVariable[]
}
