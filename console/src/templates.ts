// Starting points for a new persona: the repository's examples and a blank two-state machine.
import vex from '../../examples/vex-bouncer.json'
import tam from '../../examples/tam-toll-keeper.json'
import type { SaveBody } from './types.ts'

export interface Template { id: string, label: string, body: SaveBody }

export function blankGraph (name: string, description = '', identity = ''): SaveBody {
  return {
    persona: { name, description, persona_identity_prompt: identity },
    variables: [],
    machines: [{
      machine_key: 'main',
      name: 'Main scenario',
      is_entry: true,
      states: [
        { state_key: 'start', label: 'Start', prompt_instruction: 'Greet the player.', is_initial_state: true },
        { state_key: 'done', label: 'Done', prompt_instruction: 'Say goodbye.', is_terminal_state: true }
      ],
      transitions: [{ from_state_key: 'start', to_state_key: 'done', decision_type: 'pass', condition: 'The player says goodbye', score_delta: 3, priority: 0 }]
    }],
    machine_links: []
  }
}

export const templates: Template[] = [
  { id: 'vex-bouncer', label: 'Vex, the bouncer (example: two linked machines)', body: vex as unknown as SaveBody },
  { id: 'tam-toll-keeper', label: 'Tam, the toll keeper (example: one machine)', body: tam as unknown as SaveBody },
  { id: 'blank', label: 'Blank persona', body: blankGraph('New persona') }
]
