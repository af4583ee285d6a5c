// Graph builders for engine tests: states, transitions, and machines with empty or minimal authored texts.
import type { DecisionType, GraphMachine, GraphState, GraphTransition } from '../../src/engine/graph.ts'

/** The machine "gate" (scoring, thresholds ±3, entry) with empty texts; states and transitions come from `parts`. */
export function blankMachine (parts: Pick<GraphMachine, 'states' | 'transitions'> & Partial<GraphMachine>): GraphMachine {
  return {
    machine_key: 'gate',
    name: 'The Gate',
    description: '',
    creator_objective: '',
    creator_win_condition: '',
    creator_lose_condition: '',
    chat_system_prompt: '',
    system_evaluation_prompt: '',
    system_summarization_prompt: '',
    scoring_mode: 'scoring',
    pass_threshold: 3,
    fail_threshold: -3,
    is_entry: true,
    display_order: 0,
    output_variables: [],
    ...parts
  }
}

/** A non-initial, non-terminal state labelled by its key, with an instruction naming it. */
export function graphState (key: string, overrides: Partial<GraphState> = {}): GraphState {
  return {
    state_key: key,
    label: key,
    prompt_instruction: `Act as in ${key}`,
    is_initial_state: false,
    is_terminal_state: false,
    terminal_outcome: null,
    follow_up_condition: null,
    display_order: 0,
    ...overrides
  }
}

/** A transition without id, priority 0, whose condition names its two states. */
export function graphTransition (from: string, to: string, decision: DecisionType = 'pass', delta = 0, overrides: Partial<GraphTransition> = {}): GraphTransition {
  return { from_state_key: from, to_state_key: to, decision_type: decision, condition: `the player moves from ${from} to ${to}`, score_delta: delta, priority: 0, ...overrides }
}

/** The validator tests' machine `key` (scoring, ±3, not an entry) with an objective and a chat prompt, so only what a test sets is missing. */
export function guardMachine (key: string, states: GraphState[], transitions: GraphTransition[], overrides: Partial<GraphMachine> = {}): GraphMachine {
  return blankMachine({ machine_key: key, name: key, creator_objective: 'Win the guard over', chat_system_prompt: 'You are a guard', is_entry: false, states, transitions, ...overrides })
}
