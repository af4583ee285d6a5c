// Tests of the pure turn decision core: decisions, thresholds, follow-ups, completion and link unlocks.
import t from 'tap'
import {
  applyEvaluation,
  evaluateLinks,
  initialState,
  isMachineAvailable,
  outgoingTransitions
} from '../../src/engine/core.ts'
import type { PlayerProgressSnapshot, SessionSnapshot, TurnDecision } from '../../src/engine/core.ts'
import type {
  DecisionType,
  GraphLink,
  GraphMachine,
  GraphTransition,
  ScoringMode
} from '../../src/engine/graph.ts'
import { graphState as state } from '../helpers/machines.ts'

function transition (id: string, from: string, to: string, decision: DecisionType, delta: number, priority = 0): GraphTransition {
  return {
    transition_id: id,
    from_state_key: from,
    to_state_key: to,
    decision_type: decision,
    condition: `condition of ${id}`,
    score_delta: delta,
    priority
  }
}

/**
 * start --pass +1--> middle --pass +1--> win; start redirect -1; start --reject -2--> middle;
 * start --kick_out -1--> out; middle loops on itself with pass +1 and redirect 0;
 * middle --pass 0--> lose (terminal REJECT), middle --pass 0--> accept (terminal ACCEPT).
 */
function machine (mode: ScoringMode = 'scoring', overrides: Partial<GraphMachine> = {}): GraphMachine {
  return {
    machine_key: 'main',
    name: 'Main',
    description: '',
    creator_objective: '',
    creator_win_condition: '',
    creator_lose_condition: '',
    chat_system_prompt: 'You are a guard',
    system_evaluation_prompt: '',
    system_summarization_prompt: '',
    scoring_mode: mode,
    pass_threshold: 3,
    fail_threshold: -3,
    is_entry: true,
    display_order: 0,
    states: [
      state('start', { is_initial_state: true, follow_up_condition: 'the player is vague' }),
      state('middle', { follow_up_condition: '   ' }),
      state('win', { is_terminal_state: true }),
      state('out', { is_terminal_state: true }),
      state('lose', { is_terminal_state: true, terminal_outcome: 'REJECT' }),
      state('accept', { is_terminal_state: true, terminal_outcome: 'ACCEPT' })
    ],
    transitions: [
      transition('t-pass', 'start', 'middle', 'pass', 1, 1),
      transition('t-redirect', 'start', 'start', 'redirect', -1, 2),
      transition('t-reject', 'start', 'middle', 'reject', -2, 3),
      transition('t-kick', 'start', 'out', 'kick_out', -1, 0),
      transition('t-finish', 'middle', 'win', 'pass', 1, 0),
      transition('t-loop', 'middle', 'middle', 'pass', 1, 1),
      transition('t-stall', 'middle', 'middle', 'redirect', 0, 2),
      transition('t-lose', 'middle', 'lose', 'pass', 0, 3),
      transition('t-accept', 'middle', 'accept', 'pass', 0, 4)
    ],
    output_variables: [],
    ...overrides
  }
}

function session (overrides: Partial<SessionSnapshot> = {}): SessionSnapshot {
  return { current_state: 'start', score: 0, redirect_count: 0, outcome: null, ...overrides }
}

const noProgress: PlayerProgressSnapshot = { unlocked_machine_keys: [], completed: {} }

function apply (
  m: GraphMachine,
  s: Partial<SessionSnapshot>,
  transitionId: string | null,
  followUp = false,
  links: GraphLink[] = [],
  progress: PlayerProgressSnapshot = noProgress
): TurnDecision {
  return applyEvaluation(m, links, session(s), { transition_id: transitionId, follow_up: followUp }, progress)
}

function link (from: string, to: string, type: GraphLink['condition_type'], value: string | null, auto = false): GraphLink {
  return { from_machine_key: from, to_machine_key: to, condition_type: type, condition_value: value, is_auto_advance: auto }
}

t.test('initialState returns the initial state and throws without one', async (t) => {
  t.equal(initialState(machine()).state_key, 'start')
  const none = machine('scoring', { states: [state('a'), state('b', { is_terminal_state: true })] })
  t.throws(() => initialState(none), /no initial state/)
})

t.test('outgoingTransitions sorts by priority, ties in array order', async (t) => {
  const m = machine('scoring', {
    transitions: [
      transition('c', 'start', 'middle', 'pass', 0, 2),
      transition('a', 'start', 'middle', 'pass', 0, 1),
      transition('other', 'middle', 'win', 'pass', 0, 0),
      transition('b', 'start', 'middle', 'pass', 0, 1),
      transition('z', 'start', 'middle', 'pass', 0, -1)
    ]
  })
  t.strictSame(outgoingTransitions(m, 'start').map((x) => x.transition_id), ['z', 'a', 'b', 'c'])
  t.strictSame(outgoingTransitions(m, 'nowhere'), [])
  t.strictSame(m.transitions.map((x) => x.transition_id), ['c', 'a', 'other', 'b', 'z'], 'does not reorder the machine')
})

t.test('each decision type in each scoring mode', async (t) => {
  const cases: {
    name: string
    mode: ScoringMode
    id: string
    from?: Partial<SessionSnapshot>
    expect: Partial<TurnDecision>
  }[] = [
    {
      name: 'scoring pass moves and adds the delta',
      mode: 'scoring',
      id: 't-pass',
      from: { redirect_count: 2 },
      expect: { decision: 'pass', current_state: 'middle', score: 1, redirect_count: 0, outcome: null, machine_completed: false, state_changed: true }
    },
    {
      name: 'pass_fail pass moves and adds the delta',
      mode: 'pass_fail',
      id: 't-pass',
      expect: { decision: 'pass', current_state: 'middle', score: 1, redirect_count: 0, outcome: null, machine_completed: false, state_changed: true }
    },
    {
      name: 'scoring redirect stays, counts and adds the delta',
      mode: 'scoring',
      id: 't-redirect',
      from: { redirect_count: 2 },
      expect: { decision: 'redirect', current_state: 'start', score: -1, redirect_count: 3, outcome: null, machine_completed: false, state_changed: false }
    },
    {
      name: 'pass_fail redirect stays, counts and adds the delta',
      mode: 'pass_fail',
      id: 't-redirect',
      expect: { decision: 'redirect', current_state: 'start', score: -1, redirect_count: 1, outcome: null, machine_completed: false, state_changed: false }
    },
    {
      name: 'scoring reject adds the penalty and moves on',
      mode: 'scoring',
      id: 't-reject',
      from: { redirect_count: 1 },
      expect: { decision: 'reject', current_state: 'middle', score: -2, redirect_count: 0, outcome: null, machine_completed: false, state_changed: true }
    },
    {
      name: 'pass_fail reject moves and ends REJECT',
      mode: 'pass_fail',
      id: 't-reject',
      expect: { decision: 'reject', current_state: 'middle', score: -2, redirect_count: 0, outcome: 'REJECT', machine_completed: true, state_changed: true }
    },
    {
      name: 'scoring kick_out moves and ends KICK_OUT',
      mode: 'scoring',
      id: 't-kick',
      from: { score: 5 },
      expect: { decision: 'kick_out', current_state: 'out', score: 4, redirect_count: 0, outcome: 'KICK_OUT', machine_completed: true, state_changed: true }
    },
    {
      name: 'pass_fail kick_out moves and ends KICK_OUT',
      mode: 'pass_fail',
      id: 't-kick',
      expect: { decision: 'kick_out', current_state: 'out', score: -1, redirect_count: 0, outcome: 'KICK_OUT', machine_completed: true, state_changed: true }
    }
  ]
  for (const c of cases) {
    const m = machine(c.mode)
    const result = apply(m, c.from ?? {}, c.id)
    t.strictSame(result, {
      follow_up: false,
      transition: m.transitions.find((x) => x.transition_id === c.id),
      unlocked: [],
      ...c.expect
    }, c.name)
  }
})

t.test('scoring thresholds at their edges', async (t) => {
  const cases: { name: string, from: Partial<SessionSnapshot>, id: string, score: number, outcome: string | null }[] = [
    { name: 'terminal exactly at pass_threshold accepts', from: { current_state: 'middle', score: 2 }, id: 't-finish', score: 3, outcome: 'ACCEPT' },
    { name: 'terminal above pass_threshold accepts', from: { current_state: 'middle', score: 9 }, id: 't-finish', score: 10, outcome: 'ACCEPT' },
    { name: 'terminal one below pass_threshold rejects', from: { current_state: 'middle', score: 1 }, id: 't-finish', score: 2, outcome: 'REJECT' },
    { name: 'non-terminal at pass_threshold goes on', from: { current_state: 'middle', score: 2 }, id: 't-loop', score: 3, outcome: null },
    { name: 'redirect exactly to fail_threshold rejects', from: { score: -2 }, id: 't-redirect', score: -3, outcome: 'REJECT' },
    { name: 'redirect one above fail_threshold goes on', from: { score: -1 }, id: 't-redirect', score: -2, outcome: null },
    { name: 'reject exactly to fail_threshold rejects', from: { score: -1 }, id: 't-reject', score: -3, outcome: 'REJECT' },
    { name: 'reject one above fail_threshold goes on', from: { score: 0 }, id: 't-reject', score: -2, outcome: null },
    { name: 'kick_out below fail_threshold still ends KICK_OUT', from: { score: -3 }, id: 't-kick', score: -4, outcome: 'KICK_OUT' },
    { name: 'terminal_outcome REJECT is ignored in scoring mode', from: { current_state: 'middle', score: 3 }, id: 't-lose', score: 3, outcome: 'ACCEPT' },
    { name: 'terminal_outcome ACCEPT is ignored in scoring mode', from: { current_state: 'middle', score: 0 }, id: 't-accept', score: 0, outcome: 'REJECT' }
  ]
  for (const c of cases) {
    const result = apply(machine('scoring'), c.from, c.id)
    t.equal(result.score, c.score, `${c.name}: score`)
    t.equal(result.outcome, c.outcome, `${c.name}: outcome`)
    t.equal(result.machine_completed, c.outcome !== null, `${c.name}: machine_completed`)
  }

  const shifted = machine('scoring', { pass_threshold: 10, fail_threshold: 5 })
  t.equal(apply(shifted, { score: 7 }, 't-reject').outcome, 'REJECT', 'custom fail_threshold 5 hit at 5')
  t.equal(apply(shifted, { current_state: 'middle', score: 8 }, 't-finish').outcome, 'REJECT', 'custom pass_threshold 10 missed at 9')
  t.equal(apply(shifted, { current_state: 'middle', score: 9 }, 't-finish').outcome, 'ACCEPT', 'custom pass_threshold 10 hit at 10')
})

t.test('pass_fail terminal outcomes and no thresholds', async (t) => {
  const m = machine('pass_fail')
  t.equal(apply(m, { current_state: 'middle', score: -10 }, 't-finish').outcome, 'ACCEPT', 'null terminal_outcome defaults to ACCEPT whatever the score')
  t.equal(apply(m, { current_state: 'middle', score: 10 }, 't-lose').outcome, 'REJECT', 'terminal_outcome REJECT')
  t.equal(apply(m, { current_state: 'middle', score: -10 }, 't-accept').outcome, 'ACCEPT', 'terminal_outcome ACCEPT')
  const deep = apply(m, { score: -2 }, 't-redirect')
  t.equal(deep.score, -3)
  t.equal(deep.outcome, null, 'fail_threshold is not used in pass_fail mode')
  t.equal(apply(m, { current_state: 'middle', score: 2 }, 't-loop').outcome, null, 'pass_threshold alone does not end the machine')
})

t.test('follow-up is honoured only with a follow_up_condition', async (t) => {
  const m = machine()
  t.strictSame(apply(m, { score: 2, redirect_count: 1 }, 't-pass', true), {
    decision: null,
    follow_up: true,
    transition: null,
    current_state: 'start',
    score: 2,
    redirect_count: 1,
    outcome: null,
    machine_completed: false,
    state_changed: false,
    unlocked: []
  }, 'honoured: state, score and redirect_count unchanged, the transition is not taken')
  t.strictSame(apply(m, {}, null, true).follow_up, true, 'honoured without a transition id')

  const blank = apply(m, { current_state: 'middle' }, 't-loop', true)
  t.equal(blank.follow_up, false, 'blank follow_up_condition: flag ignored')
  t.equal(blank.decision, 'pass', 'blank follow_up_condition: the transition is applied')
  t.equal(blank.score, 1)

  const nullCondition = machine('scoring', {
    states: machine().states.map((s) => s.state_key === 'middle' ? { ...s, follow_up_condition: null } : s)
  })
  const ignored = apply(nullCondition, { current_state: 'middle' }, null, true)
  t.equal(ignored.follow_up, false, 'null follow_up_condition: flag ignored')
  t.equal(ignored.decision, null, 'and no transition means nothing changes')
})

t.test('no transition: null, unknown and foreign ids change nothing', async (t) => {
  const m = machine()
  const from = { current_state: 'start', score: 2, redirect_count: 1 }
  const expected: TurnDecision = {
    decision: null,
    follow_up: false,
    transition: null,
    current_state: 'start',
    score: 2,
    redirect_count: 1,
    outcome: null,
    machine_completed: false,
    state_changed: false,
    unlocked: []
  }
  t.strictSame(apply(m, from, null), expected, 'null transition_id')
  t.strictSame(apply(m, from, 'does-not-exist'), expected, 'unknown transition_id')
  t.strictSame(apply(m, from, 't-finish'), expected, 'transition of another state')
  t.strictSame(apply(m, { ...from, current_state: 'gone' }, 't-pass'), { ...expected, current_state: 'gone' }, 'current state not in the machine')
})

t.test('a move to a state the machine does not define continues without an outcome instead of throwing', async (t) => {
  // The validator refuses such a graph; the core still only ends a machine on a terminal state it can find.
  for (const mode of ['scoring', 'pass_fail'] as const) {
    const m = machine(mode)
    m.transitions.push(transition('t-astray', 'start', 'nowhere', 'pass', 1))
    t.strictSame(apply(m, { score: 1 }, 't-astray'), {
      decision: 'pass',
      follow_up: false,
      transition: m.transitions[9],
      current_state: 'nowhere',
      score: 2,
      redirect_count: 0,
      outcome: null,
      machine_completed: false,
      state_changed: true,
      unlocked: []
    }, mode)
  }
})

t.test('redirect_count resets only when the state changes', async (t) => {
  const m = machine()
  t.equal(apply(m, { redirect_count: 0 }, 't-redirect').redirect_count, 1, 'first redirect')
  t.equal(apply(m, { redirect_count: 4 }, 't-redirect').redirect_count, 5, 'redirects accumulate')
  t.equal(apply(m, { redirect_count: 4 }, 't-pass').redirect_count, 0, 'pass to another state resets')
  t.equal(apply(m, { redirect_count: 4 }, 't-kick').redirect_count, 0, 'kick_out to another state resets')
  const loop = apply(m, { current_state: 'middle', redirect_count: 2 }, 't-loop')
  t.equal(loop.state_changed, false, 'a pass self-loop does not change state')
  t.equal(loop.redirect_count, 2, 'a pass self-loop keeps the count')
  const stall = apply(m, { current_state: 'middle', redirect_count: 2 }, 't-stall')
  t.equal(stall.redirect_count, 3)
  t.equal(stall.score, 0, 'zero delta redirect')

  const moving = machine('scoring', {
    transitions: [transition('r', 'start', 'middle', 'redirect', 0)]
  })
  const r = apply(moving, { redirect_count: 1 }, 'r')
  t.equal(r.current_state, 'start', 'a redirect ignores its to_state_key')
  t.equal(r.redirect_count, 2)
})

t.test('a session with an outcome throws', async (t) => {
  for (const outcome of ['ACCEPT', 'REJECT', 'KICK_OUT'] as const) {
    t.throws(() => apply(machine(), { outcome }, 't-pass'), /already ended/, outcome)
  }
})

t.test('evaluateLinks per condition type', async (t) => {
  const links = [
    link('main', 'on-accept', 'outcome', 'ACCEPT', true),
    link('main', 'on-reject', 'outcome', 'REJECT'),
    link('main', 'on-kick', 'outcome', 'KICK_OUT'),
    link('main', 'high', 'score_gte', '5'),
    link('main', 'low', 'score_lte', '-2'),
    link('main', 'always', 'always', null),
    link('other', 'elsewhere', 'always', null)
  ]
  const keys = (outcome: 'ACCEPT' | 'REJECT' | 'KICK_OUT', score: number, progress = noProgress): string[] =>
    evaluateLinks('main', links, outcome, score, progress).map((u) => u.machine_key)

  t.strictSame(keys('ACCEPT', 0), ['on-accept', 'always'], 'outcome ACCEPT')
  t.strictSame(keys('REJECT', 0), ['on-reject', 'always'], 'outcome REJECT')
  t.strictSame(keys('KICK_OUT', 0), ['on-kick', 'always'], 'outcome KICK_OUT')
  t.strictSame(keys('ACCEPT', 5), ['on-accept', 'high', 'always'], 'score_gte exactly at the value')
  t.strictSame(keys('ACCEPT', 4), ['on-accept', 'always'], 'score_gte one below')
  t.strictSame(keys('REJECT', -2), ['on-reject', 'low', 'always'], 'score_lte exactly at the value')
  t.strictSame(keys('REJECT', -1), ['on-reject', 'always'], 'score_lte one above')
  t.strictSame(
    keys('ACCEPT', 6, { unlocked_machine_keys: ['on-accept', 'high'], completed: {} }),
    ['always'],
    'already unlocked targets are skipped'
  )
  t.strictSame(evaluateLinks('main', links, 'ACCEPT', 0, noProgress), [
    { machine_key: 'on-accept', is_auto_advance: true },
    { machine_key: 'always', is_auto_advance: false }
  ], 'carries is_auto_advance')
  t.strictSame(evaluateLinks('nobody', links, 'ACCEPT', 0, noProgress), [], 'links of other machines are ignored')
})

t.test('evaluateLinks edge cases', async (t) => {
  t.strictSame(evaluateLinks('main', [
    link('main', 'next', 'score_gte', '1'),
    link('main', 'next', 'always', null, true)
  ], 'ACCEPT', 3, noProgress), [{ machine_key: 'next', is_auto_advance: true }], 'one entry per target, auto-advancing if any matching link does')
  t.strictSame(evaluateLinks('main', [
    link('main', 'next', 'score_gte', '1'),
    link('main', 'next', 'always', null)
  ], 'ACCEPT', 3, noProgress), [{ machine_key: 'next', is_auto_advance: false }], 'and not auto-advancing when none does')
  t.strictSame(evaluateLinks('main', [
    link('main', 'a', 'score_gte', null),
    link('main', 'b', 'score_lte', ''),
    link('main', 'c', 'score_gte', 'lots'),
    link('main', 'd', 'outcome', 'accept'),
    link('main', 'e', 'score_gte', '  '),
    { ...link('main', 'f', 'always', null), condition_type: 'sometimes' as GraphLink['condition_type'] },
    link('main', 'main', 'always', null)
  ], 'ACCEPT', 0, noProgress), [], 'invalid condition values (spaces too, though Number("  ") is 0), unknown condition types and self links never match')
})

t.test('completion unlocks linked machines through applyEvaluation', async (t) => {
  const links = [
    link('main', 'sequel', 'outcome', 'ACCEPT', true),
    link('main', 'consolation', 'outcome', 'REJECT'),
    link('main', 'bonus', 'score_gte', '3')
  ]
  const win = apply(machine(), { current_state: 'middle', score: 2 }, 't-finish', false, links)
  t.equal(win.outcome, 'ACCEPT')
  t.strictSame(win.unlocked, [
    { machine_key: 'sequel', is_auto_advance: true },
    { machine_key: 'bonus', is_auto_advance: false }
  ])

  const again = apply(machine(), { current_state: 'middle', score: 2 }, 't-finish', false, links, {
    unlocked_machine_keys: ['sequel'],
    completed: { main: 'REJECT' }
  })
  t.strictSame(again.unlocked, [{ machine_key: 'bonus', is_auto_advance: false }], 'already unlocked sequel is not repeated')

  const lose = apply(machine(), { score: -2 }, 't-redirect', false, links)
  t.equal(lose.outcome, 'REJECT')
  t.strictSame(lose.unlocked, [{ machine_key: 'consolation', is_auto_advance: false }], 'links fire on a fail_threshold rejection')

  const ongoing = apply(machine(), { score: 5 }, 't-pass', false, links)
  t.strictSame(ongoing.unlocked, [], 'no unlocks before completion')
})

t.test('isMachineAvailable', async (t) => {
  const graph = {
    machines: [
      machine('scoring', { machine_key: 'entry' }),
      machine('scoring', { machine_key: 'linked', is_entry: false }),
      machine('scoring', { machine_key: 'orphan', is_entry: false })
    ],
    machine_links: [link('entry', 'linked', 'always', null)]
  }
  t.equal(isMachineAvailable('entry', graph, noProgress), true, 'entry machine')
  t.equal(isMachineAvailable('linked', graph, noProgress), false, 'linked machine before unlock')
  t.equal(isMachineAvailable('linked', graph, { unlocked_machine_keys: ['linked'], completed: {} }), true, 'linked machine once unlocked')
  t.equal(isMachineAvailable('orphan', graph, noProgress), false, 'non-entry machine no link targets')
  t.equal(isMachineAvailable('missing', graph, { unlocked_machine_keys: ['missing'], completed: {} }), false, 'unknown machine')
})
