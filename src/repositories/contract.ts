// The repository contract: domain rows as the API shows them and the async methods every database implementation provides.
import type { PersonaGraph } from '../engine/graph.ts'
import type { TurnTrace } from '../engine/chat-types.ts'
import type { ApiKeyView, ApiKeyOwner, UserView, Role } from './contract-users.ts'
import type { LoadedGraph, ListOptions, PersonaFields, PersonaView, SdkPersonaView } from './contract-personas.ts'
import type { NewMessage, ProgressRecord, SessionKey, SessionRecord, StoredMessage, TurnCommit } from './contract-sessions.ts'

export type * from './contract-users.ts'
export type * from './contract-personas.ts'
export type * from './contract-sessions.ts'
export { StaleSessionError, sessionStatus } from './contract-sessions.ts'
export { isUuid } from './contract-personas.ts'

/*
 * Rules every implementation keeps (SQLite today, PostgreSQL next):
 * - Every method returns a Promise. Rows are plain JS: ISO-8601 strings for timestamps (exactly as the
 *   API returns them), booleans, parsed JSON. No driver row type crosses this boundary.
 * - Atomicity seam: a method that writes several rows is itself atomic (commitTurn, replace, save,
 *   saveExtraction, migrate, claim, flushUsage). Callers never open a transaction; an implementation
 *   runs the method's writes in one transaction of its own (SQLite: a synchronous better-sqlite3
 *   transaction inside the method; PostgreSQL: an async BEGIN … COMMIT on one pooled client).
 * - Caches an implementation keeps (users, key records, graphs, the SDK list) are dropped through the
 *   cache bus (src/cache-bus.ts): writes call invalidate('user:<id>' | 'api-key:<id>' | 'persona:<id>').
 */

export interface UsersRepository {
  /** Creates a user; null when the email is taken. */
  create: (input: { email: string | null, passwordHash: string | null, displayName: string | null, role: Role }) => Promise<UserView | null>
  /** The user by id (cached on the authentication hot path). */
  findById: (id: string) => Promise<UserView | null>
  /** Credentials lookup for login: the hash never leaves the repository layer except here. */
  findCredentials: (email: string) => Promise<{ user: UserView, passwordHash: string | null } | null>
  /** Users oldest first. */
  list: (limit: number, offset: number) => Promise<UserView[]>
  update: (id: string, patch: { role?: Role, disabled?: boolean }) => Promise<UserView | null>
  count: () => Promise<number>
}

export interface ApiKeysRepository {
  /** Creates a key for a user; the full key is returned here and never again. */
  create: (userId: string, name: string) => Promise<ApiKeyView & { key: string }>
  /** Active keys of a user, newest first. */
  list: (userId: string) => Promise<ApiKeyView[]>
  /** Revokes a key of this user; false when there is no such active key. */
  revoke: (userId: string, keyId: string) => Promise<boolean>
  /** The key's owner, or why it is refused. Timing-safe (digest lookup). */
  authenticate: (key: string) => Promise<ApiKeyOwner | 'invalid' | 'revoked' | 'disabled'>
  /** Writes the recorded last_used_at values atomically. */
  flushUsage: () => Promise<void>
}

export interface PersonasRepository {
  findById: (personaId: string) => Promise<PersonaView | null>
  /** The persona and its whole graph (ids filled in), frozen: callers must not modify it. */
  loadGraph: (personaId: string) => Promise<LoadedGraph | null>
  /**
   * Creates (personaId null) or replaces a persona's fields and whole graph, atomically. When replacing,
   * `check` runs inside the write on the persona as stored then (a publish cannot slip in between);
   * throwing refuses the save and changes nothing.
   */
  save: (ownerId: string, personaId: string | null, fields: PersonaFields, graph: PersonaGraph, check?: (current: PersonaView) => void) => Promise<{ created: boolean, loaded: LoadedGraph }>
  /** Personas visible to a viewer, newest first. */
  list: (options: ListOptions) => Promise<PersonaView[]>
  /** Every persona, newest first (administration). */
  listAll: (limit: number, offset: number) => Promise<PersonaView[]>
  /** Published personas of one owner, oldest first (the SDK list; frozen). */
  listPublishedByOwner: (ownerId: string) => Promise<SdkPersonaView[]>
  /**
   * Sets is_published; null when there is no such persona. `check` runs inside the write on the graph
   * as stored then (a save cannot slip in between); throwing refuses it and changes nothing.
   */
  setPublished: (personaId: string, published: boolean, check?: (loaded: LoadedGraph) => void) => Promise<PersonaView | null>
  /** Deletes a persona and everything under it; false when there was none. */
  delete: (personaId: string) => Promise<boolean>
  count: () => Promise<number>
}

export interface SessionsRepository {
  find: (key: SessionKey) => Promise<SessionRecord | null>
  findById: (sessionId: string) => Promise<SessionRecord | null>
  /** Replaces the session of `key` (messages go with it) by a new one with its greeting, atomically. */
  replace: (key: SessionKey, init: { playerName: string, playerGender: SessionRecord['player_gender'], initialState: string, greeting: NewMessage, tokens: { in: number, out: number } }) => Promise<SessionRecord>
  /** Messages with seq > `after`, oldest first. */
  messagesAfter: (sessionId: string, after?: number) => Promise<StoredMessage[]>
  /** Commits a turn atomically; rejects with StaleSessionError (nothing written) when the session moved. */
  commitTurn: (c: TurnCommit) => Promise<SessionRecord>
  /** Folds messages into the rolling summary unless another summary got there first; whether it applied. */
  saveSummary: (sessionId: string, fromCount: number, summary: string, summarizedCount: number) => Promise<boolean>
  /** Deletes a session and its messages; false when there was none. */
  delete: (sessionId: string) => Promise<boolean>
  listForPlayer: (scope: string, personaId: string, userSessionId: string) => Promise<SessionRecord[]>
  progress: (scope: string, personaId: string, userSessionId: string) => Promise<ProgressRecord>
  /** Stores an extraction (progress variables, memory, trace step, pending flag cleared), atomically; false when it was no longer pending. */
  saveExtraction: (sessionId: string, key: { scope: string, personaId: string, userSessionId: string }, result: { variables: Record<string, string>, mergeMemory: (previous: string) => string, traceStep: TurnTrace['steps']['extract'] | null }) => Promise<boolean>
  pendingExtractions: (scope: string, personaId: string, userSessionId: string) => Promise<SessionRecord[]>
  /** Moves every session and progress row of scope `from` to `to` (merging clashes), atomically. */
  migrate: (from: string, to: string) => Promise<{ sessions_moved: number, progress_moved: number }>
}

export interface Stats {
  users: number
  personas: number
  sessions: number
  messages: number
  last_24h: { users: number, sessions: number, messages: number, turns: number, llm_tokens_in: number, llm_tokens_out: number, speculation_wasted_tokens_in: number, speculation_wasted_tokens_out: number }
}

export interface StatsRepository {
  stats: (now?: Date) => Promise<Stats>
}

export interface IdempotencyRecord {
  fingerprint: string
  /** Null while the request that claimed the key is still running. */
  status: number | null
  body: string | null
  /** Epoch milliseconds. */
  createdAt: number
}

export type ClaimResult = { claimed: true } | { claimed: false, record: IdempotencyRecord }

export interface IdempotencyRepository {
  find: (scope: string, key: string) => Promise<IdempotencyRecord | null>
  /** Claims the key unless a live record holds it; atomic, so two claims never both win (any instance). */
  claim: (scope: string, key: string, fingerprint: string, now: number, expiredBefore: number, staleBefore: number) => Promise<ClaimResult>
  complete: (scope: string, key: string, status: number, body: string) => Promise<void>
  /** Frees a key whose request failed (only a record still running is removed). */
  release: (scope: string, key: string) => Promise<void>
  /** Deletes records created before `before`; how many. */
  purge: (before: number) => Promise<number>
}

export interface SettingsRepository {
  get: <T>(key: string) => Promise<T | null>
  set: (key: string, value: unknown, now?: Date) => Promise<void>
}

/** Everything app.repos holds. */
export interface Repositories {
  users: UsersRepository
  apiKeys: ApiKeysRepository
  stats: StatsRepository
  personas: PersonasRepository
  sessions: SessionsRepository
  idempotency: IdempotencyRepository
  settings: SettingsRepository
  /** Resolves when the database answers a trivial query (readiness), rejects otherwise. */
  ping: () => Promise<void>
}
