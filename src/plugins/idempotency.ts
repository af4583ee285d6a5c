// Idempotency-Key (SPEC §10): a repeated request returns the stored result of the first instead of running again.
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, onSendAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify'
import { Errors } from '../errors.ts'
import type { IdempotencyRecord } from '../repositories/contract.ts'
import { openSse } from '../sse.ts'

/** How a route answers: one JSON body, or a chat event stream (replayed as metadata, one text_delta, done). */
export type IdempotentKind = 'json' | 'stream'

export interface IdempotencyClaim {
  /** Stores the result of the request holding the key (the stream routes call it once the turn is committed). */
  complete: (status: number, body: string) => Promise<void>
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour the Idempotency-Key header on this route. */
    idempotent?: IdempotentKind
  }
  interface FastifyRequest {
    /** Set while this request holds an Idempotency-Key. */
    idempotency: IdempotencyClaim | null
  }
}

export interface IdempotencyOptions {
  /** How long a result is kept and replayed (default 24 h). */
  ttlMs?: number
  /** A claim still running after this long is taken as abandoned (its process died; default 15 min). */
  staleMs?: number
  /** How often a duplicate re-reads a claim held by another process (default 100 ms). */
  pollMs?: number
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/
const DAY_MS = 24 * 3600 * 1000

/** JSON with object keys sorted, so the same body in another key order has the same fingerprint. */
function stable (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function fingerprintOf (req: FastifyRequest): string {
  const request = { method: req.method, route: req.routeOptions.url, params: req.params, query: req.query, body: req.body }
  return createHash('sha256').update(stable(request)).digest('hex')
}

/** The caller's scope: the API key's owner for the SDK, the signed-in user for the web API. */
function scopeOf (req: FastifyRequest): string | null {
  if (req.apiKey) return `sdk:${req.apiKey.userId}`
  const user = req.user as { id?: string } | undefined
  return typeof user?.id === 'string' ? `user:${user.id}` : null
}

function replay (reply: FastifyReply, record: IdempotencyRecord, kind: IdempotentKind) {
  if (kind === 'stream') {
    const turn = JSON.parse(record.body as string) as Record<string, unknown>
    const { message, ...metadata } = turn
    const sse = openSse(reply, { heartbeatMs: 0 })
    sse.send('metadata', metadata)
    sse.send('text_delta', { text: message })
    sse.send('done', null, record.body as string)
    sse.end()
    return reply
  }
  return reply.code(record.status as number)
    .header('content-type', 'application/json; charset=utf-8')
    .header('idempotent-replayed', 'true')
    .send(record.body)
}

/**
 * Honours `Idempotency-Key` on routes with `config.idempotent`. Runs after authentication and validation:
 * within the TTL the same key with the same request (method, route, params, query, validated body) from
 * the same scope gets the stored status and body without running again; another request with that key
 * is a 400; a duplicate of a request still running waits for it. Only successful results are stored:
 * a failed request frees its key, so the client's retry runs afresh (a failed turn commits nothing).
 */
export default fp(async function idempotencyPlugin (app, opts: IdempotencyOptions) {
  const ttlMs = opts.ttlMs ?? DAY_MS
  const staleMs = opts.staleMs ?? 15 * 60 * 1000
  const pollMs = opts.pollMs ?? 100
  const repo = app.repos.idempotency
  // Requests of this process holding a key: duplicates wait on these instead of polling.
  const running = new Map<string, Promise<void>>()

  app.decorateRequest('idempotency', null)

  function waitFor (id: string): Promise<void> {
    return running.get(id) ?? new Promise((resolve) => setTimeout(resolve, pollMs))
  }

  /** Marks the request as holding the key; the first of complete / release wins. */
  function hold (req: FastifyRequest, reply: FastifyReply, scope: string, key: string) {
    const id = `${scope}\n${key}`
    let finish = () => {}
    running.set(id, new Promise<void>((resolve) => { finish = resolve }))
    let settled = false
    // Duplicates waiting on this request wake only once the record is stored or freed.
    const settle = async (store: (() => Promise<void>) | null) => {
      if (settled) return
      settled = true
      try {
        if (store) await store()
        else await repo.release(scope, key)
      } finally {
        running.delete(id)
        finish()
      }
    }
    req.idempotency = {
      complete: (status, body) => settle(status >= 200 && status < 300 ? () => repo.complete(scope, key, status, body) : null)
    }
    // Whatever ended the request without a stored result (an error, a client gone mid-stream) frees the key.
    reply.raw.once('close', () => {
      settle(null).catch((err: unknown) => req.log.error({ err }, 'freeing an Idempotency-Key failed'))
    })
  }

  const claimHook = (kind: IdempotentKind): preHandlerAsyncHookHandler => async function idempotencyClaim (req, reply) {
    const header = req.headers['idempotency-key']
    if (header === undefined) return
    const key = Array.isArray(header) ? header[0] : header
    if (!KEY_PATTERN.test(key)) throw new Errors.BadRequest('Idempotency-Key must be 1 to 255 visible ASCII characters')
    const scope = scopeOf(req)
    if (scope === null) return
    const fingerprint = fingerprintOf(req)
    for (;;) {
      const now = Date.now()
      const result = await repo.claim(scope, key, fingerprint, now, now - ttlMs, now - staleMs)
      if (result.claimed) return hold(req, reply, scope, key)
      if (result.record.fingerprint !== fingerprint) {
        throw new Errors.BadRequest('This Idempotency-Key was already used with a different request (another route, session or body) in the last 24 hours: send a new key for a new request')
      }
      if (result.record.status !== null) return replay(reply, result.record, kind)
      await waitFor(`${scope}\n${key}`)
    }
  }

  const storeHook: onSendAsyncHookHandler = async function idempotencyStore (req, reply, payload) {
    if (req.idempotency !== null && typeof payload === 'string') await req.idempotency.complete(reply.statusCode, payload)
    return payload
  }

  app.addHook('onRoute', (route) => {
    const kind = (route.config as { idempotent?: IdempotentKind } | undefined)?.idempotent
    if (kind === undefined) return
    const add = <T>(existing: T | T[] | undefined, hook: T): T[] => existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook]
    route.preHandler = add(route.preHandler, claimHook(kind))
    route.onSend = add(route.onSend, storeHook)
  })

  const purge = () => repo.purge(Date.now() - ttlMs)
  await purge()
  const timer = setInterval(() => { purge().catch((err: unknown) => app.log.error({ err }, 'purging Idempotency-Key records failed')) }, 3600 * 1000)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}, { name: 'idempotency', dependencies: ['repositories', 'guard'] })
