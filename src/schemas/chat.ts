// Schemas of the chat API (SDK rows 2–9 and the web chat mirror): params, queries, bodies and the SDK response shapes.
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox'
import { ErrorResponse, IdParams, Nullable, ref, Timestamp, Uuid } from './common.ts'

/** A string enum as a JSON Schema `enum` (validation errors then list the allowed values). */
function StringEnum<T extends string> (values: readonly T[], description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], description })
}

export const PLAYER_GENDERS = ['female', 'male', 'non-binary'] as const
const OUTCOME_VALUES = ['ACCEPT', 'REJECT', 'KICK_OUT'] as const
const DECISION_VALUES = ['pass', 'redirect', 'reject', 'kick_out'] as const
const SCORING_MODE_VALUES = ['scoring', 'pass_fail'] as const

const UserSessionId = (description = 'The game\'s own id for the player (1–200 characters); sessions and progress are kept per value') =>
  Type.String({ minLength: 1, maxLength: 200, description })
const MachineId = () => Type.Optional(Uuid('Machine (scenario) to use; default: the persona\'s primary machine (first entry machine by display_order)'))
const Outcome = (description: string) => Nullable(StringEnum(OUTCOME_VALUES, 'How the machine ended'), description)
const Decision = (description: string) => Nullable(StringEnum(DECISION_VALUES, 'Decision type of the transition taken'), description)
const PlayerGender = StringEnum(PLAYER_GENDERS, 'The player\'s gender, used in the reply prompt: female, male or non-binary')

// ---------------------------------------------------------------------------------------------
// Params, queries and bodies

export const ChatParams = IdParams('persona_id', 'Persona id')

export const MachineQuery = Type.Object({
  machine_id: MachineId()
})

export const SessionQuery = Type.Object({
  user_session_id: UserSessionId(),
  machine_id: MachineId()
})

export const HistoryQuery = Type.Object({
  user_session_id: UserSessionId(),
  machine_id: MachineId(),
  include_trace: Type.Optional(Type.Boolean({ description: 'Include each assistant message\'s turn trace (persona owner only; default false)' }))
})

export const MachinesQuery = Type.Object({
  user_session_id: UserSessionId()
})

export const InitSessionBody = Type.Object({
  user_session_id: UserSessionId(),
  player_name: Type.String({ minLength: 1, maxLength: 100, description: 'The player character\'s name (1–100 characters)' }),
  player_gender: PlayerGender
}, { $id: 'InitSessionBody', description: 'Starts (or restarts) a session; unknown fields are ignored' })

export const MessageBody = Type.Object({
  message: Type.String({ minLength: 1, maxLength: 4000, description: 'What the player says (1–4000 characters)' }),
  user_session_id: UserSessionId()
}, { $id: 'MessageBody', description: 'One player message; unknown fields are ignored' })

export const ValidateKeyBody = Type.Object({
  model: Type.Optional(Nullable(Type.String({ maxLength: 200 }), 'Model to try the key with; default X-LLM-Model, else the server default model'))
}, { $id: 'ValidateKeyBody', description: 'Optional model; the key comes from X-LLM-API-Key. The body may be empty' })

export const MigrateProgressBody = Type.Object({
  old_session_id: Uuid('The guest account\'s user id (user.id from POST /auth/guest) whose sessions and progress move to you')
}, { $id: 'MigrateProgressBody', description: 'Which guest account to take over' })

// ---------------------------------------------------------------------------------------------
// Responses

export const SessionInit = Type.Object({
  session_id: Uuid('Id of the new session'),
  user_session_id: Type.String({ description: 'The player id the session belongs to' }),
  persona_name: Type.String({ description: 'Name of the persona' }),
  persona_description: Type.String({ description: 'Short description of the persona' }),
  player_name: Type.String({ description: 'The player character\'s name' }),
  player_gender: PlayerGender,
  message: Type.String({ description: 'The NPC\'s greeting, stored as the first assistant message of the history' }),
  machine_id: Uuid('The machine (scenario) the session plays')
}, { $id: 'SessionInit', description: 'A started session and the NPC\'s greeting' })

export const UnlockedMachine = Type.Object({
  machine_id: Uuid('Id of the unlocked machine'),
  machine_key: Type.String({ description: 'Key of the unlocked machine' }),
  name: Type.String({ description: 'Name of the unlocked machine' }),
  is_auto_advance: Type.Boolean({ description: 'The game should move the player straight to this machine' })
}, { $id: 'UnlockedMachine', description: 'A machine newly unlocked for the player by completing this one' })

const turnFields = {
  current_state: Type.String({ description: 'state_key of the session\'s state after the turn' }),
  score: Type.Integer({ description: 'Session score after the turn' }),
  outcome: Outcome('ACCEPT, REJECT or KICK_OUT once the machine has ended, else null'),
  decision: Decision('Decision type of the transition taken this turn; null on a follow-up or when no transition applied'),
  follow_up: Type.Boolean({ description: 'True when the NPC asked a clarifying question instead of deciding' }),
  session_id: Uuid('Session id'),
  scoring_mode: StringEnum(SCORING_MODE_VALUES, 'The machine\'s scoring mode: scoring or pass_fail'),
  redirect_count: Type.Integer({ description: 'Redirects in a row in the current state (0 after any state change)' }),
  machine_completed: Type.Boolean({ description: 'True when this turn ended the machine' }),
  unlocked_machines: Nullable(Type.Array(ref(UnlockedMachine)), 'Machines this turn unlocked (on completion), else null')
}

export const ChatResponse = Type.Object({
  message: Type.String({ description: 'The NPC\'s reply' }),
  ...turnFields
}, { $id: 'ChatResponse', description: 'The result of one conversation turn' })

export const StreamMetadata = Type.Object(turnFields, {
  $id: 'StreamMetadata',
  description: 'data of the `metadata` event of a stream: the ChatResponse without `message`'
})

export const TextDelta = Type.Object({
  text: Type.String({ description: 'The next piece of the NPC\'s reply, as the provider produced it' })
}, { $id: 'TextDelta', description: 'data of a `text_delta` event of a stream' })

const streamEvent = (id: string, name: string, data: TSchema, description: string) => Type.Object({
  event: Type.Literal(name, { description: 'The event name (the SSE `event:` line)' }),
  data
}, { $id: id, description })

export const StreamMetadataEvent = streamEvent('StreamMetadataEvent', 'metadata', ref(StreamMetadata),
  'First event, exactly once, before any text: the turn\'s result without the reply text')
export const StreamTextDeltaEvent = streamEvent('StreamTextDeltaEvent', 'text_delta', ref(TextDelta),
  'A piece of the reply, as the provider produces it (zero or more)')
export const StreamDoneEvent = streamEvent('StreamDoneEvent', 'done', ref(ChatResponse),
  'Last event of a successful turn, after it was committed: the full ChatResponse')
export const StreamErrorEvent = streamEvent('StreamErrorEvent', 'error', ref(ErrorResponse),
  'Last event of a turn that failed after the stream began; nothing was committed')

/**
 * One event of a chat stream (each `event: <name>` / `data: <one-line JSON>` block), discriminated by
 * `event`. Used as the schema of `text/event-stream` responses: it describes each event, not the whole body.
 */
export const ChatStreamEvent = Type.Unsafe<Static<typeof StreamMetadataEvent> | Static<typeof StreamTextDeltaEvent> | Static<typeof StreamDoneEvent> | Static<typeof StreamErrorEvent>>({
  $id: 'ChatStreamEvent',
  description: 'One server-sent event of a chat stream: metadata, then text_delta…, then done or error. ' +
    'This schema describes each event of the stream (OpenAPI 3.2 `itemSchema` semantics), not the body as a whole.',
  oneOf: [ref(StreamMetadataEvent), ref(StreamTextDeltaEvent), ref(StreamDoneEvent), ref(StreamErrorEvent)],
  discriminator: {
    propertyName: 'event',
    mapping: {
      metadata: '#/components/schemas/StreamMetadataEvent',
      text_delta: '#/components/schemas/StreamTextDeltaEvent',
      done: '#/components/schemas/StreamDoneEvent',
      error: '#/components/schemas/StreamErrorEvent'
    }
  }
})

const sessionFields = {
  session_id: Uuid('Session id'),
  persona_id: Uuid('Persona id'),
  machine_id: Uuid('Machine (scenario) id'),
  current_state: Type.String({ description: 'state_key of the current state' }),
  score: Type.Integer({ description: 'Current score' }),
  outcome: Outcome('ACCEPT, REJECT or KICK_OUT once the machine has ended, else null'),
  player_name: Type.String({ description: 'The player character\'s name' }),
  player_gender: PlayerGender,
  started_at: Timestamp('When the session was started'),
  last_message_at: Nullable(Timestamp('When'), 'When the last message (the greeting included) was stored')
}

export const SessionStatus = Type.Object(sessionFields, { $id: 'SessionStatus', description: 'The state of a session' })

const StepTrace = (description: string) => Type.Object({
  model: Type.String({ description: 'Model string used' }),
  tokens_in: Type.Integer({ description: 'Prompt tokens' }),
  tokens_out: Type.Integer({ description: 'Completion tokens' }),
  latency_ms: Type.Integer({ description: 'Latency of the call in milliseconds' })
}, { description })

export const TurnTrace = Type.Object({
  transition_id: Nullable(Type.String(), 'Transition the evaluator chose, or null'),
  decision: Decision('Decision type applied, or null'),
  evaluator_reason: Nullable(Type.String(), 'The evaluator\'s reason; null on the greeting or when no evaluation ran'),
  fallback: Type.Boolean({ description: 'True when the evaluator\'s output stayed invalid after the repair retry and the turn ran as "no transition"' }),
  steps: Type.Object({
    evaluate: Type.Optional(StepTrace('The evaluation call (absent on the greeting)')),
    reply: StepTrace('The reply call'),
    extract: Type.Optional(StepTrace('Output-variable / memory extraction on completion, when it ran'))
  }, { description: 'LLM calls of the turn: model, tokens and latency per step' }),
  timeline: Type.Optional(Type.Object({
    pipeline: StringEnum(['sequential', 'streamed'] as const, 'sequential: the whole evaluation, then the reply; streamed: decided from the streamed evaluation'),
    evaluation_start_ms: Type.Integer({ description: 'When the evaluation started, in ms since the call arrived' }),
    decision_ms: Type.Integer({ description: 'When the decision was known, in ms since the call arrived' }),
    reply_first_token_ms: Nullable(Type.Integer(), 'When the reply\'s first token could go to the player, in ms since the call arrived; null when the reply was not streamed'),
    end_ms: Type.Integer({ description: 'When the turn was committed, in ms since the call arrived' }),
    speculation: StringEnum(['off', 'used', 'discarded'] as const, 'Whether a reply was started speculatively during the evaluation, and whether it became the turn\'s reply or was aborted')
  }, { description: 'When each part of the turn happened (absent on greetings and older turns)' })),
  wasted_tokens: Type.Optional(Type.Object({
    tokens_in: Type.Integer({ description: 'Prompt tokens of a discarded speculative reply (estimated)' }),
    tokens_out: Type.Integer({ description: 'Completion tokens of a discarded speculative reply (streamed before the abort)' })
  }, { description: 'Tokens spent on a speculative reply the turn did not use' }))
}, { $id: 'TurnTrace', description: 'How a turn was decided and what it cost (returned only to the persona owner)' })

export const HistoryMessage = Type.Object({
  id: Uuid('Message id'),
  role: StringEnum(['user', 'assistant'] as const, 'user (the player) or assistant (the NPC)'),
  content: Type.String({ description: 'Message text' }),
  state_key_at_time: Nullable(Type.String(), 'state_key of the session when the message was written'),
  score_at_time: Nullable(Type.Integer(), 'Session score when the message was written'),
  decision: Decision('Decision of the turn this reply belongs to (assistant messages), else null'),
  follow_up_triggered: Type.Boolean({ description: 'True when this reply was a clarifying question' }),
  created_at: Timestamp('When the message was stored'),
  trace: Type.Optional(Nullable(ref(TurnTrace), 'The turn\'s trace (only with include_trace, for the persona owner)'))
}, { $id: 'HistoryMessage', description: 'One message of a session' })

export const ChatHistory = Type.Object({
  ...sessionFields,
  messages: Type.Array(ref(HistoryMessage), { description: 'Messages, oldest first (the greeting first)' })
}, { $id: 'ChatHistory', description: 'A session\'s state and its messages' })

export const ResetResponse = Type.Object({
  session_id: Type.String({ description: 'Id of the deleted session' }),
  message: Type.String({ description: 'Human-readable confirmation' })
}, { $id: 'ResetResponse', description: 'The session and its messages were deleted; the player\'s progress is kept' })

export const MachineInfo = Type.Object({
  machine_id: Uuid('Machine id'),
  machine_key: Type.String({ description: 'Machine key (stable across saves)' }),
  name: Type.String({ description: 'Machine name' }),
  description: Type.String({ description: 'Machine description' }),
  has_session: Type.Boolean({ description: 'The player has a session on this machine' }),
  session_outcome: Outcome('Outcome of that session, or null'),
  is_linked: Type.Boolean({ description: 'The machine is the target of a link that is now unlocked for the player' })
}, { $id: 'MachineInfo', description: 'A machine available to the player' })

export const KeyValidation = Type.Object({
  valid: Type.Boolean({ description: 'The provider accepted the key for this model' }),
  model: Type.String({ description: 'The model the key was tried with' }),
  error: Nullable(Type.String(), 'Why the key or model was rejected, else null')
}, { $id: 'KeyValidation', description: 'Result of trying an LLM key with one tiny request' })

export const MigrateProgressResult = Type.Object({
  sessions_moved: Type.Integer({ description: 'Sessions moved to your account' }),
  progress_moved: Type.Integer({ description: 'Player-progress records moved to your account' })
}, { $id: 'MigrateProgressResult', description: 'What moved from the guest account' })

export const chatSchemas = [
  InitSessionBody, MessageBody, ValidateKeyBody, MigrateProgressBody,
  SessionInit, UnlockedMachine, ChatResponse, StreamMetadata, TextDelta, StreamMetadataEvent, StreamTextDeltaEvent, StreamDoneEvent,
  StreamErrorEvent, ChatStreamEvent, SessionStatus, TurnTrace, HistoryMessage, ChatHistory,
  ResetResponse, MachineInfo, KeyValidation, MigrateProgressResult
]

export type SessionInitBody = Static<typeof SessionInit>
export type ChatResponseBody = Static<typeof ChatResponse>
export type StreamMetadataBody = Static<typeof StreamMetadata>
