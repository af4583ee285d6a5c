// Tests of the graph validators: referential save checks, publish errors, warnings, their order and their messages.
import t from 'tap'
import { checkReferences, validateGraph } from '../../src/engine/validator.ts'
import type { Issue } from '../../src/engine/validator.ts'
import type { GraphLink, GraphMachine, PersonaGraph } from '../../src/engine/graph.ts'
import { graphState as state, graphTransition as transition, guardMachine } from '../helpers/machines.ts'

/** A valid scoring machine: start --pass +2--> talk --pass +2--> done, with a talk redirect of -1. */
function machine (key: string, overrides: Partial<GraphMachine> = {}): GraphMachine {
  return guardMachine(key,
    [state('start', { is_initial_state: true }), state('talk'), state('done', { is_terminal_state: true })],
    [transition('start', 'talk', 'pass', 2), transition('talk', 'done', 'pass', 2), transition('talk', 'talk', 'redirect', -1)],
    overrides)
}

/** A valid pass_fail machine: ask --pass--> won (ACCEPT by default) | ask --reject--> lost (REJECT). */
function passFailMachine (key: string, overrides: Partial<GraphMachine> = {}): GraphMachine {
  return machine(key, {
    scoring_mode: 'pass_fail',
    states: [
      state('ask', { is_initial_state: true }),
      state('won', { is_terminal_state: true }),
      state('lost', { is_terminal_state: true, terminal_outcome: 'REJECT' })
    ],
    transitions: [
      transition('ask', 'won', 'pass'),
      transition('ask', 'lost', 'reject')
    ],
    ...overrides
  })
}

function link (from: string, to: string, overrides: Partial<GraphLink> = {}): GraphLink {
  return { from_machine_key: from, to_machine_key: to, condition_type: 'always', condition_value: null, is_auto_advance: false, ...overrides }
}

/** A valid graph: entry machine "intro" (scoring) unlocks "quest" (pass_fail) on ACCEPT. */
function graph (): PersonaGraph {
  return {
    machines: [
      machine('intro', { is_entry: true, output_variables: [{ key: 'mood', extraction_prompt: 'How did it go?' }] }),
      passFailMachine('quest')
    ],
    machine_links: [link('intro', 'quest', { condition_type: 'outcome', condition_value: 'ACCEPT' })],
    variables: [{ key: 'player_class', description: '', default_value: 'rogue' }]
  }
}

function found (issues: Issue[]): { code: string, path: string }[] {
  return issues.map(({ code, path }) => ({ code, path }))
}

function errorsOf (g: PersonaGraph): { code: string, path: string }[] {
  return found(validateGraph(g).errors)
}

function warningsOf (g: PersonaGraph): { code: string, path: string }[] {
  return found(validateGraph(g).warnings)
}

t.test('the fixture graph is valid and clean', async (t) => {
  t.strictSame(checkReferences(graph()), [])
  t.strictSame(validateGraph(graph()), { errors: [], warnings: [] })
})

t.test('checkReferences: duplicates', async (t) => {
  const g = graph()
  g.machines.push(machine('intro'), machine('intro'))
  g.machines[0].states.push(state('talk'))
  g.machines[0].output_variables.push({ key: 'mood', extraction_prompt: '' })
  g.variables.push({ key: 'player_class', description: '', default_value: '' })
  t.strictSame(found(checkReferences(g)), [
    { code: 'DUPLICATE_STATE_KEY', path: 'machines[0].states[3].state_key' },
    { code: 'DUPLICATE_OUTPUT_VARIABLE_KEY', path: 'machines[0].output_variables[1].key' },
    { code: 'DUPLICATE_MACHINE_KEY', path: 'machines[2].machine_key' },
    { code: 'DUPLICATE_MACHINE_KEY', path: 'machines[3].machine_key' },
    { code: 'DUPLICATE_VARIABLE_KEY', path: 'variables[1].key' }
  ])
})

t.test('checkReferences: ids are unique across the graph when given', async (t) => {
  const g = graph()
  g.machines[0].machine_id = 'm-1'
  g.machines[1].machine_id = 'm-1'
  g.machines[0].transitions[0].transition_id = 't-1'
  g.machines[0].transitions[1].transition_id = 't-2'
  g.machines[1].transitions[1].transition_id = 't-1'
  t.strictSame(found(checkReferences(g)), [
    { code: 'DUPLICATE_MACHINE_ID', path: 'machines[1].machine_id' },
    { code: 'DUPLICATE_TRANSITION_ID', path: 'machines[1].transitions[1].transition_id' }
  ])
})

t.test('checkReferences: unknown states and machines', async (t) => {
  const g = graph()
  g.machines[0].transitions[1].to_state_key = 'nowhere'
  g.machines[1].transitions[0].from_state_key = 'talk'
  g.machine_links.push(link('intro', 'sequel'), link('prequel', 'sequel'))
  const issues = checkReferences(g)
  t.strictSame(found(issues), [
    { code: 'UNKNOWN_STATE', path: 'machines[0].transitions[1].to_state_key' },
    { code: 'UNKNOWN_STATE', path: 'machines[1].transitions[0].from_state_key' },
    { code: 'UNKNOWN_MACHINE', path: 'machine_links[1].to_machine_key' },
    { code: 'UNKNOWN_MACHINE', path: 'machine_links[2].from_machine_key' },
    { code: 'UNKNOWN_MACHINE', path: 'machine_links[2].to_machine_key' }
  ])
  t.equal(issues[0].message, 'machines[0].transitions[1].to_state_key: no state "nowhere" in machine "intro"')
  for (const i of issues) t.ok(i.message.includes(i.path), `message names ${i.path}`)
})

t.test('checkReferences: terminal_outcome only on terminal states', async (t) => {
  const g = graph()
  g.machines[1].states[0].terminal_outcome = 'ACCEPT'
  t.strictSame(found(checkReferences(g)), [
    { code: 'TERMINAL_OUTCOME_ON_NON_TERMINAL', path: 'machines[1].states[0].terminal_outcome' }
  ])
})

t.test('checkReferences: link condition values', async (t) => {
  const bad: Partial<GraphLink>[] = [
    { condition_type: 'score_gte', condition_value: null },
    { condition_type: 'score_gte', condition_value: '' },
    { condition_type: 'score_lte', condition_value: 'three' },
    { condition_type: 'score_lte', condition_value: 'Infinity' },
    { condition_type: 'outcome', condition_value: null },
    { condition_type: 'outcome', condition_value: 'accept' },
    { condition_type: 'outcome', condition_value: '3' }
  ]
  for (const overrides of bad) {
    const g = graph()
    g.machine_links[0] = link('intro', 'quest', overrides)
    t.strictSame(found(checkReferences(g)), [
      { code: 'INVALID_LINK_CONDITION', path: 'machine_links[0].condition_value' }
    ], `${overrides.condition_type} ${JSON.stringify(overrides.condition_value)} is refused`)
  }
  const good: Partial<GraphLink>[] = [
    { condition_type: 'score_gte', condition_value: '3' },
    { condition_type: 'score_lte', condition_value: '-2' },
    { condition_type: 'score_gte', condition_value: '2.5' },
    { condition_type: 'outcome', condition_value: 'KICK_OUT' },
    { condition_type: 'outcome', condition_value: 'REJECT' },
    { condition_type: 'always', condition_value: null },
    { condition_type: 'always', condition_value: 'whatever' }
  ]
  for (const overrides of good) {
    const g = graph()
    g.machine_links[0] = link('intro', 'quest', overrides)
    t.strictSame(checkReferences(g), [], `${overrides.condition_type} ${JSON.stringify(overrides.condition_value)} is accepted`)
  }
})

t.test('checkReferences: enums, integers and empty keys', async (t) => {
  const g = graph() as unknown as {
    machines: Record<string, unknown>[] & { states: Record<string, unknown>[], transitions: Record<string, unknown>[] }[]
    machine_links: Record<string, unknown>[]
    variables: Record<string, unknown>[]
  }
  g.machines[0].scoring_mode = 'points'
  g.machines[0].pass_threshold = 2.5
  g.machines[0].states[2].terminal_outcome = 'WIN'
  g.machines[0].transitions[0].decision_type = 'skip'
  g.machines[0].transitions[1].score_delta = 0.5
  g.machines[1].machine_key = ''
  g.machine_links[0].condition_type = 'sometimes'
  g.variables[0].key = ' '
  t.strictSame(found(checkReferences(g as unknown as PersonaGraph)), [
    { code: 'INVALID_ENUM', path: 'machines[0].scoring_mode' },
    { code: 'NOT_INTEGER', path: 'machines[0].pass_threshold' },
    { code: 'INVALID_ENUM', path: 'machines[0].states[2].terminal_outcome' },
    { code: 'INVALID_ENUM', path: 'machines[0].transitions[0].decision_type' },
    { code: 'NOT_INTEGER', path: 'machines[0].transitions[1].score_delta' },
    { code: 'EMPTY_KEY', path: 'machines[1].machine_key' },
    { code: 'UNKNOWN_MACHINE', path: 'machine_links[0].to_machine_key' },
    { code: 'INVALID_ENUM', path: 'machine_links[0].condition_type' },
    { code: 'EMPTY_KEY', path: 'variables[0].key' }
  ])
})

t.test('validateGraph includes referential issues', async (t) => {
  const g = graph()
  g.machines[0].states.push(state('done', { is_terminal_state: true }))
  t.strictSame(errorsOf(g), [{ code: 'DUPLICATE_STATE_KEY', path: 'machines[0].states[3].state_key' }])
})

t.test('exactly one initial state', async (t) => {
  const none = graph()
  none.machines[0].states[0].is_initial_state = false
  t.strictSame(errorsOf(none), [{ code: 'NO_INITIAL_STATE', path: 'machines[0].states' }], 'none')

  const several = graph()
  several.machines[0].states[1].is_initial_state = true
  const result = validateGraph(several)
  t.strictSame(found(result.errors), [{ code: 'MULTIPLE_INITIAL_STATES', path: 'machines[0].states' }], 'several')
  t.match(result.errors[0].message, /2 initial states \(start, talk\)/)
})

t.test('an initial state must not be terminal', async (t) => {
  const g = graph()
  g.machines[1].states[0].is_terminal_state = true
  t.strictSame(errorsOf(g), [
    { code: 'INITIAL_STATE_TERMINAL', path: 'machines[1].states[0]' },
    { code: 'TRANSITION_FROM_TERMINAL', path: 'machines[1].transitions[0].from_state_key' },
    { code: 'TRANSITION_FROM_TERMINAL', path: 'machines[1].transitions[1].from_state_key' }
  ])
})

t.test('at least one terminal state', async (t) => {
  const g = graph()
  g.machines[0].states[2].is_terminal_state = false
  t.strictSame(errorsOf(g), [
    { code: 'NO_TERMINAL_STATE', path: 'machines[0].states' },
    { code: 'DEAD_END_STATE', path: 'machines[0].states[2]' }
  ])
})

t.test('every state reachable from the initial state', async (t) => {
  const g = graph()
  g.machines[0].states.push(state('island'), state('side'))
  g.machines[0].transitions.push(transition('island', 'done'), transition('side', 'done'), transition('talk', 'side', 'redirect'))
  t.strictSame(errorsOf(g), [
    { code: 'UNREACHABLE_STATE', path: 'machines[0].states[3]' },
    { code: 'UNREACHABLE_STATE', path: 'machines[0].states[4]' }
  ], 'a state no transition leads to, and one only a redirect names')

  const moved = graph()
  moved.machines[0].states.push(state('scolded'), state('gone', { is_terminal_state: true }))
  moved.machines[0].transitions.push(transition('start', 'scolded', 'reject', -1), transition('scolded', 'gone', 'kick_out'))
  t.strictSame(errorsOf(moved), [], 'reject and kick_out transitions reach their targets')
})

t.test('no dead ends', async (t) => {
  const g = graph()
  g.machines[0].states.push(state('stuck'))
  g.machines[0].transitions.push(transition('talk', 'stuck'))
  t.strictSame(errorsOf(g), [{ code: 'DEAD_END_STATE', path: 'machines[0].states[3]' }])
})

t.test('no transition out of a terminal state', async (t) => {
  const g = graph()
  g.machines[0].transitions.push(transition('done', 'talk'))
  t.strictSame(errorsOf(g), [{ code: 'TRANSITION_FROM_TERMINAL', path: 'machines[0].transitions[3].from_state_key' }])
})

t.test('pass_threshold above fail_threshold in scoring mode', async (t) => {
  const equal = graph()
  equal.machines[0].pass_threshold = -3
  t.strictSame(errorsOf(equal), [{ code: 'THRESHOLDS_INVERTED', path: 'machines[0].pass_threshold' }], 'equal')

  const above = graph()
  above.machines[0].pass_threshold = -2
  t.strictSame(errorsOf(above), [], 'one above')

  const passFail = graph()
  passFail.machines[1].pass_threshold = -10
  t.strictSame(errorsOf(passFail), [], 'not checked in pass_fail mode')
})

t.test('at least one entry machine', async (t) => {
  const g = graph()
  g.machines[0].is_entry = false
  t.strictSame(errorsOf(g), [{ code: 'NO_ENTRY_MACHINE', path: 'machines' }])
  t.strictSame(errorsOf({ machines: [], machine_links: [], variables: [] }), [{ code: 'NO_ENTRY_MACHINE', path: 'machines' }], 'no machine at all')
})

t.test('every machine reachable through links from an entry machine', async (t) => {
  const unlinked = graph()
  unlinked.machine_links = []
  t.strictSame(errorsOf(unlinked), [{ code: 'UNREACHABLE_MACHINE', path: 'machines[1]' }], 'no link leads to it')

  const chain = graph()
  chain.machines.push(machine('orphan'), machine('heir'))
  chain.machine_links.push(link('orphan', 'heir'))
  t.strictSame(errorsOf(chain), [
    { code: 'UNREACHABLE_MACHINE', path: 'machines[2]' },
    { code: 'UNREACHABLE_MACHINE', path: 'machines[3]' }
  ], 'linked only from an unreachable machine')

  const deep = graph()
  deep.machines.push(machine('second'), machine('third'))
  deep.machine_links.push(link('quest', 'second'), link('second', 'third'))
  t.strictSame(errorsOf(deep), [], 'a chain of links from the entry machine')
})

t.test('link cycles must be anchored at an entry machine', async (t) => {
  const g = graph()
  g.machines.push(machine('ping'), machine('pong'), machine('after'))
  g.machine_links.push(link('ping', 'pong'), link('pong', 'ping'), link('pong', 'after'))
  t.strictSame(errorsOf(g), [
    { code: 'UNANCHORED_LINK_CYCLE', path: 'machines[2]' },
    { code: 'UNANCHORED_LINK_CYCLE', path: 'machines[3]' },
    { code: 'UNANCHORED_LINK_CYCLE', path: 'machines[4]' }
  ])

  const anchored = graph()
  anchored.machine_links.push(link('quest', 'intro'), link('quest', 'quest'))
  t.strictSame(errorsOf(anchored), [], 'a cycle through the entry machine, and a self link')

  const selfOnly = graph()
  selfOnly.machines.push(machine('loner'))
  selfOnly.machine_links.push(link('loner', 'loner'))
  t.strictSame(errorsOf(selfOnly), [{ code: 'UNANCHORED_LINK_CYCLE', path: 'machines[2]' }], 'a machine only linked from itself')
})

t.test('warning: pass_threshold out of reach in scoring mode', async (t) => {
  const high = graph()
  high.machines[0].pass_threshold = 5
  t.strictSame(warningsOf(high), [{ code: 'PASS_THRESHOLD_UNREACHABLE', path: 'machines[0].pass_threshold' }], 'best path scores 4, threshold 5')
  t.match(validateGraph(high).warnings[0].message, /best score any path reaches at a terminal state is 4/)
  t.strictSame(validateGraph(high).errors, [], 'only a warning')

  const exact = graph()
  exact.machines[0].pass_threshold = 4
  t.strictSame(warningsOf(exact), [], 'threshold exactly at the best path')

  const looping = graph()
  looping.machines[0].pass_threshold = 50
  looping.machines[0].transitions[2].score_delta = 1
  t.strictSame(warningsOf(looping), [], 'a repeatable positive redirect makes any score reachable')

  const cycle = graph()
  cycle.machines[0].pass_threshold = 50
  cycle.machines[0].transitions.push(transition('talk', 'start', 'pass', 0))
  t.strictSame(warningsOf(cycle), [], 'a positive cycle of passes makes any score reachable')

  const kick = graph()
  kick.machines[0].pass_threshold = 50
  kick.machines[0].states.push(state('thrown', { is_terminal_state: true }))
  kick.machines[0].transitions.push(transition('talk', 'thrown', 'kick_out', 100))
  t.strictSame(warningsOf(kick), [{ code: 'PASS_THRESHOLD_UNREACHABLE', path: 'machines[0].pass_threshold' }], 'kick_out never wins')
})

t.test('warning: ACCEPT out of reach in pass_fail mode', async (t) => {
  const rejectOnly = graph()
  rejectOnly.machines[1].states[1].terminal_outcome = 'REJECT'
  t.strictSame(warningsOf(rejectOnly), [{ code: 'ACCEPT_UNREACHABLE', path: 'machines[1].states' }], 'every terminal rejects')

  const viaReject = graph()
  viaReject.machines[1].transitions[0].decision_type = 'reject'
  t.strictSame(warningsOf(viaReject), [{ code: 'ACCEPT_UNREACHABLE', path: 'machines[1].states' }], 'the ACCEPT terminal only reached by a reject')

  const explicit = graph()
  explicit.machines[1].states[1].terminal_outcome = 'ACCEPT'
  t.strictSame(warningsOf(explicit), [], 'explicit ACCEPT')
})

t.test('warnings: authoring slips', async (t) => {
  const g = graph()
  g.machines[0].chat_system_prompt = ' '
  g.machines[0].states[1].prompt_instruction = ''
  g.machines[0].states[1].follow_up_condition = 'the player is vague'
  g.machines[0].states[2].prompt_instruction = ''
  g.machines[0].states[2].terminal_outcome = 'REJECT'
  g.machines[0].transitions[0].condition = ''
  g.machines[1].states.push(state('waiting'))
  g.machines[1].transitions.push(transition('ask', 'waiting'), transition('waiting', 'ask', 'redirect'))
  t.strictSame(warningsOf(g), [
    { code: 'EMPTY_PROMPT', path: 'machines[0].chat_system_prompt' },
    { code: 'EMPTY_INSTRUCTION', path: 'machines[0].states[1].prompt_instruction' },
    { code: 'TERMINAL_OUTCOME_IGNORED', path: 'machines[0].states[2].terminal_outcome' },
    { code: 'EMPTY_CONDITION', path: 'machines[0].transitions[0].condition' },
    { code: 'NO_EXIT_TRANSITION', path: 'machines[1].states[3]' },
    { code: 'REDIRECT_TARGET_IGNORED', path: 'machines[1].transitions[3].to_state_key' }
  ])
  t.strictSame(errorsOf(g), [], 'none of them blocks publishing')
})

t.test('issues are ordered by graph position, not by check', async (t) => {
  const g = graph()
  for (let n = 2; n <= 10; n++) g.machines.push(machine(`m${n}`))
  for (let n = 2; n <= 10; n++) g.machine_links.push(link('intro', `m${n}`))
  g.machines[10].states[0].is_initial_state = false
  g.machines[2].transitions.push(transition('done', 'start'))
  g.machines[2].states.push(state('start'))
  g.machines[0].transitions[0].to_state_key = 'ghost'
  g.machines[0].pass_threshold = -5
  g.machine_links.push(link('intro', 'ghost'))
  g.variables.push({ key: 'player_class', description: '', default_value: '' })

  const expected = [
    { code: 'THRESHOLDS_INVERTED', path: 'machines[0].pass_threshold' },
    { code: 'UNREACHABLE_STATE', path: 'machines[0].states[1]' },
    { code: 'UNREACHABLE_STATE', path: 'machines[0].states[2]' },
    { code: 'UNKNOWN_STATE', path: 'machines[0].transitions[0].to_state_key' },
    { code: 'DUPLICATE_STATE_KEY', path: 'machines[2].states[3].state_key' },
    { code: 'TRANSITION_FROM_TERMINAL', path: 'machines[2].transitions[3].from_state_key' },
    { code: 'NO_INITIAL_STATE', path: 'machines[10].states' },
    { code: 'UNKNOWN_MACHINE', path: 'machine_links[10].to_machine_key' },
    { code: 'DUPLICATE_VARIABLE_KEY', path: 'variables[1].key' }
  ]
  t.strictSame(errorsOf(g), expected)
  t.strictSame(validateGraph(g), validateGraph(g), 'the same graph gives the same answer')
  t.strictSame(validateGraph(structuredClone(g)), validateGraph(g), 'and so does a copy')
})

const REFS = [
  'machines[0].scoring_mode: scoring_mode must be one of scoring, pass_fail',
  'machines[0].fail_threshold: fail_threshold must be an integer',
  'machines[0].states[2].terminal_outcome: terminal_outcome must be one of ACCEPT, REJECT or null',
  'machines[0].states[3].state_key: state_key "talk" is used by an earlier state of this machine',
  'machines[0].states[4].state_key: state_key must not be empty',
  'machines[0].states[5].terminal_outcome: state "odd" is not terminal, so it cannot have a terminal_outcome',
  'machines[0].transitions[1].transition_id: transition_id "t-1" is used by an earlier transition',
  'machines[0].transitions[1].to_state_key: no state "nowhere" in machine "intro"',
  'machines[0].transitions[2].decision_type: decision_type must be one of pass, redirect, reject, kick_out',
  'machines[0].transitions[2].priority: priority must be an integer',
  'machines[0].output_variables[1].key: output variable "mood" is defined earlier in this machine',
  'machines[0].output_variables[2].key: key must not be empty',
  'machines[1].machine_id: machine_id "m-1" is used by an earlier machine',
  'machines[2].machine_key: machine_key "intro" is used by an earlier machine',
  'machines[3].machine_key: machine_key must not be empty',
  'machine_links[1].to_machine_key: no machine "sequel"',
  'machine_links[1].condition_value: a score_gte link needs a numeric condition_value',
  'machine_links[2].condition_value: an outcome link needs condition_value ACCEPT, REJECT, KICK_OUT',
  'machine_links[3].condition_type: condition_type must be one of outcome, score_gte, score_lte, always',
  'variables[1].key: variable "player_class" is defined earlier',
  'variables[2].key: key must not be empty'
]
const BROKEN_ERRORS = [
  'machines[0].pass_threshold: pass_threshold (-4) must be above fail_threshold (-3)',
  'machines[0].states: machine "intro" has 2 initial states (start, talk); exactly one is needed',
  'machines[0].states[1]: initial state "talk" is terminal, so the conversation can never complete',
  'machines[0].transitions[1].from_state_key: state "talk" is terminal and cannot have outgoing transitions',
  'machines[0].transitions[2].from_state_key: state "talk" is terminal and cannot have outgoing transitions',
  'machines[0].transitions[3].from_state_key: state "done" is terminal and cannot have outgoing transitions',
  'machines[1].states: machine "quest" has no terminal state',
  'machines[1].states[2]: non-terminal state "stuck" has no outgoing transition',
  'machines[1].states[3]: state "island" cannot be reached from the initial state',
  'machines[1].states[3]: non-terminal state "island" has no outgoing transition',
  'machines[2]: machine "orphan" is not an entry machine and no link leads to it',
  'machines[3]: machine "heir" is only linked from machines no entry machine leads to',
  'machines[4]: machine "ping" is only reachable through a cycle of links that no entry machine leads into',
  'machines[5]: machine "pong" is only reachable through a cycle of links that no entry machine leads into'
]
const BROKEN_WARNINGS = [
  'machines[0].chat_system_prompt: machine "intro" has no chat system prompt',
  'machines[1].states[1]: state "loop" has only redirect transitions, so the conversation can never leave it',
  'machines[1].states[1].prompt_instruction: state "loop" has no prompt instruction',
  'machines[1].transitions[1].to_state_key: a redirect keeps the state "loop"; to_state_key "ask" is ignored',
  'machines[1].transitions[2].condition: the evaluator has no condition to judge this transition by'
]
const SLIPS = [
  'machines[0].pass_threshold: the best score any path reaches at a terminal state is 4, below pass_threshold 5, so the machine can never be won',
  'machines[0].states[2].terminal_outcome: terminal_outcome is ignored in scoring mode: the score decides the outcome',
  'machines[1].states: no terminal state with outcome ACCEPT can be reached through pass transitions, so the machine can never be won'
]
const NO_INITIAL = [
  'machines: no machine is marked is_entry, so no conversation can start',
  'machines[0].states: machine "intro" has no initial state'
]

/** Each issue as its one-line message (the message starts with the path). */
const messages = (issues: Issue[]) => issues.map((i) => i.message)

t.test('every issue\'s message names its path and says what is wrong in the author\'s terms', async (t) => {
  const refs = graph()
  const raw = refs as unknown as { machines: Record<string, unknown>[] & { states: Record<string, unknown>[], transitions: Record<string, unknown>[] }[], machine_links: Record<string, unknown>[] }
  refs.machines.push(machine('intro'), machine(' '))
  refs.machines[0].machine_id = 'm-1'
  refs.machines[1].machine_id = 'm-1'
  raw.machines[0].scoring_mode = 'points'
  raw.machines[0].fail_threshold = 0.5
  refs.machines[0].states.push(state('talk'), state(''), state('odd', { terminal_outcome: 'ACCEPT' }))
  raw.machines[0].states[2].terminal_outcome = 'WIN'
  refs.machines[0].transitions[0].transition_id = 't-1'
  refs.machines[0].transitions[1].transition_id = 't-1'
  refs.machines[0].transitions[1].to_state_key = 'nowhere'
  raw.machines[0].transitions[2].decision_type = 'skip'
  raw.machines[0].transitions[2].priority = 1.5
  refs.machines[0].output_variables.push({ key: 'mood', extraction_prompt: '' }, { key: '', extraction_prompt: '' })
  refs.machine_links.push(link('intro', 'sequel', { condition_type: 'score_gte', condition_value: 'three' }), link('quest', 'intro', { condition_type: 'outcome', condition_value: 'WIN' }))
  raw.machine_links.push({ ...link('quest', 'intro'), condition_type: 'sometimes' })
  refs.variables.push({ key: 'player_class', description: '', default_value: '' }, { key: '', description: '', default_value: '' })
  t.strictSame(messages(checkReferences(refs)), REFS)
  t.strictSame(checkReferences(refs).map((i) => i.code), [
    'INVALID_ENUM', 'NOT_INTEGER', 'INVALID_ENUM', 'DUPLICATE_STATE_KEY', 'EMPTY_KEY', 'TERMINAL_OUTCOME_ON_NON_TERMINAL',
    'DUPLICATE_TRANSITION_ID', 'UNKNOWN_STATE', 'INVALID_ENUM', 'NOT_INTEGER', 'DUPLICATE_OUTPUT_VARIABLE_KEY', 'EMPTY_KEY',
    'DUPLICATE_MACHINE_ID', 'DUPLICATE_MACHINE_KEY', 'EMPTY_KEY', 'UNKNOWN_MACHINE', 'INVALID_LINK_CONDITION', 'INVALID_LINK_CONDITION',
    'INVALID_ENUM', 'DUPLICATE_VARIABLE_KEY', 'EMPTY_KEY'
  ], 'each with its code')

  const broken = graph()
  broken.machines[0].states[1].is_initial_state = true
  broken.machines[0].states[1].is_terminal_state = true
  broken.machines[0].pass_threshold = -4
  broken.machines[0].chat_system_prompt = ''
  broken.machines[0].transitions.push(transition('done', 'start'))
  broken.machines[1].states = [state('ask', { is_initial_state: true }), state('loop', { prompt_instruction: ' ' }), state('stuck'), state('island')]
  broken.machines[1].transitions = [transition('ask', 'loop'), transition('loop', 'ask', 'redirect'), transition('ask', 'stuck', 'reject', 0, { condition: '' })]
  broken.machines.push(machine('orphan'), machine('heir'), machine('ping'), machine('pong'))
  broken.machine_links.push(link('orphan', 'heir'), link('ping', 'pong'), link('pong', 'ping'))
  const result = validateGraph(broken)
  t.strictSame(messages(result.errors), BROKEN_ERRORS)
  t.strictSame(messages(result.warnings), BROKEN_WARNINGS)

  const slips = graph()
  slips.machines[0].pass_threshold = 5
  slips.machines[0].states[2].terminal_outcome = 'REJECT'
  slips.machines[1].states[1].terminal_outcome = 'REJECT'
  t.strictSame(messages(validateGraph(slips).warnings), SLIPS)
  const noInitial = graph()
  noInitial.machines[0].states[0].is_initial_state = false
  noInitial.machines[0].is_entry = false
  t.strictSame(messages(validateGraph(noInitial).errors), NO_INITIAL)
  t.strictSame(messages(validateGraph({ machines: [], machine_links: [], variables: [] }).errors), ['machines: the persona has no machine'])
})

t.test('blank means null, missing or only spaces: for prompts, conditions and numeric link values alike', async (t) => {
  const g = graph()
  const raw = g as unknown as { machines: Record<string, unknown>[] & { transitions: Record<string, unknown>[] }[] }
  raw.machines[0].chat_system_prompt = null
  raw.machines[0].transitions[0].condition = undefined
  g.machine_links[0] = link('intro', 'quest', { condition_type: 'score_gte', condition_value: '  ' })
  t.strictSame(found(validateGraph(g).warnings), [
    { code: 'EMPTY_PROMPT', path: 'machines[0].chat_system_prompt' },
    { code: 'EMPTY_CONDITION', path: 'machines[0].transitions[0].condition' }
  ])
  t.strictSame(errorsOf(g), [{ code: 'INVALID_LINK_CONDITION', path: 'machine_links[0].condition_value' }], 'spaces are no number (Number("  ") would be 0)')
})

t.test('a duplicate state key is judged once, as its first state; a transition from an unknown state is only an unknown state', async (t) => {
  const g = graph()
  g.machines[0].states.push(state('talk', { prompt_instruction: '' }))
  t.strictSame(validateGraph(g).warnings, [], 'the duplicate\'s empty instruction is not looked at')
  t.strictSame(errorsOf(g), [{ code: 'DUPLICATE_STATE_KEY', path: 'machines[0].states[3].state_key' }])
  const unknown = graph()
  unknown.machines[0].transitions.push(transition('nowhere', 'done'))
  t.strictSame(errorsOf(unknown), [{ code: 'UNKNOWN_STATE', path: 'machines[0].transitions[3].from_state_key' }])
})
