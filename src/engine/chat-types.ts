// Types of the chat service: who is asking, what they target, and the API shapes it answers with (SPEC §4, §6, §7).
import type { DecisionType, Outcome, ScoringMode } from './graph.ts'

export type PlayerGender = 'female' | 'male' | 'non-binary'

/** Who calls: an SDK API key's owner, or a signed-in web user. */
export type Viewer =
  | { kind: 'sdk', ownerId: string }
  | { kind: 'web', userId: string, role: 'user' | 'admin' | 'guest' }

/** One session: persona, machine (null: the primary machine) and the game's player id. */
export interface Target {
  viewer: Viewer
  personaId: string
  machineId: string | null
  userSessionId: string
}

/** Where the LLM keys come from (the X-LLM-* headers) and the caller's abort signal. */
export interface LlmInput {
  headers: Record<string, string | string[] | undefined>
  signal?: AbortSignal
}

export type SessionInit = {
  session_id: string
  user_session_id: string
  persona_name: string
  persona_description: string
  player_name: string
  player_gender: PlayerGender
  /** The NPC's greeting, stored as the session's first assistant message. */
  message: string
  machine_id: string
}

export type UnlockedMachineInfo = {
  machine_id: string
  machine_key: string
  name: string
  is_auto_advance: boolean
}

export type ChatResponse = {
  message: string
  current_state: string
  score: number
  outcome: Outcome | null
  decision: DecisionType | null
  follow_up: boolean
  session_id: string
  scoring_mode: ScoringMode
  redirect_count: number
  machine_completed: boolean
  /** Machines this turn unlocked, or null when none. */
  unlocked_machines: UnlockedMachineInfo[] | null
}

/** A streamed turn: metadata known before the reply, its text as produced, and the committed response. */
export type TurnStream = {
  metadata: Omit<ChatResponse, 'message'>
  /** Reply deltas as the provider produces them; throws (LlmError) when the turn fails. Iterate once. */
  textStream: AsyncIterable<string>
  /** The full response once the turn is committed; rejects (nothing committed) on failure or abort. */
  done: Promise<ChatResponse>
}

export type SessionStatus = {
  session_id: string
  persona_id: string
  machine_id: string
  current_state: string
  score: number
  outcome: Outcome | null
  player_name: string
  player_gender: PlayerGender
  started_at: string
  last_message_at: string | null
}

/** Model, tokens and latency of one LLM step of a turn. */
export type StepTrace = {
  model: string
  tokens_in: number
  tokens_out: number
  latency_ms: number
}

/** When each part of a turn happened, in milliseconds since the call arrived (SPEC §6 trace). */
export type TurnTimeline = {
  /** How the turn was decided: the whole evaluation first, or from its streamed answer. */
  pipeline: 'sequential' | 'streamed'
  evaluation_start_ms: number
  /** When the decision was known (the evaluation's end in the sequential pipeline). */
  decision_ms: number
  /** When the reply's first token could go to the player; null for a reply not streamed. */
  reply_first_token_ms: number | null
  /** Just before the commit. */
  end_ms: number
  /** off: no reply was speculated; used: the speculated reply became the turn's; discarded: it was aborted. */
  speculation: 'off' | 'used' | 'discarded'
}

/** What a turn did and what it cost, kept on the assistant message that closed the turn. */
export type TurnTrace = {
  transition_id: string | null
  decision: DecisionType | null
  /** The evaluator's reason; null on the greeting or when no evaluation ran. */
  evaluator_reason: string | null
  /** True when the evaluator's answer stayed invalid after the repair retry (the turn ran as "no transition"). */
  fallback: boolean
  steps: {
    evaluate?: StepTrace
    reply: StepTrace
    /** Added after the turn when output variables / memory were extracted on completion. */
    extract?: StepTrace
  }
  /** Absent on greetings and on turns stored before timelines were kept. */
  timeline?: TurnTimeline
  /** Tokens of a discarded speculative reply (estimated: prompt size, tokens streamed before the abort). */
  wasted_tokens?: { tokens_in: number, tokens_out: number }
}

export type HistoryMessage = {
  id: string
  role: 'user' | 'assistant'
  content: string
  state_key_at_time: string | null
  score_at_time: number | null
  decision: DecisionType | null
  follow_up_triggered: boolean
  created_at: string
  /** Present only when traces were asked for and may be shown; null on messages without one. */
  trace?: TurnTrace | null
}

export type ChatHistory = SessionStatus & {
  messages: HistoryMessage[]
}

export type MachineInfo = {
  machine_id: string
  machine_key: string
  name: string
  description: string
  has_session: boolean
  session_outcome: Outcome | null
  is_linked: boolean
}

export interface ChatService {
  initSession: (a: Target & LlmInput & { playerName: string, playerGender: PlayerGender }) => Promise<SessionInit>
  sendMessage: (a: Target & LlmInput & { message: string }) => Promise<ChatResponse>
  /** Resolves once evaluation succeeded (any earlier failure rejects: the route answers a JSON error). */
  streamMessage: (a: Target & LlmInput & { message: string }) => Promise<TurnStream>
  /** 404 when there is no session. */
  getSession: (a: Target) => Promise<SessionStatus>
  /** Web: traces only for the persona owner, even if asked. */
  getHistory: (a: Target & { includeTrace: boolean }) => Promise<ChatHistory>
  /** 404 when there is no session; deletes the session and its messages, keeps the player's progress. */
  reset: (a: Target) => Promise<{ session_id: string, message: string }>
  listMachines: (a: Omit<Target, 'machineId'>) => Promise<MachineInfo[]>
  /** Moves a (guest) user's web sessions and progress to another user. */
  migrateProgress: (a: { fromUserId: string, toUserId: string }) => Promise<{ sessions_moved: number, progress_moved: number }>
  /** Waits (at most timeoutMs) for background summaries and extractions. */
  drain: (timeoutMs?: number) => Promise<void>
  /** Drains, then aborts what is still running and starts no more background work. */
  close: (timeoutMs?: number) => Promise<void>
}
