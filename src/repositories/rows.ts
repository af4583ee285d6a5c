// Row ↔ contract mapping shared by the SQLite and PostgreSQL repositories (both schemas have the same row types).
import { randomUUID } from 'node:crypto'
import type { machineLinks, machineOutputVariables, machines, messages, personas, personaVariables, playerProgress, sessions, states, transitions, users } from '../../db/schema.ts'
import type { Outcome, PersonaGraph } from '../engine/graph.ts'
import type { TurnTrace } from '../engine/chat-types.ts'
import { isUuid, type LoadedGraph, type NewMessage, type PersonaView, type ProgressRecord, type SessionKey, type SessionRecord, type StoredMachine, type StoredMessage, type UserView } from './contract.ts'

export type UserRow = typeof users.$inferSelect
export type PersonaRow = typeof personas.$inferSelect
export type SessionRow = typeof sessions.$inferSelect
export type MessageRow = typeof messages.$inferSelect
export type ProgressRow = typeof playerProgress.$inferSelect

export function userView (row: UserRow): UserView {
  return { id: row.id, email: row.email, display_name: row.displayName, role: row.role, disabled: row.disabled, created_at: row.createdAt }
}

export function personaView (row: PersonaRow): PersonaView {
  return {
    id: row.id,
    owner_id: row.ownerId,
    name: row.name,
    description: row.description,
    persona_identity_prompt: row.personaIdentityPrompt,
    perplexity_description: row.perplexityDescription,
    is_published: row.isPublished,
    created_at: row.createdAt,
    updated_at: row.updatedAt
  }
}

export function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** A timestamp strictly after `previous`, so updated_at changes on every save even within one millisecond. */
export function nextTimestamp (previous: string | null): string {
  const now = Date.now()
  const prev = previous === null ? Number.NEGATIVE_INFINITY : Date.parse(previous)
  return new Date(now > prev ? now : prev + 1).toISOString()
}

export function parseJson<T> (text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

export function sessionRecord (row: SessionRow): SessionRecord {
  return {
    session_id: row.id,
    persona_id: row.personaId,
    machine_id: row.machineId,
    current_state: row.currentState,
    score: row.score,
    outcome: row.outcome,
    player_name: row.playerName,
    player_gender: row.playerGender,
    started_at: row.startedAt,
    last_message_at: row.lastMessageAt,
    scope: row.scope,
    user_session_id: row.userSessionId,
    redirect_count: row.redirectCount,
    summary: row.summary,
    summarized_count: row.summarizedCount,
    message_count: row.messageCount,
    extraction_pending: row.extractionPending
  }
}

export function storedMessage (row: MessageRow): StoredMessage {
  return {
    id: row.id,
    seq: row.seq,
    role: row.role,
    content: row.content,
    state_key_at_time: row.stateKeyAtTime,
    score_at_time: row.scoreAtTime,
    decision: row.decision,
    follow_up_triggered: row.followUpTriggered,
    created_at: row.createdAt,
    trace: parseJson<TurnTrace | null>(row.trace, null)
  }
}

export function progressRecord (row: ProgressRow | undefined): ProgressRecord {
  if (row === undefined) return { unlocked_machine_keys: [], completed: {}, variables: {}, memory_summary: '' }
  return {
    unlocked_machine_keys: parseJson<string[]>(row.unlockedMachines, []),
    completed: parseJson<Record<string, Outcome>>(row.completedMachines, {}),
    variables: parseJson<Record<string, string>>(row.variables, {}),
    memory_summary: row.memorySummary
  }
}

/** The stored columns of a progress record (JSON text), stamped now. */
export function progressValues (progress: ProgressRecord) {
  return {
    unlockedMachines: JSON.stringify(progress.unlocked_machine_keys),
    completedMachines: JSON.stringify(progress.completed),
    variables: JSON.stringify(progress.variables),
    memorySummary: progress.memory_summary,
    updatedAt: new Date().toISOString()
  }
}

/** Progress of `from` merged into `theirs`: unlocks united, `mine` wins on outcomes and variables, memories joined. */
export function mergeProgress (theirs: ProgressRecord, mine: ProgressRecord): ProgressRecord {
  return {
    unlocked_machine_keys: [...new Set([...theirs.unlocked_machine_keys, ...mine.unlocked_machine_keys])],
    completed: { ...theirs.completed, ...mine.completed },
    variables: { ...theirs.variables, ...mine.variables },
    memory_summary: [theirs.memory_summary, mine.memory_summary].filter((m) => m !== '').join('\n\n')
  }
}

/** The row of a new session of `key` with its greeting as message 1. */
export function newSessionRow (id: string, key: SessionKey, init: { playerName: string, playerGender: SessionRecord['player_gender'], initialState: string }, now: string): typeof sessions.$inferInsert {
  return {
    id,
    scope: key.scope,
    personaId: key.personaId,
    machineId: key.machineId,
    userSessionId: key.userSessionId,
    playerName: init.playerName,
    playerGender: init.playerGender,
    currentState: init.initialState,
    score: 0,
    outcome: null,
    redirectCount: 0,
    summary: '',
    summarizedCount: 0,
    messageCount: 1,
    startedAt: now,
    lastMessageAt: now
  }
}

export function messageRow (sessionId: string, seq: number, m: NewMessage, at: string): typeof messages.$inferInsert {
  return {
    id: randomUUID(),
    sessionId,
    seq,
    role: m.role,
    content: m.content,
    stateKeyAtTime: m.state_key_at_time,
    scoreAtTime: m.score_at_time,
    decision: m.decision,
    followUpTriggered: m.follow_up_triggered,
    trace: m.trace === null ? null : JSON.stringify(m.trace),
    createdAt: at
  }
}

export interface GraphRows {
  machines: Array<typeof machines.$inferSelect>
  states: Array<typeof states.$inferSelect>
  transitions: Array<typeof transitions.$inferSelect>
  outputs: Array<typeof machineOutputVariables.$inferSelect>
  links: Array<typeof machineLinks.$inferSelect>
  variables: Array<typeof personaVariables.$inferSelect>
}

/** A persona and its graph from its rows (machines, states… each in stored order). */
export function assembleGraph (row: PersonaRow, rows: GraphRows): LoadedGraph {
  const built = new Map<string, StoredMachine>()
  const list: StoredMachine[] = rows.machines.map((m) => {
    const machine: StoredMachine = {
      machine_id: m.id,
      machine_key: m.machineKey,
      name: m.name,
      description: m.description,
      creator_objective: m.creatorObjective,
      creator_win_condition: m.creatorWinCondition,
      creator_lose_condition: m.creatorLoseCondition,
      chat_system_prompt: m.chatSystemPrompt,
      system_evaluation_prompt: m.systemEvaluationPrompt,
      system_summarization_prompt: m.systemSummarizationPrompt,
      scoring_mode: m.scoringMode,
      pass_threshold: m.passThreshold,
      fail_threshold: m.failThreshold,
      is_entry: m.isEntry,
      display_order: m.displayOrder,
      states: [],
      transitions: [],
      output_variables: []
    }
    built.set(m.id, machine)
    return machine
  })
  for (const s of rows.states) {
    built.get(s.machineId)?.states.push({
      state_key: s.stateKey,
      label: s.label,
      prompt_instruction: s.promptInstruction,
      is_initial_state: s.isInitialState,
      is_terminal_state: s.isTerminalState,
      terminal_outcome: s.terminalOutcome,
      follow_up_condition: s.followUpCondition,
      display_order: s.displayOrder
    })
  }
  for (const t of rows.transitions) {
    built.get(t.machineId)?.transitions.push({
      transition_id: t.id,
      from_state_key: t.fromStateKey,
      to_state_key: t.toStateKey,
      decision_type: t.decisionType,
      condition: t.condition,
      score_delta: t.scoreDelta,
      priority: t.priority
    })
  }
  for (const o of rows.outputs) built.get(o.machineId)?.output_variables.push({ key: o.key, extraction_prompt: o.extractionPrompt })
  return {
    persona: personaView(row),
    graph: {
      machines: list,
      machine_links: rows.links.map((l) => ({
        from_machine_key: l.fromMachineKey,
        to_machine_key: l.toMachineKey,
        condition_type: l.conditionType,
        condition_value: l.conditionValue,
        is_auto_advance: l.isAutoAdvance
      })),
      variables: rows.variables.map((v) => ({ key: v.key, description: v.description, default_value: v.defaultValue }))
    }
  }
}

/** The machine columns of a graph machine (everything but ids and the persona). */
export function machineFields (m: PersonaGraph['machines'][number]) {
  return {
    name: m.name,
    description: m.description,
    creatorObjective: m.creator_objective,
    creatorWinCondition: m.creator_win_condition,
    creatorLoseCondition: m.creator_lose_condition,
    chatSystemPrompt: m.chat_system_prompt,
    systemEvaluationPrompt: m.system_evaluation_prompt,
    systemSummarizationPrompt: m.system_summarization_prompt,
    scoringMode: m.scoring_mode,
    passThreshold: m.pass_threshold,
    failThreshold: m.fail_threshold,
    isEntry: m.is_entry,
    displayOrder: m.display_order
  }
}

/** The child rows of one machine; `transitionId` picks each transition's id (kept when free, else new). */
export function machineChildRows (m: PersonaGraph['machines'][number], machineId: string, transitionId: (wanted: string | undefined) => string) {
  return {
    states: m.states.map((s, position) => ({
      machineId,
      stateKey: s.state_key,
      position,
      label: s.label,
      promptInstruction: s.prompt_instruction,
      isInitialState: s.is_initial_state,
      isTerminalState: s.is_terminal_state,
      terminalOutcome: s.terminal_outcome,
      followUpCondition: s.follow_up_condition,
      displayOrder: s.display_order
    })),
    transitions: m.transitions.map((t, position) => ({
      id: transitionId(t.transition_id),
      machineId,
      position,
      fromStateKey: t.from_state_key,
      toStateKey: t.to_state_key,
      decisionType: t.decision_type,
      condition: t.condition,
      scoreDelta: t.score_delta,
      priority: t.priority
    })),
    outputs: m.output_variables.map((o, position) => ({ machineId, position, key: o.key, extractionPrompt: o.extraction_prompt }))
  }
}

/** The persona-level rows of a graph: links and variables. */
export function personaChildRows (graph: PersonaGraph, personaId: string) {
  return {
    links: graph.machine_links.map((l, position) => ({
      personaId,
      position,
      fromMachineKey: l.from_machine_key,
      toMachineKey: l.to_machine_key,
      conditionType: l.condition_type,
      conditionValue: l.condition_value,
      isAutoAdvance: l.is_auto_advance
    })),
    variables: graph.variables.map((v, position) => ({ personaId, position, key: v.key, description: v.description, defaultValue: v.default_value }))
  }
}

/** Picks transition ids: a given UUID not `taken` (by another persona) and not used twice is kept, else a new one. */
export function transitionIdPicker (taken: Set<string>): (wanted: string | undefined) => string {
  const used = new Set<string>()
  return (wanted) => {
    const chosen = isUuid(wanted) && !taken.has(wanted) && !used.has(wanted) ? wanted : randomUUID()
    used.add(chosen)
    return chosen
  }
}
