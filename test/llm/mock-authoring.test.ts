// Unit tests of the mock provider's authoring answers: identity from a concept, the whole scenario from an idea, polish.
import t from 'tap'
import { mockIdentity, mockPolish, mockScenario } from '../../src/llm/mock-authoring.ts'

t.test('mockIdentity names the character after the concept\'s first three content words and restates the concept', async (t) => {
  t.same(mockIdentity('  a grumpy   dwarf blacksmith who writes poetry!!  '), {
    name: 'Grumpy Dwarf Blacksmith',
    description: 'A character imagined from the concept: a grumpy dwarf blacksmith who writes poetry.',
    persona_identity_prompt: 'You are Grumpy Dwarf Blacksmith, a grumpy dwarf blacksmith who writes poetry. Speak in your own voice, keep to what you know, stay in character and answer in one or two sentences.'
  })
  t.same(mockIdentity('an elf?'), {
    name: 'Elf',
    description: 'A character imagined from the concept: an elf.',
    persona_identity_prompt: 'You are Elf, an elf. Speak in your own voice, keep to what you know, stay in character and answer in one or two sentences.'
  })
})

t.test('mockIdentity without a content word is the Mock Character', async (t) => {
  t.same(mockIdentity('it is'), {
    name: 'Mock Character',
    description: 'A character imagined from the concept: it is.',
    persona_identity_prompt: 'You are Mock Character, it is. Speak in your own voice, keep to what you know, stay in character and answer in one or two sentences.'
  })
})

t.test('mockIdentity clips each field to its limit with an ellipsis, trimming the cut', async (t) => {
  const long = mockIdentity(`${'a'.repeat(60)} ${'b'.repeat(60)} ${'c'.repeat(9000)}`)
  t.equal(long.name, `A${'a'.repeat(59)} B${'b'.repeat(37)}…`, 'name: 99 characters and the ellipsis')
  t.equal(long.name.length, 100)
  t.equal(long.description.length, 500)
  t.ok(long.description.endsWith('c…'))
  t.equal(long.persona_identity_prompt.length, 8000)
  t.ok(long.persona_identity_prompt.endsWith('c…'))
  const spaced = mockIdentity(`${'a'.repeat(98)} ${'b'.repeat(10)}`)
  t.equal(spaced.name, `A${'a'.repeat(97)}…`, 'the space before the cut is trimmed')
  const exact = mockIdentity(`${'a'.repeat(49)} ${'b'.repeat(50)}`)
  t.equal(exact.name, `A${'a'.repeat(48)} B${'b'.repeat(49)}`, 'a name of exactly 100 characters is kept whole')
})

const states = [
  { state_key: 'opening', label: 'Opening', prompt_instruction: 'Greet the player and ask what they want.', is_initial_state: true, is_terminal_state: false },
  { state_key: 'agreed', label: 'Agreed', prompt_instruction: 'Agree to what the player asked and wish them well.', is_initial_state: false, is_terminal_state: true },
  { state_key: 'refused', label: 'Refused', prompt_instruction: 'Refuse firmly and end the conversation.', is_initial_state: false, is_terminal_state: true }
]

function scenario (key: string, name: string, topic: string, description: string, objective: string) {
  return {
    machine_key: key,
    name,
    description,
    creator_objective: objective,
    creator_win_condition: 'The player makes a convincing case.',
    creator_lose_condition: 'The player threatens or insults the character.',
    chat_system_prompt: 'Stay in character, listen to the player and answer briefly.',
    scoring_mode: 'scoring',
    pass_threshold: 3,
    fail_threshold: -3,
    states,
    transitions: [
      { from_state_key: 'opening', to_state_key: 'agreed', decision_type: 'pass', condition: `The player makes a convincing case about ${topic}`, score_delta: 3, priority: 1 },
      { from_state_key: 'opening', to_state_key: 'refused', decision_type: 'reject', condition: 'The player threatens or insults the character', score_delta: -3, priority: 2 },
      { from_state_key: 'opening', to_state_key: 'opening', decision_type: 'redirect', condition: 'The player changes the subject', score_delta: 0, priority: 3 }
    ],
    output_variables: []
  }
}

t.test('mockScenario builds the whole three-state machine around the idea', async (t) => {
  t.same(mockScenario('the player wants  a sword forged by nightfall.'), scenario('wants_sword_forged', 'Wants Sword Forged', 'the player wants a sword forged by nightfall',
    'A short scene about the player wants a sword forged by nightfall.', 'The player\'s aim: the player wants a sword forged by nightfall.'))
})

t.test('mockScenario without an idea (or without content words) falls back to a first meeting', async (t) => {
  const none = scenario('first_meeting', 'First Meeting', 'what the player came for', 'A short scene about what the player came for.', 'The player\'s aim: what the player came for.')
  t.same(mockScenario(null), none)
  t.same(mockScenario('   '), none)
  t.same(mockScenario('it is'), scenario('first_meeting', 'First Meeting', 'it is', 'A short scene about it is.', 'The player\'s aim: it is.'))
})

t.test('mockScenario clips the key, the name and the texts', async (t) => {
  const s = mockScenario(`${'k'.repeat(120)} x`)
  t.equal(s.machine_key, `${'k'.repeat(99)}…`)
  t.equal(s.name, `K${'k'.repeat(98)}…`)
  t.equal(s.description, `A short scene about ${'k'.repeat(120)} x.`)
  t.equal(s.transitions[0].condition, `The player makes a convincing case about ${'k'.repeat(120)} x`)
  const huge = mockScenario('z'.repeat(600))
  t.equal(huge.transitions[0].condition.length, 500)
  t.equal(huge.creator_objective.length, 500)
  t.equal(huge.description, `A short scene about ${'z'.repeat(499 - 20)}…`)
})

t.test('mockPolish tidies whitespace, capitalizes, closes the sentence and drops surrounding quotes', async (t) => {
  t.equal(mockPolish('  player says \n  nice thing '), 'Player says nice thing.')
  t.equal(mockPolish('"quoted text"'), 'Quoted text.')
  t.equal(mockPolish('"only an opening quote'), '"only an opening quote.')
  for (const end of ['.', '!', '?', '…']) t.equal(mockPolish(`done${end}`), `Done${end}`)
  t.equal(mockPolish('   '), 'Nothing to polish.')
  t.equal(mockPolish('""'), 'Nothing to polish.')
})

t.test('only trailing punctuation and whole-text quotes are dropped', async (t) => {
  t.equal(mockPolish('version 1.2 works'), 'Version 1.2 works.', 'a full stop inside does not close the sentence')
  t.equal(mockPolish('say "hi"'), 'Say "hi".')
  t.equal(mockPolish('"hi" she said'), '"hi" she said.')
  t.equal(mockIdentity('a loud! dwarf smith').description, 'A character imagined from the concept: a loud! dwarf smith.')
  t.equal(mockScenario('sing?! loudly!!').creator_objective, 'The player\'s aim: sing?! loudly.')
})
