// Graph validation: referential checks for save, structural errors and warnings for publish.
import {
  DECISION_TYPES,
  LINK_CONDITION_TYPES,
  OUTCOMES,
  SCORING_MODES,
  TERMINAL_OUTCOMES
} from './graph.ts'
import type { GraphMachine, GraphState, PersonaGraph } from './graph.ts'

/** One finding about a graph: a SCREAMING_SNAKE code, the field path, and a message naming the path. */
export interface Issue {
  code: string
  path: string
  message: string
}

/** The publish validator's answer: publishing is refused while `errors` is non-empty. */
export interface ValidationResult {
  errors: Issue[]
  warnings: Issue[]
}

function issue (code: string, path: string, text: string): Issue {
  return { code, path, message: `${path}: ${text}` }
}

function isBlank (value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === ''
}

/**
 * Referential errors that make a graph unsaveable: duplicate machine / state / variable / output
 * variable keys and transition / machine ids, empty keys, transitions naming unknown states, links
 * naming unknown machines, invalid enum values, non-integer scores and thresholds, terminal_outcome
 * on a non-terminal state, and link condition values that do not fit their condition type.
 * A duplicate is reported at each later occurrence. Issues are in graph order.
 */
export function checkReferences (graph: PersonaGraph): Issue[] {
  const issues: Issue[] = []
  const machineKeys = new Set<string>()
  const machineIds = new Set<string>()
  const transitionIds = new Set<string>()

  graph.machines.forEach((machine, i) => {
    const at = `machines[${i}]`
    if (isBlank(machine.machine_key)) {
      issues.push(issue('EMPTY_KEY', `${at}.machine_key`, 'machine_key must not be empty'))
    } else if (machineKeys.has(machine.machine_key)) {
      issues.push(issue('DUPLICATE_MACHINE_KEY', `${at}.machine_key`, `machine_key "${machine.machine_key}" is used by an earlier machine`))
    }
    machineKeys.add(machine.machine_key)
    if (machine.machine_id !== undefined) {
      if (machineIds.has(machine.machine_id)) {
        issues.push(issue('DUPLICATE_MACHINE_ID', `${at}.machine_id`, `machine_id "${machine.machine_id}" is used by an earlier machine`))
      }
      machineIds.add(machine.machine_id)
    }
    if (!SCORING_MODES.includes(machine.scoring_mode)) {
      issues.push(issue('INVALID_ENUM', `${at}.scoring_mode`, `scoring_mode must be one of ${SCORING_MODES.join(', ')}`))
    }
    for (const field of ['pass_threshold', 'fail_threshold'] as const) {
      if (!Number.isInteger(machine[field])) {
        issues.push(issue('NOT_INTEGER', `${at}.${field}`, `${field} must be an integer`))
      }
    }

    const stateKeys = new Set<string>()
    machine.states.forEach((state, j) => {
      const sat = `${at}.states[${j}]`
      if (isBlank(state.state_key)) {
        issues.push(issue('EMPTY_KEY', `${sat}.state_key`, 'state_key must not be empty'))
      } else if (stateKeys.has(state.state_key)) {
        issues.push(issue('DUPLICATE_STATE_KEY', `${sat}.state_key`, `state_key "${state.state_key}" is used by an earlier state of this machine`))
      }
      stateKeys.add(state.state_key)
      if (state.terminal_outcome !== null) {
        if (!TERMINAL_OUTCOMES.includes(state.terminal_outcome)) {
          issues.push(issue('INVALID_ENUM', `${sat}.terminal_outcome`, `terminal_outcome must be one of ${TERMINAL_OUTCOMES.join(', ')} or null`))
        } else if (!state.is_terminal_state) {
          issues.push(issue('TERMINAL_OUTCOME_ON_NON_TERMINAL', `${sat}.terminal_outcome`, `state "${state.state_key}" is not terminal, so it cannot have a terminal_outcome`))
        }
      }
    })

    machine.transitions.forEach((transition, k) => {
      const tat = `${at}.transitions[${k}]`
      if (transition.transition_id !== undefined) {
        if (transitionIds.has(transition.transition_id)) {
          issues.push(issue('DUPLICATE_TRANSITION_ID', `${tat}.transition_id`, `transition_id "${transition.transition_id}" is used by an earlier transition`))
        }
        transitionIds.add(transition.transition_id)
      }
      for (const field of ['from_state_key', 'to_state_key'] as const) {
        if (!stateKeys.has(transition[field])) {
          issues.push(issue('UNKNOWN_STATE', `${tat}.${field}`, `no state "${transition[field]}" in machine "${machine.machine_key}"`))
        }
      }
      if (!DECISION_TYPES.includes(transition.decision_type)) {
        issues.push(issue('INVALID_ENUM', `${tat}.decision_type`, `decision_type must be one of ${DECISION_TYPES.join(', ')}`))
      }
      for (const field of ['score_delta', 'priority'] as const) {
        if (!Number.isInteger(transition[field])) {
          issues.push(issue('NOT_INTEGER', `${tat}.${field}`, `${field} must be an integer`))
        }
      }
    })

    const outputKeys = new Set<string>()
    machine.output_variables.forEach((variable, o) => {
      const path = `${at}.output_variables[${o}].key`
      if (isBlank(variable.key)) {
        issues.push(issue('EMPTY_KEY', path, 'key must not be empty'))
      } else if (outputKeys.has(variable.key)) {
        issues.push(issue('DUPLICATE_OUTPUT_VARIABLE_KEY', path, `output variable "${variable.key}" is defined earlier in this machine`))
      }
      outputKeys.add(variable.key)
    })
  })

  graph.machine_links.forEach((link, l) => {
    const at = `machine_links[${l}]`
    for (const field of ['from_machine_key', 'to_machine_key'] as const) {
      if (!machineKeys.has(link[field])) {
        issues.push(issue('UNKNOWN_MACHINE', `${at}.${field}`, `no machine "${link[field]}"`))
      }
    }
    if (!LINK_CONDITION_TYPES.includes(link.condition_type)) {
      issues.push(issue('INVALID_ENUM', `${at}.condition_type`, `condition_type must be one of ${LINK_CONDITION_TYPES.join(', ')}`))
    } else if (link.condition_type === 'outcome') {
      if (!OUTCOMES.includes(link.condition_value as never)) {
        issues.push(issue('INVALID_LINK_CONDITION', `${at}.condition_value`, `an outcome link needs condition_value ${OUTCOMES.join(', ')}`))
      }
    } else if (link.condition_type !== 'always') {
      const value = link.condition_value
      if (value === null || value.trim() === '' || !Number.isFinite(Number(value))) {
        issues.push(issue('INVALID_LINK_CONDITION', `${at}.condition_value`, `a ${link.condition_type} link needs a numeric condition_value`))
      }
    }
  })

  const variableKeys = new Set<string>()
  graph.variables.forEach((variable, v) => {
    const path = `variables[${v}].key`
    if (isBlank(variable.key)) {
      issues.push(issue('EMPTY_KEY', path, 'key must not be empty'))
    } else if (variableKeys.has(variable.key)) {
      issues.push(issue('DUPLICATE_VARIABLE_KEY', path, `variable "${variable.key}" is defined earlier`))
    }
    variableKeys.add(variable.key)
  })

  return issues
}

/**
 * The publish validator. Errors (publish refused): every referential issue of checkReferences; per
 * machine no or several initial states, an initial state that is terminal, no terminal state,
 * states unreachable from the initial state, dead ends (non-terminal states without outgoing
 * transitions), transitions out of terminal states, pass_threshold not above fail_threshold in
 * scoring mode; for the graph no entry machine, machines no link chain from an entry machine reaches
 * (UNREACHABLE_MACHINE), and machines reachable only through a link cycle no entry machine leads
 * into (UNANCHORED_LINK_CYCLE).
 * Warnings: a winning outcome no path can produce (scoring: best score at a terminal state below
 * pass_threshold; pass_fail: no ACCEPT terminal reachable through pass transitions), a state whose
 * only ways out are redirects, a redirect whose to_state_key is not its own state (ignored), empty
 * transition conditions, empty instructions on non-terminal states, an empty chat_system_prompt,
 * and terminal_outcome set in scoring mode (ignored).
 * Both lists are ordered by path: graph-level, then each machine (its own fields, states,
 * transitions, output variables), then links, then variables.
 */
export function validateGraph (graph: PersonaGraph): ValidationResult {
  const errors: Issue[] = [...checkReferences(graph)]
  const warnings: Issue[] = []

  graph.machines.forEach((machine, i) => {
    checkMachine(machine, `machines[${i}]`, errors, warnings)
  })
  checkMachineReachability(graph, errors)

  return { errors: sortIssues(errors), warnings: sortIssues(warnings) }
}

function checkMachine (machine: GraphMachine, at: string, errors: Issue[], warnings: Issue[]): void {
  const { states, transitions } = machine
  const stateIndex = new Map<string, number>()
  states.forEach((s, j) => { if (!stateIndex.has(s.state_key)) stateIndex.set(s.state_key, j) })
  const stateOf = (key: string): GraphState | undefined => {
    const j = stateIndex.get(key)
    return j === undefined ? undefined : states[j]
  }

  const initials = states.filter((s) => s.is_initial_state)
  if (initials.length === 0) {
    errors.push(issue('NO_INITIAL_STATE', `${at}.states`, `machine "${machine.machine_key}" has no initial state`))
  } else if (initials.length > 1) {
    errors.push(issue('MULTIPLE_INITIAL_STATES', `${at}.states`, `machine "${machine.machine_key}" has ${initials.length} initial states (${initials.map((s) => s.state_key).join(', ')}); exactly one is needed`))
  }
  if (!states.some((s) => s.is_terminal_state)) {
    errors.push(issue('NO_TERMINAL_STATE', `${at}.states`, `machine "${machine.machine_key}" has no terminal state`))
  }
  if (machine.scoring_mode === 'scoring' && machine.pass_threshold <= machine.fail_threshold) {
    errors.push(issue('THRESHOLDS_INVERTED', `${at}.pass_threshold`, `pass_threshold (${machine.pass_threshold}) must be above fail_threshold (${machine.fail_threshold})`))
  }
  if (isBlank(machine.chat_system_prompt)) {
    warnings.push(issue('EMPTY_PROMPT', `${at}.chat_system_prompt`, `machine "${machine.machine_key}" has no chat system prompt`))
  }

  // Transitions that move the session: redirect keeps the state whatever its to_state_key says.
  const moves = transitions.filter((t) => t.decision_type !== 'redirect')
  const reachable = reachableStates(initials.map((s) => s.state_key), moves)

  states.forEach((state, j) => {
    const sat = `${at}.states[${j}]`
    if (stateIndex.get(state.state_key) !== j) return // duplicate key, already an error
    const outgoing = transitions.filter((t) => t.from_state_key === state.state_key)
    if (state.is_initial_state && state.is_terminal_state) {
      errors.push(issue('INITIAL_STATE_TERMINAL', sat, `initial state "${state.state_key}" is terminal, so the conversation can never complete`))
    }
    if (initials.length > 0 && !reachable.has(state.state_key)) {
      errors.push(issue('UNREACHABLE_STATE', sat, `state "${state.state_key}" cannot be reached from the initial state`))
    }
    if (!state.is_terminal_state) {
      if (outgoing.length === 0) {
        errors.push(issue('DEAD_END_STATE', sat, `non-terminal state "${state.state_key}" has no outgoing transition`))
      } else if (outgoing.every((t) => t.decision_type === 'redirect')) {
        warnings.push(issue('NO_EXIT_TRANSITION', sat, `state "${state.state_key}" has only redirect transitions, so the conversation can never leave it`))
      }
      if (isBlank(state.prompt_instruction)) {
        warnings.push(issue('EMPTY_INSTRUCTION', `${sat}.prompt_instruction`, `state "${state.state_key}" has no prompt instruction`))
      }
    } else if (machine.scoring_mode === 'scoring' && state.terminal_outcome !== null) {
      warnings.push(issue('TERMINAL_OUTCOME_IGNORED', `${sat}.terminal_outcome`, 'terminal_outcome is ignored in scoring mode: the score decides the outcome'))
    }
  })

  transitions.forEach((transition, k) => {
    const tat = `${at}.transitions[${k}]`
    if (stateOf(transition.from_state_key)?.is_terminal_state === true) {
      errors.push(issue('TRANSITION_FROM_TERMINAL', `${tat}.from_state_key`, `state "${transition.from_state_key}" is terminal and cannot have outgoing transitions`))
    }
    if (transition.decision_type === 'redirect' && transition.to_state_key !== transition.from_state_key) {
      warnings.push(issue('REDIRECT_TARGET_IGNORED', `${tat}.to_state_key`, `a redirect keeps the state "${transition.from_state_key}"; to_state_key "${transition.to_state_key}" is ignored`))
    }
    if (isBlank(transition.condition)) {
      warnings.push(issue('EMPTY_CONDITION', `${tat}.condition`, 'the evaluator has no condition to judge this transition by'))
    }
  })

  if (initials.length !== 1) return
  const initialKey = initials[0].state_key
  if (machine.scoring_mode === 'scoring') {
    const best = bestTerminalScore(machine, initialKey)
    if (best !== null && best < machine.pass_threshold) {
      warnings.push(issue('PASS_THRESHOLD_UNREACHABLE', `${at}.pass_threshold`, `the best score any path reaches at a terminal state is ${best}, below pass_threshold ${machine.pass_threshold}, so the machine can never be won`))
    }
  } else {
    // In pass_fail mode reject and kick_out end the machine at once, so only pass transitions lead on.
    const viaPass = reachableStates([initialKey], transitions.filter((t) => t.decision_type === 'pass'))
    const canWin = states.some((s) => s.is_terminal_state && s.terminal_outcome !== 'REJECT' && viaPass.has(s.state_key))
    if (states.some((s) => s.is_terminal_state) && !canWin) {
      warnings.push(issue('ACCEPT_UNREACHABLE', `${at}.states`, 'no terminal state with outcome ACCEPT can be reached through pass transitions, so the machine can never be won'))
    }
  }
}

function reachableStates (roots: string[], moves: { from_state_key: string, to_state_key: string }[]): Set<string> {
  const seen = new Set(roots)
  const queue = [...roots]
  while (queue.length > 0) {
    const key = queue.shift() as string
    for (const t of moves) {
      if (t.from_state_key === key && !seen.has(t.to_state_key)) {
        seen.add(t.to_state_key)
        queue.push(t.to_state_key)
      }
    }
  }
  return seen
}

/**
 * Highest score with which a terminal state can be reached from the initial state (score starts at
 * 0), following pass/reject moves and repeatable redirects; Infinity when a score-increasing cycle
 * feeds a terminal state; null when no terminal state is reachable. Kick-outs are left out (they end
 * KICK_OUT), and so is the fail_threshold cut-off: this is an optimistic bound.
 */
function bestTerminalScore (machine: GraphMachine, initialKey: string): number | null {
  const terminal = new Set(machine.states.filter((s) => s.is_terminal_state).map((s) => s.state_key))
  const edges = machine.transitions
    .filter((t) => t.decision_type !== 'kick_out' && !terminal.has(t.from_state_key))
    .map((t) => ({
      from: t.from_state_key,
      to: t.decision_type === 'redirect' ? t.from_state_key : t.to_state_key,
      delta: t.score_delta
    }))
  const best = new Map<string, number>([[initialKey, 0]])
  const improves = (e: { from: string, to: string, delta: number }): boolean => {
    const from = best.get(e.from)
    return from !== undefined && from + e.delta > (best.get(e.to) ?? -Infinity)
  }
  // Bellman–Ford for the longest path: |V| rounds settle every simple path.
  for (let round = 0; round < machine.states.length; round++) {
    let changed = false
    for (const e of edges) {
      if (improves(e)) {
        best.set(e.to, (best.get(e.from) as number) + e.delta)
        changed = true
      }
    }
    if (!changed) break
  }
  // An edge that still improves lies on a score-increasing cycle: all it leads to is unbounded.
  const unbounded = reachableStates(
    edges.filter(improves).map((e) => e.to),
    edges.map((e) => ({ from_state_key: e.from, to_state_key: e.to }))
  )
  for (const key of unbounded) best.set(key, Infinity)
  let result: number | null = null
  for (const key of terminal) {
    const score = best.get(key)
    if (score !== undefined && (result === null || score > result)) result = score
  }
  return result
}

function checkMachineReachability (graph: PersonaGraph, errors: Issue[]): void {
  const { machines } = graph
  if (!machines.some((m) => m.is_entry)) {
    errors.push(issue('NO_ENTRY_MACHINE', 'machines', machines.length === 0
      ? 'the persona has no machine'
      : 'no machine is marked is_entry, so no conversation can start'))
    return
  }
  const keys = new Set(machines.map((m) => m.machine_key))
  const links = graph.machine_links.filter((l) => keys.has(l.from_machine_key) && keys.has(l.to_machine_key))
  const follow = (roots: string[]): Set<string> => reachableStates(
    roots,
    links.map((l) => ({ from_state_key: l.from_machine_key, to_state_key: l.to_machine_key }))
  )

  const reached = follow(machines.filter((m) => m.is_entry).map((m) => m.machine_key))
  const unreached = machines.filter((m) => !reached.has(m.machine_key)).map((m) => m.machine_key)
  const linkedInto = new Set(links.map((l) => l.to_machine_key))
  // Unreached machines no link leads into start every dead chain; whatever they lead to is dead too.
  const fromOrphans = follow(unreached.filter((key) => !linkedInto.has(key)))

  machines.forEach((machine, i) => {
    const key = machine.machine_key
    if (reached.has(key)) return
    const at = `machines[${i}]`
    if (!linkedInto.has(key)) {
      errors.push(issue('UNREACHABLE_MACHINE', at, `machine "${key}" is not an entry machine and no link leads to it`))
    } else if (fromOrphans.has(key)) {
      errors.push(issue('UNREACHABLE_MACHINE', at, `machine "${key}" is only linked from machines no entry machine leads to`))
    } else {
      errors.push(issue('UNANCHORED_LINK_CYCLE', at, `machine "${key}" is only reachable through a cycle of links that no entry machine leads into`))
    }
  })
}

const SECTIONS: Record<string, number> = { states: 1, transitions: 2, output_variables: 3 }
const TOP_LEVEL: Record<string, number> = { machines: 0, machine_links: 1, variables: 2 }

/** Sort key of a path: graph-level first, then machines, links, variables; inside a machine its own fields, states, transitions, output variables. */
function pathKey (path: string): number[] {
  const match = /^(machines|machine_links|variables)(?:\[(\d+)\](?:\.(states|transitions|output_variables)(?:\[(\d+)\])?)?)?/.exec(path)
  if (match === null) return [-1]
  const [, top, index, section, subIndex] = match
  if (index === undefined) return [-1]
  return [
    TOP_LEVEL[top],
    Number(index),
    section === undefined ? 0 : SECTIONS[section],
    subIndex === undefined ? -1 : Number(subIndex)
  ]
}

function sortIssues (issues: Issue[]): Issue[] {
  const keyed = issues.map((item) => ({ item, key: pathKey(item.path) }))
  // Stable sort: issues at the same position keep the order the checks produced them in.
  keyed.sort((a, b) => {
    for (let n = 0; n < Math.max(a.key.length, b.key.length); n++) {
      const diff = (a.key[n] ?? -1) - (b.key[n] ?? -1)
      if (diff !== 0) return diff
    }
    return 0
  })
  return keyed.map((k) => k.item)
}
