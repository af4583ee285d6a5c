// A graph machine with every authored text empty, for engine tests that only care about states and transitions.
import type { GraphMachine } from '../../src/engine/graph.ts'

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
