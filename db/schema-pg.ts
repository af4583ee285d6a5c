// PostgreSQL tables mirroring db/schema.ts: same table and column names and TypeScript types, native column types.
import { sql } from 'drizzle-orm'
import { bigint, boolean, customType, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'

/**
 * timestamptz read and written as the ISO 8601 string SQLite keeps (`2026-01-02T03:04:05.678Z`), so the
 * repositories and every API answer see the same value on both databases. drizzle hands node-postgres'
 * text form (`2026-01-02 03:04:05.678+00`) to fromDriver; values are written with millisecond precision.
 */
const timestamp = customType<{ data: string, driverData: string | Date }>({
  dataType: () => 'timestamp(3) with time zone',
  fromDriver: (value) => new Date(value).toISOString()
})

/**
 * json (not jsonb) holding the JSON text the repositories store: json keeps the object key order of what
 * was written, jsonb reorders keys (shorter first), which would change the order of `variables` in answers.
 * The column is validated JSON; the application never queries inside it.
 */
const json = customType<{ data: string, driverData: unknown }>({
  dataType: () => 'json',
  fromDriver: (value) => typeof value === 'string' ? value : JSON.stringify(value)
})

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email'),
  displayName: text('display_name'),
  role: text('role', { enum: ['user', 'admin', 'guest'] }).notNull(),
  disabled: boolean('disabled').notNull().default(false),
  passwordHash: text('password_hash'),
  createdAt: timestamp('created_at').notNull()
}, (t) => [
  uniqueIndex('users_email_unique').on(t.email),
  index('users_created_at_idx').on(t.createdAt)
])

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  keyHash: text('key_hash').notNull(),
  keyPrefix: text('key_prefix').notNull(),
  lastFour: text('last_four').notNull(),
  createdAt: timestamp('created_at').notNull(),
  lastUsedAt: timestamp('last_used_at'),
  revokedAt: timestamp('revoked_at')
}, (t) => [
  uniqueIndex('api_keys_key_hash_unique').on(t.keyHash),
  index('api_keys_user_idx').on(t.userId)
])

export const personas = pgTable('personas', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  personaIdentityPrompt: text('persona_identity_prompt').notNull().default(''),
  perplexityDescription: text('perplexity_description'),
  isPublished: boolean('is_published').notNull().default(false),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull()
}, (t) => [
  index('personas_owner_idx').on(t.ownerId),
  index('personas_published_idx').on(t.isPublished, t.createdAt)
])

export const personaVariables = pgTable('persona_variables', {
  personaId: text('persona_id').notNull().references(() => personas.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  key: text('key').notNull(),
  description: text('description').notNull().default(''),
  defaultValue: text('default_value').notNull().default('')
}, (t) => [primaryKey({ columns: [t.personaId, t.position] })])

export const machines = pgTable('machines', {
  id: text('id').primaryKey(),
  personaId: text('persona_id').notNull().references(() => personas.id, { onDelete: 'cascade' }),
  machineKey: text('machine_key').notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  creatorObjective: text('creator_objective').notNull().default(''),
  creatorWinCondition: text('creator_win_condition').notNull().default(''),
  creatorLoseCondition: text('creator_lose_condition').notNull().default(''),
  chatSystemPrompt: text('chat_system_prompt').notNull().default(''),
  systemEvaluationPrompt: text('system_evaluation_prompt').notNull().default(''),
  systemSummarizationPrompt: text('system_summarization_prompt').notNull().default(''),
  scoringMode: text('scoring_mode', { enum: ['scoring', 'pass_fail'] }).notNull().default('scoring'),
  passThreshold: integer('pass_threshold').notNull().default(3),
  failThreshold: integer('fail_threshold').notNull().default(-3),
  isEntry: boolean('is_entry').notNull().default(false),
  displayOrder: integer('display_order').notNull().default(0)
}, (t) => [uniqueIndex('machines_persona_key_unique').on(t.personaId, t.machineKey)])

export const machineOutputVariables = pgTable('machine_output_variables', {
  machineId: text('machine_id').notNull().references(() => machines.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  key: text('key').notNull(),
  extractionPrompt: text('extraction_prompt').notNull().default('')
}, (t) => [primaryKey({ columns: [t.machineId, t.position] })])

export const states = pgTable('states', {
  machineId: text('machine_id').notNull().references(() => machines.id, { onDelete: 'cascade' }),
  stateKey: text('state_key').notNull(),
  position: integer('position').notNull(),
  label: text('label').notNull().default(''),
  promptInstruction: text('prompt_instruction').notNull().default(''),
  isInitialState: boolean('is_initial_state').notNull().default(false),
  isTerminalState: boolean('is_terminal_state').notNull().default(false),
  terminalOutcome: text('terminal_outcome', { enum: ['ACCEPT', 'REJECT'] }),
  followUpCondition: text('follow_up_condition'),
  displayOrder: integer('display_order').notNull().default(0)
}, (t) => [primaryKey({ columns: [t.machineId, t.stateKey] })])

export const transitions = pgTable('transitions', {
  id: text('id').primaryKey(),
  machineId: text('machine_id').notNull().references(() => machines.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  fromStateKey: text('from_state_key').notNull(),
  toStateKey: text('to_state_key').notNull(),
  decisionType: text('decision_type', { enum: ['pass', 'redirect', 'reject', 'kick_out'] }).notNull(),
  condition: text('condition').notNull().default(''),
  scoreDelta: integer('score_delta').notNull().default(0),
  priority: integer('priority').notNull().default(0)
}, (t) => [index('transitions_machine_idx').on(t.machineId)])

export const machineLinks = pgTable('machine_links', {
  personaId: text('persona_id').notNull().references(() => personas.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  fromMachineKey: text('from_machine_key').notNull(),
  toMachineKey: text('to_machine_key').notNull(),
  conditionType: text('condition_type', { enum: ['outcome', 'score_gte', 'score_lte', 'always'] }).notNull(),
  conditionValue: text('condition_value'),
  isAutoAdvance: boolean('is_auto_advance').notNull().default(false)
}, (t) => [primaryKey({ columns: [t.personaId, t.position] })])

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  // 'sdk:<owner user id>' for SDK calls (all keys of one owner share sessions) or 'user:<user id>' for web chat
  scope: text('scope').notNull(),
  personaId: text('persona_id').notNull().references(() => personas.id, { onDelete: 'cascade' }),
  machineId: text('machine_id').notNull().references(() => machines.id, { onDelete: 'cascade' }),
  userSessionId: text('user_session_id').notNull(),
  playerName: text('player_name').notNull(),
  playerGender: text('player_gender', { enum: ['female', 'male', 'non-binary'] }).notNull(),
  currentState: text('current_state').notNull(),
  score: integer('score').notNull().default(0),
  outcome: text('outcome', { enum: ['ACCEPT', 'REJECT', 'KICK_OUT'] }),
  redirectCount: integer('redirect_count').notNull().default(0),
  summary: text('summary').notNull().default(''),
  // number of messages (oldest first) already folded into `summary`
  summarizedCount: integer('summarized_count').notNull().default(0),
  messageCount: integer('message_count').notNull().default(0),
  // set when the machine completed and its output variables / memory are not extracted yet (retried later)
  extractionPending: boolean('extraction_pending').notNull().default(false),
  startedAt: timestamp('started_at').notNull(),
  lastMessageAt: timestamp('last_message_at')
}, (t) => [
  uniqueIndex('sessions_identity_unique').on(t.scope, t.personaId, t.machineId, t.userSessionId),
  index('sessions_started_at_idx').on(t.startedAt)
])

export const messages = pgTable('messages', {
  id: text('id').primaryKey(),
  sessionId: text('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
  seq: integer('seq').notNull(),
  role: text('role', { enum: ['user', 'assistant'] }).notNull(),
  content: text('content').notNull(),
  stateKeyAtTime: text('state_key_at_time'),
  scoreAtTime: integer('score_at_time'),
  decision: text('decision', { enum: ['pass', 'redirect', 'reject', 'kick_out'] }),
  followUpTriggered: boolean('follow_up_triggered').notNull().default(false),
  // per-turn trace on the assistant message that closed a turn
  trace: json('trace'),
  createdAt: timestamp('created_at').notNull()
}, (t) => [
  uniqueIndex('messages_session_seq_unique').on(t.sessionId, t.seq),
  index('messages_created_at_idx').on(t.createdAt)
])

// One row per committed turn, kept for statistics even when the session is reset.
export const turns = pgTable('turns', {
  id: text('id').primaryKey(),
  personaId: text('persona_id').notNull().references(() => personas.id, { onDelete: 'cascade' }),
  sessionId: text('session_id').notNull(),
  tokensIn: integer('tokens_in').notNull().default(0),
  tokensOut: integer('tokens_out').notNull().default(0),
  // the part of tokens_in / tokens_out spent on a discarded speculative reply
  wastedTokensIn: integer('wasted_tokens_in').notNull().default(0),
  wastedTokensOut: integer('wasted_tokens_out').notNull().default(0),
  createdAt: timestamp('created_at').notNull()
}, (t) => [index('turns_created_at_idx').on(t.createdAt)])

export const playerProgress = pgTable('player_progress', {
  scope: text('scope').notNull(),
  personaId: text('persona_id').notNull().references(() => personas.id, { onDelete: 'cascade' }),
  userSessionId: text('user_session_id').notNull(),
  // machine_key[] unlocked by links
  unlockedMachines: json('unlocked_machines').notNull().default(sql`'[]'::json`),
  // { [machine_key]: outcome }
  completedMachines: json('completed_machines').notNull().default(sql`'{}'::json`),
  // { [key]: value } extracted output variables
  variables: json('variables').notNull().default(sql`'{}'::json`),
  memorySummary: text('memory_summary').notNull().default(''),
  updatedAt: timestamp('updated_at').notNull().default(sql`now()`)
}, (t) => [primaryKey({ columns: [t.scope, t.personaId, t.userSessionId] })])

// Idempotency-Key results (SPEC §10): one row per (caller scope, key); status null while the first request runs.
export const idempotencyKeys = pgTable('idempotency_keys', {
  // 'sdk:<API key owner id>' or 'user:<user id>', like sessions
  scope: text('scope').notNull(),
  key: text('key').notNull(),
  // SHA-256 of method, path, query and the validated body: the same key with another request is refused
  fingerprint: text('fingerprint').notNull(),
  status: integer('status'),
  // the answer replayed byte for byte, so text (not json)
  body: text('body'),
  // epoch milliseconds; entries older than 24 h are purged
  createdAt: bigint('created_at', { mode: 'number' }).notNull()
}, (t) => [
  primaryKey({ columns: [t.scope, t.key] }),
  index('idempotency_keys_created_at_idx').on(t.createdAt)
])

// Server-wide switches every instance reads (maintenance mode), as JSON values.
export const serverSettings = pgTable('server_settings', {
  key: text('key').primaryKey(),
  value: json('value').notNull(),
  updatedAt: timestamp('updated_at').notNull()
})
