// The mock provider's answers to the AI-assisted authoring prompts: an identity from a concept, a valid three-state machine from an idea, a tidied text.
import { contentWords } from './mock.ts'

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`)
const sentence = (text: string) => {
  const tidy = text.replace(/\s+/g, ' ').trim()
  if (tidy === '') return tidy
  return capitalize(tidy) + (/[.!?…]$/.test(tidy) ? '' : '.')
}

/** generate-identity: the name is the concept's first three content words, the identity prompt restates the concept in the second person. */
export function mockIdentity (concept: string): { name: string, description: string, persona_identity_prompt: string } {
  const words = [...contentWords(concept)].slice(0, 3)
  const name = words.length > 0 ? words.map(capitalize).join(' ') : 'Mock Character'
  const idea = concept.replace(/\s+/g, ' ').trim().replace(/[.!?]+$/, '')
  return {
    name: clip(name, 100),
    description: clip(sentence(`A character imagined from the concept: ${idea}`), 500),
    persona_identity_prompt: clip(`You are ${name}, ${idea}. Speak in your own voice, keep to what you know, stay in character and answer in one or two sentences.`, 8000)
  }
}

/**
 * generate-scenario: one machine that saves and publishes. The winning transition's condition carries
 * the idea's words, so a player who talks about the idea wins the scene with the mock evaluator too.
 */
export function mockScenario (idea: string | null) {
  const words = [...contentWords(idea ?? '')]
  const key = words.slice(0, 3).join('_') || 'first_meeting'
  const topic = idea?.replace(/\s+/g, ' ').trim().replace(/[.!?]+$/, '') || 'what the player came for'
  return {
    machine_key: clip(key, 100),
    name: clip(words.length > 0 ? words.slice(0, 3).map(capitalize).join(' ') : 'First Meeting', 100),
    description: clip(sentence(`A short scene about ${topic}`), 500),
    creator_objective: clip(sentence(`The player's aim: ${topic}`), 500),
    creator_win_condition: 'The player makes a convincing case.',
    creator_lose_condition: 'The player threatens or insults the character.',
    chat_system_prompt: 'Stay in character, listen to the player and answer briefly.',
    scoring_mode: 'scoring',
    pass_threshold: 3,
    fail_threshold: -3,
    states: [
      { state_key: 'opening', label: 'Opening', prompt_instruction: 'Greet the player and ask what they want.', is_initial_state: true, is_terminal_state: false },
      { state_key: 'agreed', label: 'Agreed', prompt_instruction: 'Agree to what the player asked and wish them well.', is_initial_state: false, is_terminal_state: true },
      { state_key: 'refused', label: 'Refused', prompt_instruction: 'Refuse firmly and end the conversation.', is_initial_state: false, is_terminal_state: true }
    ],
    transitions: [
      { from_state_key: 'opening', to_state_key: 'agreed', decision_type: 'pass', condition: clip(`The player makes a convincing case about ${topic}`, 500), score_delta: 3, priority: 1 },
      { from_state_key: 'opening', to_state_key: 'refused', decision_type: 'reject', condition: 'The player threatens or insults the character', score_delta: -3, priority: 2 },
      { from_state_key: 'opening', to_state_key: 'opening', decision_type: 'redirect', condition: 'The player changes the subject', score_delta: 0, priority: 3 }
    ],
    output_variables: []
  }
}

/** polish: the same words, tidied — whitespace collapsed, a capital first letter, a closing full stop. */
export function mockPolish (text: string): string {
  return sentence(text.replace(/^"([\s\S]*)"$/, '$1')) || 'Nothing to polish.'
}
