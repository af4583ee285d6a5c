// Server configuration: one TypeBox schema for the environment, validated once at start.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const PerMinute = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: def, description })

/** The environment variables the server reads, with their defaults. */
export const EnvSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development', description: 'development, test or production' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to bind' }),
  DATABASE_URL: Type.String({ minLength: 1, default: './data/rapport.db', description: 'SQLite file path, file: URL or :memory:, or a postgres:// (postgresql://) URL for PostgreSQL' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'redis:// or rediss:// URL: shared rate limits, cache invalidation and session leases across instances' })),
  SESSION_LEASE_MS: Type.Integer({ minimum: 200, maximum: 600_000, default: 10_000, description: 'With Redis: how long a dead instance keeps a session (turn lease) or background job, in ms' }),
  JWT_SECRET: Type.Optional(Type.String({ description: 'HMAC secret for JWTs (>= 32 chars in production)' })),
  JWT_EXPIRES_IN: Type.String({ pattern: '^[0-9]+[smhd]?$', default: '7d', description: 'JWT lifetime, e.g. 7d, 12h, 3600' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Where development secrets are kept' }),
  ADMIN_EMAILS: Type.String({ default: '', description: 'Comma-separated emails that are admins' }),
  CORS_ORIGINS: Type.String({ default: '', description: 'Comma-separated allowed origins, or *' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], { default: 'auto', description: 'auto: human-readable in a terminal unless NODE_ENV=production, else JSON' }),
  TRUST_PROXY: Type.Boolean({ default: false, description: 'Honour X-Forwarded-For for client IPs' }),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest accepted request body in bytes' }),
  RATE_LIMIT_GENERATION: PerMinute(10, 'AI-assisted authoring calls per minute per IP'),
  RATE_LIMIT_CHAT: PerMinute(60, 'Web chat turns per minute per IP'),
  RATE_LIMIT_GENERAL: PerMinute(120, 'Other web calls per minute per IP'),
  RATE_LIMIT_SDK_CHAT: PerMinute(30, 'SDK chat turns per minute per API key'),
  RATE_LIMIT_SDK_GENERAL: PerMinute(60, 'Other SDK calls per minute per API key'),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 60_000, description: 'Length of every rate-limit window in ms (the limits above count per window)' }),
  DEFAULT_LLM_MODEL: Type.String({ minLength: 1, default: 'gpt-4o-mini' }),
  LLM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  LLM_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SDK_ALLOW_SERVER_LLM_KEY: Type.Boolean({ default: false }),
  LLM_MOCK: Type.Boolean({ default: false, description: 'Answer mock/… models in-process (deterministic, keyless, no network): for demos and game CI' }),
  CHAT_PIPELINE: Type.Union([Type.Literal('streamed'), Type.Literal('sequential')], { default: 'streamed', description: 'How a turn is decided: streamed (from the streamed evaluation, as soon as its decision is complete) or sequential (the whole evaluation first)' }),
  SPECULATIVE_REPLY: Type.Boolean({ default: true, description: 'Start the unchanged-state reply while the evaluation runs' }),
  SPECULATIVE_TRANSITIONS: Type.Integer({ minimum: 0, maximum: 16, default: 0, description: 'With SPECULATIVE_REPLY: also start the replies of up to this many offered transitions (priority order)' }),
  OPENAI_BASE_URL: Type.Optional(Type.String()),
  ANTHROPIC_BASE_URL: Type.Optional(Type.String()),
  GROQ_BASE_URL: Type.Optional(Type.String()),
  OPENROUTER_BASE_URL: Type.Optional(Type.String()),
  MISTRAL_BASE_URL: Type.Optional(Type.String()),
  DEEPSEEK_BASE_URL: Type.Optional(Type.String()),
  TOGETHER_BASE_URL: Type.Optional(Type.String()),
  XAI_BASE_URL: Type.Optional(Type.String()),
  GEMINI_BASE_URL: Type.Optional(Type.String()),
  OLLAMA_BASE_URL: Type.Optional(Type.String()),
  SQLITE_SYNCHRONOUS: Type.Union(['OFF', 'NORMAL', 'FULL', 'EXTRA'].map((l) => Type.Literal(l)), { default: 'FULL', description: 'SQLite synchronous level (WAL journal): FULL survives power loss, NORMAL only a process crash' }),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000, description: 'Shed load (503) while the mean event-loop delay exceeds this; 0 = off' }),
  PRESSURE_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0, description: 'Shed load while the V8 heap in use exceeds this; 0 = off' }),
  PRESSURE_MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0, description: 'Shed load while the resident set size exceeds this; 0 = off' }),
  PRESSURE_RETRY_AFTER_S: Type.Integer({ minimum: 1, maximum: 86_400, default: 5, description: 'Retry-After of a shed request, in seconds' }),
  MAINTENANCE_MODE: Type.Boolean({ default: false, description: 'Answer 503 on every route except health, docs and admin, whatever the database says' }),
  MAINTENANCE_RETRY_AFTER_S: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'Retry-After during maintenance unless the admin endpoint set one' }),
  MAINTENANCE_CACHE_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 2000, description: 'How long an instance trusts its last read of the maintenance switch' })
})
export type Env = Static<typeof EnvSchema>

export interface Config {
  env: string
  port: number
  host: string
  databaseUrl: string
  /** Redis (REDIS_URL): shared counters, invalidations and leases; absent = everything stays in process. */
  redis: { url?: string, leaseMs: number }
  jwtSecret: string
  jwtExpiresIn: string
  adminEmails: Set<string>
  corsOrigins: string[]
  logLevel: string
  /** Log lines: `auto` (pretty in a development terminal, JSON otherwise), `pretty` or `json`. */
  logFormat: 'auto' | 'pretty' | 'json'
  trustProxy: boolean
  bodyLimit: number
  rateLimits: { generation: number, chat: number, general: number, sdkChat: number, sdkGeneral: number }
  /** Length of a rate-limit window in ms (60 000: the limits are per minute). */
  rateLimitWindowMs: number
  /** SQLite `synchronous` pragma. */
  sqliteSynchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'
  /** Overload shedding thresholds (0 = that check is off). */
  pressure: { maxEventLoopDelayMs: number, maxHeapUsedBytes: number, maxRssBytes: number, retryAfterS: number }
  maintenance: { forced: boolean, retryAfterS: number, cacheMs: number }
  /** The turn pipeline (README "How a turn works"). */
  chat: { pipeline: 'streamed' | 'sequential', speculativeReply: boolean, speculativeTransitions: number }
  llm: {
    defaultModel: string
    timeoutMs: number
    serverKey?: string
    allowServerKeyForSdk: boolean
    /** mock/… models are answered in-process (LLM_MOCK=true). */
    mock: boolean
    baseUrls: Record<string, string | undefined>
  }
}

export class ConfigError extends Error {
  name = 'ConfigError'
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)

/**
 * Reads and validates the environment once. Throws ConfigError naming the bad setting.
 * In development a JWT secret is generated once and kept in DATA_DIR; production refuses to start without one.
 */
export function loadConfig (source: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const v = source[key]
    if (v !== undefined && v !== '') raw[key] = v
  }
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw))
  const first = Value.Errors(EnvSchema, converted).First()
  if (first) {
    const name = first.path.replace(/^\//, '') || 'environment'
    throw new ConfigError(`Invalid setting ${name}=${JSON.stringify(raw[name] ?? '')}: ${first.message}`)
  }
  const env = converted as Env
  const production = env.NODE_ENV === 'production'

  let jwtSecret = env.JWT_SECRET
  if (jwtSecret !== undefined && jwtSecret.length < 32 && production) {
    throw new ConfigError('Invalid setting JWT_SECRET: must be at least 32 characters in production')
  }
  if (jwtSecret === undefined) {
    if (production) throw new ConfigError('Missing setting JWT_SECRET: required (at least 32 characters) when NODE_ENV=production')
    jwtSecret = developmentSecret(env.DATA_DIR, env.DATABASE_URL)
  }

  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redis: { url: env.REDIS_URL, leaseMs: env.SESSION_LEASE_MS },
    jwtSecret,
    // a bare number means seconds (the JWT library reads bare strings as milliseconds)
    jwtExpiresIn: /^[0-9]+$/.test(env.JWT_EXPIRES_IN) ? `${env.JWT_EXPIRES_IN}s` : env.JWT_EXPIRES_IN,
    adminEmails: new Set(list(env.ADMIN_EMAILS).map((e) => e.toLowerCase())),
    corsOrigins: list(env.CORS_ORIGINS),
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    trustProxy: env.TRUST_PROXY,
    bodyLimit: env.BODY_LIMIT,
    rateLimits: {
      generation: env.RATE_LIMIT_GENERATION,
      chat: env.RATE_LIMIT_CHAT,
      general: env.RATE_LIMIT_GENERAL,
      sdkChat: env.RATE_LIMIT_SDK_CHAT,
      sdkGeneral: env.RATE_LIMIT_SDK_GENERAL
    },
    rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS as Config['sqliteSynchronous'],
    pressure: {
      maxEventLoopDelayMs: env.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: env.PRESSURE_MAX_HEAP_USED_BYTES,
      maxRssBytes: env.PRESSURE_MAX_RSS_BYTES,
      retryAfterS: env.PRESSURE_RETRY_AFTER_S
    },
    maintenance: { forced: env.MAINTENANCE_MODE, retryAfterS: env.MAINTENANCE_RETRY_AFTER_S, cacheMs: env.MAINTENANCE_CACHE_MS },
    chat: { pipeline: env.CHAT_PIPELINE, speculativeReply: env.SPECULATIVE_REPLY, speculativeTransitions: env.SPECULATIVE_TRANSITIONS },
    llm: {
      defaultModel: env.DEFAULT_LLM_MODEL,
      timeoutMs: env.LLM_TIMEOUT_MS,
      serverKey: env.LLM_API_KEY,
      allowServerKeyForSdk: env.SDK_ALLOW_SERVER_LLM_KEY,
      mock: env.LLM_MOCK,
      baseUrls: {
        openai: env.OPENAI_BASE_URL,
        anthropic: env.ANTHROPIC_BASE_URL,
        groq: env.GROQ_BASE_URL,
        openrouter: env.OPENROUTER_BASE_URL,
        mistral: env.MISTRAL_BASE_URL,
        deepseek: env.DEEPSEEK_BASE_URL,
        together_ai: env.TOGETHER_BASE_URL,
        xai: env.XAI_BASE_URL,
        gemini: env.GEMINI_BASE_URL,
        ollama: env.OLLAMA_BASE_URL
      }
    }
  }
}

// An in-memory database gets a throwaway secret; a file database keeps one secret across restarts.
function developmentSecret (dataDir: string, databaseUrl: string): string {
  if (databaseUrl === ':memory:') return randomBytes(32).toString('hex')
  const file = `${dataDir}/jwt-secret`
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept.length >= 32) return kept
  }
  mkdirSync(dirname(file), { recursive: true })
  const secret = randomBytes(32).toString('hex')
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}
