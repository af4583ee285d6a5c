// Validator edge cases: the best terminal score (redirects, relaxation order, several terminals), links naming unknown machines, issue order inside a section.
import t from 'tap'
import { validateGraph } from '../../src/engine/validator.ts'
import type { Issue } from '../../src/engine/validator.ts'
import type { GraphLink, GraphMachine, GraphState, PersonaGraph } from '../../src/engine/graph.ts'
import { graphState as state, graphTransition as transition, guardMachine as machine } from '../helpers/machines.ts'

const start = (): GraphState => state('start', { is_initial_state: true })
const terminal = (key: string): GraphState => state(key, { is_terminal_state: true })

/** start --pass +2--> talk --pass +2--> done: the best terminal score is 4. */
function guard (overrides: Partial<GraphMachine> = {}): GraphMachine {
  return machine('guard', [start(), state('talk'), terminal('done')], [transition('start', 'talk', 'pass', 2), transition('talk', 'done', 'pass', 2)], overrides)
}

function link (from: string, to: string): GraphLink {
  return { from_machine_key: from, to_machine_key: to, condition_type: 'always', condition_value: null, is_auto_advance: false }
}

/** A graph of one entry machine. */
function alone (m: GraphMachine): PersonaGraph {
  return { machines: [{ ...m, is_entry: true }], machine_links: [], variables: [] }
}

const messages = (issues: Issue[]) => issues.map((i) => i.message)
const unreachable = (best: number | string, pass: number) =>
  `machines[0].pass_threshold: the best score any path reaches at a terminal state is ${best}, below pass_threshold ${pass}, so the machine can never be won`

t.test('a redirect scores in its own state whatever its to_state_key names', async (t) => {
  // The +1 redirect at talk can be repeated forever, so any score is reachable; read as a move to done it would cap the best at 4.
  const m = guard({ pass_threshold: 50 })
  m.transitions.push(transition('talk', 'done', 'redirect', 1))
  t.strictSame(validateGraph(alone(m)), {
    errors: [],
    warnings: [{
      code: 'REDIRECT_TARGET_IGNORED',
      path: 'machines[0].transitions[2].to_state_key',
      message: 'machines[0].transitions[2].to_state_key: a redirect keeps the state "talk"; to_state_key "done" is ignored'
    }]
  })

  // A redirect that counts against the score changes nothing: still 4, below 5.
  const costly = guard({ pass_threshold: 5 })
  costly.transitions.push(transition('talk', 'done', 'redirect', -3))
  t.strictSame(messages(validateGraph(alone(costly)).warnings), [
    unreachable(4, 5),
    'machines[0].transitions[2].to_state_key: a redirect keeps the state "talk"; to_state_key "done" is ignored'
  ])
})

t.test('the best score does not depend on the order transitions are listed in', async (t) => {
  // Listed from the end of the chain: each round of relaxation settles one more state, the last one in the fourth round.
  const states = [start(), state('a'), state('b'), state('c'), terminal('done')]
  const chain = [transition('start', 'a', 'pass', 1), transition('a', 'b', 'pass', 1), transition('b', 'c', 'pass', 1), transition('c', 'done', 'pass', 1)]
  const backwards = machine('guard', states, [...chain].reverse(), { pass_threshold: 5 })
  t.strictSame(messages(validateGraph(alone(backwards)).warnings), [unreachable(4, 5)])
  t.strictSame(validateGraph(alone(backwards)), validateGraph(alone(machine('guard', states, chain, { pass_threshold: 5 }))), 'the same answer as in chain order')
  const reached = machine('guard', states, [...chain].reverse(), { pass_threshold: 4 })
  t.strictSame(validateGraph(alone(reached)), { errors: [], warnings: [] }, 'a threshold of exactly 4 is reachable')
})

t.test('the best score is the highest over every reachable terminal state, in any order', async (t) => {
  // done scores 4 and low (a reject straight from start) scores 0: the best is 4 whichever terminal comes first.
  const doneFirst = guard({ pass_threshold: 5 })
  doneFirst.states.push(terminal('low'))
  doneFirst.transitions.push(transition('start', 'low', 'reject', 0))
  t.strictSame(messages(validateGraph(alone(doneFirst)).warnings), [unreachable(4, 5)], 'done listed first')

  const lowFirst = guard({ pass_threshold: 5 })
  lowFirst.states.splice(2, 0, terminal('low'))
  lowFirst.transitions.push(transition('start', 'low', 'reject', 0))
  t.strictSame(messages(validateGraph(alone(lowFirst)).warnings), [unreachable(4, 5)], 'low listed first')
  t.strictSame(validateGraph(alone({ ...lowFirst, pass_threshold: 4 })).warnings, [], 'and 4 is reachable')

  // A terminal state only a kick_out reaches has no score: it neither counts nor hides the others.
  const kickedFirst = guard({ pass_threshold: 5 })
  kickedFirst.states.splice(2, 0, terminal('thrown'))
  kickedFirst.transitions.push(transition('talk', 'thrown', 'kick_out', 100))
  t.strictSame(validateGraph(alone(kickedFirst)).errors, [])
  t.strictSame(messages(validateGraph(alone(kickedFirst)).warnings), [unreachable(4, 5)], 'the kicked-out terminal listed first')
})

t.test('a best score of zero or below is still a score', async (t) => {
  const negative = guard()
  negative.transitions[1].score_delta = -3
  t.strictSame(messages(validateGraph(alone(negative)).warnings), [unreachable(-1, 3)])
  const zero = guard()
  zero.transitions[1].score_delta = -2
  t.strictSame(messages(validateGraph(alone(zero)).warnings), [unreachable(0, 3)])
})

t.test('no warning about the threshold when only a kick_out reaches a terminal state', async (t) => {
  // No path scores at a terminal state at all: the machine can only end KICK_OUT or below fail_threshold, which says nothing about pass_threshold.
  const m = guard()
  m.transitions[1].decision_type = 'kick_out'
  t.strictSame(validateGraph(alone(m)), { errors: [], warnings: [] })
})

t.test('a link from an unknown machine leads nowhere: its target is unreachable, not part of a cycle', async (t) => {
  const g: PersonaGraph = {
    machines: [guard({ machine_key: 'intro', is_entry: true }), guard({ machine_key: 'quest' })],
    machine_links: [link('ghost', 'quest')],
    variables: []
  }
  t.strictSame(validateGraph(g).errors, [
    { code: 'UNREACHABLE_MACHINE', path: 'machines[1]', message: 'machines[1]: machine "quest" is not an entry machine and no link leads to it' },
    { code: 'UNKNOWN_MACHINE', path: 'machine_links[0].from_machine_key', message: 'machine_links[0].from_machine_key: no machine "ghost"' }
  ])
  g.machine_links.push(link('intro', 'ghost'))
  t.strictSame(messages(validateGraph(g).errors), [
    'machines[1]: machine "quest" is not an entry machine and no link leads to it',
    'machine_links[0].from_machine_key: no machine "ghost"',
    'machine_links[1].to_machine_key: no machine "ghost"'
  ], 'nor does a link from a reached machine to an unknown one')
})

t.test('inside a section issues are ordered by index as a number, the section\'s own issues first', async (t) => {
  // transitions[10] is reported by the referential checks, which run before the structural check that reports transitions[3].
  const many = guard()
  for (let n = 0; n < 7; n++) many.transitions.push(transition('talk', 'talk', 'redirect', 0))
  many.transitions.splice(2, 0, transition('done', 'start'))
  many.transitions.push(transition('talk', 'ghost'))
  t.equal(many.transitions.length, 11)
  t.strictSame(messages(validateGraph(alone(many)).errors), [
    'machines[0].transitions[2].from_state_key: state "done" is terminal and cannot have outgoing transitions',
    'machines[0].transitions[10].to_state_key: no state "ghost" in machine "guard"'
  ])

  // states[0]'s issue is referential (found first); the machine-wide one on machines[0].states comes from the structural checks.
  const two = guard()
  two.states[0].terminal_outcome = 'ACCEPT'
  two.states[1].is_initial_state = true
  t.strictSame(messages(validateGraph(alone(two)).errors), [
    'machines[0].states: machine "guard" has 2 initial states (start, talk); exactly one is needed',
    'machines[0].states[0].terminal_outcome: state "start" is not terminal, so it cannot have a terminal_outcome'
  ])
})
