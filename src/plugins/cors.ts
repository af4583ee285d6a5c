// CORS for browser games: the allowed origins (CORS_ORIGINS), every request header the API reads, and the response headers a client needs.
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

/** Request headers the API reads; a browser may send each of them cross-origin. */
export const ALLOWED_HEADERS = [
  'content-type', 'authorization', 'x-api-key', 'idempotency-key', 'x-rapport-speculative-reply',
  'x-llm-api-key', 'x-llm-model', 'x-llm-eval-model', 'x-llm-response-model', 'x-llm-summarization-model',
  'x-llm-eval-api-key', 'x-llm-response-api-key', 'x-llm-summarization-api-key'
]

/** Response headers a browser client may read: rate limits and Retry-After (429, 503), the request id, and whether a result was replayed. */
export const EXPOSED_HEADERS = ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id', 'idempotent-replayed']

/** How long a browser may cache a preflight answer, in seconds. */
export const PREFLIGHT_MAX_AGE = 600

/**
 * Registers @fastify/cors when origins are configured ('*' allows any origin). Its headers are set in
 * onRequest, so they are on every answer: errors, 429s, and the hijacked event stream (src/sse.ts copies them).
 * Without origins no CORS header is sent at all and browsers refuse cross-origin calls.
 */
export async function registerCors (app: FastifyInstance, origins: string[]) {
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins.includes('*') ? true : origins,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE
  })
}
