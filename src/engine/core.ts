// The pure decision core of a turn: applies an evaluation to a session, decides completion and unlocks (SPEC §6 steps 2–3).
import type {
  DecisionType,
  GraphLink,
  GraphMachine,
  GraphState,
  GraphTransition,
  Outcome
} from './graph.ts'

/** The parts of a session the decision core reads. */
export interface SessionSnapshot {
  current_state: string
  score: number
  redirect_count: number
  outcome: Outcome | null
}

/** The evaluator's validated answer for one turn. */
export interface Evaluation {
  transition_id: string | null
  follow_up: boolean
}

/** The parts of a player's progress the decision core reads. */
export interface PlayerProgressSnapshot {
  unlocked_machine_keys: string[]
  /** machine_key → outcome of the completed machine. */
  completed: Record<string, Outcome>
}

/** A machine unlocked by a link. */
export interface UnlockedMachine {
  machine_key: string
  is_auto_advance: boolean
}

/** Everything a turn changes, decided without I/O. */
export interface TurnDecision {
  /** Decision type of the transition taken; null on follow-up or when no transition applies. */
  decision: DecisionType | null
  follow_up: boolean
  transition: GraphTransition | null
  current_state: string
  score: number
  redirect_count: number
  outcome: Outcome | null
  machine_completed: boolean
  state_changed: boolean
  /** Machines newly unlocked by this machine's completion, in link order. */
  unlocked: UnlockedMachine[]
}

/**
 * The initial state of a machine (the first one flagged initial, in array order).
 * Throws when the machine has none: callers run unpublished graphs through the validator first.
 */
export function initialState (machine: GraphMachine): GraphState {
  const state = machine.states.find((s) => s.is_initial_state)
  if (state === undefined) {
    throw new Error(`machine "${machine.machine_key}" has no initial state`)
  }
  return state
}

/** Transitions leaving `stateKey`, sorted by priority ascending, ties kept in array order. */
export function outgoingTransitions (machine: GraphMachine, stateKey: string): GraphTransition[] {
  // Array.prototype.sort is stable, so equal priorities keep their authored order.
  return machine.transitions
    .filter((t) => t.from_state_key === stateKey)
    .sort((a, b) => a.priority - b.priority)
}

/**
 * Whether a player may start (or continue) a machine.
 * Entry machines always are; any other machine only once a link has unlocked it for this player.
 * A non-entry machine that no link targets is therefore never available: nothing can start it.
 * An unknown machine key is not available.
 */
export function isMachineAvailable (
  machineKey: string,
  graph: { machines: GraphMachine[], machine_links: GraphLink[] },
  progress: PlayerProgressSnapshot
): boolean {
  const machine = graph.machines.find((m) => m.machine_key === machineKey)
  if (machine === undefined) return false
  if (machine.is_entry) return true
  return progress.unlocked_machine_keys.includes(machineKey)
}

/**
 * Machines newly unlocked when `fromMachineKey` completes with `outcome` and final `score`.
 * `outcome` links match when condition_value equals the outcome; `score_gte` / `score_lte` compare
 * the score with Number(condition_value) (a non-numeric value never matches); `always` always matches.
 * Targets already unlocked, the machine itself, and repeated targets are skipped; when several matching
 * links lead to one target it auto-advances if any of them does. Result is in link order.
 */
export function evaluateLinks (
  fromMachineKey: string,
  links: GraphLink[],
  outcome: Outcome,
  score: number,
  progress: PlayerProgressSnapshot
): UnlockedMachine[] {
  const unlocked: UnlockedMachine[] = []
  for (const link of links) {
    if (link.from_machine_key !== fromMachineKey) continue
    if (link.to_machine_key === fromMachineKey) continue
    if (progress.unlocked_machine_keys.includes(link.to_machine_key)) continue
    if (!linkMatches(link, outcome, score)) continue
    const seen = unlocked.find((u) => u.machine_key === link.to_machine_key)
    if (seen !== undefined) {
      seen.is_auto_advance = seen.is_auto_advance || link.is_auto_advance
      continue
    }
    unlocked.push({ machine_key: link.to_machine_key, is_auto_advance: link.is_auto_advance })
  }
  return unlocked
}

function linkMatches (link: GraphLink, outcome: Outcome, score: number): boolean {
  switch (link.condition_type) {
    case 'always':
      return true
    case 'outcome':
      return link.condition_value === outcome
    case 'score_gte':
      return score >= numericCondition(link.condition_value)
    case 'score_lte':
      return score <= numericCondition(link.condition_value)
    default:
      return false
  }
}

function numericCondition (value: string | null): number {
  // Number('') and Number('  ') are 0; treat blank as invalid so it never matches.
  if (value === null || value.trim() === '') return Number.NaN
  return Number(value)
}

/**
 * Applies the evaluator's answer to a session (SPEC §6 steps 2 and 3).
 * - follow-up (honoured only when the current state has a non-empty follow_up_condition, and then
 *   taking precedence over transition_id): nothing changes except `follow_up: true`;
 * - a null, unknown, or foreign transition_id (not leaving the current state): nothing changes;
 * - pass moves; redirect stays and counts; reject moves (and ends REJECT in pass_fail mode);
 *   kick_out moves and ends KICK_OUT; every decision adds its score_delta;
 * - redirect_count returns to 0 whenever the state actually changes (a self-loop keeps it);
 * - completion: KICK_OUT / pass_fail REJECT first, then (scoring) score ≤ fail_threshold → REJECT,
 *   then reaching a terminal state → ACCEPT when score ≥ pass_threshold else REJECT (scoring), or the
 *   state's terminal_outcome, ACCEPT when null (pass_fail). Links are evaluated on completion.
 * Throws when the session already has an outcome: callers answer 400 before getting here.
 */
export function applyEvaluation (
  machine: GraphMachine,
  links: GraphLink[],
  session: SessionSnapshot,
  evaluation: Evaluation,
  progress: PlayerProgressSnapshot
): TurnDecision {
  if (session.outcome !== null) {
    throw new Error(`session already ended with ${session.outcome}; start a new session`)
  }

  const unchanged: TurnDecision = {
    decision: null,
    follow_up: false,
    transition: null,
    current_state: session.current_state,
    score: session.score,
    redirect_count: session.redirect_count,
    outcome: null,
    machine_completed: false,
    state_changed: false,
    unlocked: []
  }

  const state = machine.states.find((s) => s.state_key === session.current_state)
  const followUpCondition = state?.follow_up_condition?.trim() ?? ''
  if (evaluation.follow_up && followUpCondition !== '') {
    return { ...unchanged, follow_up: true }
  }

  const transition = evaluation.transition_id === null
    ? undefined
    : outgoingTransitions(machine, session.current_state)
      .find((t) => t.transition_id === evaluation.transition_id)
  if (transition === undefined) return unchanged

  const decision = transition.decision_type
  const score = session.score + transition.score_delta
  const nextState = decision === 'redirect' ? session.current_state : transition.to_state_key
  const stateChanged = nextState !== session.current_state
  const redirectCount = decision === 'redirect'
    ? session.redirect_count + 1
    : stateChanged ? 0 : session.redirect_count

  const outcome = decideOutcome(machine, decision, nextState, score)
  const unlocked = outcome === null
    ? []
    : evaluateLinks(machine.machine_key, links, outcome, score, progress)

  return {
    decision,
    follow_up: false,
    transition,
    current_state: nextState,
    score,
    redirect_count: redirectCount,
    outcome,
    machine_completed: outcome !== null,
    state_changed: stateChanged,
    unlocked
  }
}

function decideOutcome (machine: GraphMachine, decision: DecisionType, stateKey: string, score: number): Outcome | null {
  if (decision === 'kick_out') return 'KICK_OUT'
  const state = machine.states.find((s) => s.state_key === stateKey)
  if (machine.scoring_mode === 'pass_fail') {
    if (decision === 'reject') return 'REJECT'
    if (state?.is_terminal_state === true) return state.terminal_outcome ?? 'ACCEPT'
    return null
  }
  if (score <= machine.fail_threshold) return 'REJECT'
  if (state?.is_terminal_state === true) return score >= machine.pass_threshold ? 'ACCEPT' : 'REJECT'
  return null
}
