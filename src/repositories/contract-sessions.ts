// Contract rows for chat sessions, messages and player progress (see contract.ts).
import type { Outcome } from '../engine/graph.ts'
import type { HistoryMessage, SessionStatus, TurnTrace } from '../engine/chat-types.ts'

/** The identity of a session: one per (scope, persona, machine, user_session_id). */
export interface SessionKey {
  scope: string
  personaId: string
  machineId: string
  userSessionId: string
}

export interface SessionRecord extends SessionStatus {
  scope: string
  user_session_id: string
  redirect_count: number
  summary: string
  summarized_count: number
  message_count: number
  extraction_pending: boolean
}

export interface StoredMessage extends Omit<HistoryMessage, 'trace'> {
  seq: number
  trace: TurnTrace | null
}

export interface ProgressRecord {
  unlocked_machine_keys: string[]
  /** machine_key → outcome. */
  completed: Record<string, Outcome>
  variables: Record<string, string>
  memory_summary: string
}

/** A message to append: everything but id, seq and time, which the repository assigns. */
export type NewMessage = Omit<HistoryMessage, 'id' | 'created_at' | 'trace'> & { trace: TurnTrace | null }

export interface TurnCommit {
  sessionId: string
  /** The message_count read before the turn: the commit refuses to apply on top of another turn. */
  expectedMessageCount: number
  userMessage: NewMessage
  assistantMessage: NewMessage
  state: { current_state: string, score: number, redirect_count: number, outcome: Outcome | null }
  progress: { scope: string, personaId: string, userSessionId: string, unlock: string[], completed: { machineKey: string, outcome: Outcome } | null }
  /** All tokens of the turn; `wasted*` is the part spent on a discarded speculative reply. */
  tokens: { in: number, out: number, wastedIn?: number, wastedOut?: number }
}

/** Thrown when a commit finds the session changed or gone since the turn started. */
export class StaleSessionError extends Error {
  constructor () {
    super('The session changed while the turn was running')
    this.name = 'StaleSessionError'
  }
}

/** The public SessionStatus fields of a record, in contract order. */
export function sessionStatus (s: SessionRecord): SessionStatus {
  return {
    session_id: s.session_id,
    persona_id: s.persona_id,
    machine_id: s.machine_id,
    current_state: s.current_state,
    score: s.score,
    outcome: s.outcome,
    player_name: s.player_name,
    player_gender: s.player_gender,
    started_at: s.started_at,
    last_message_at: s.last_message_at
  }
}
