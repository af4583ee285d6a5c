// The chat endpoints shared by the SDK API (X-API-Key) and the web chat (JWT): init, message, stream, session, history, reset, machines.
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { TurnStream, Viewer } from '../engine/chat-types.ts'
import type { AuthKind, LimitCategory } from '../plugins/guard.ts'
import { describeError, errorBody } from '../errors.ts'
import { errors, ref } from '../schemas/common.ts'
import { IdempotencyHeaders, MessageHeaders, TurnHeaders } from '../schemas/headers.ts'
import {
  ChatHistory, ChatParams, ChatResponse, ChatStreamEvent, HistoryQuery, InitSessionBody, MachineInfo, MachineQuery, MachinesQuery,
  MessageBody, ResetResponse, SessionInit, SessionQuery, SessionStatus, StreamMetadata
} from '../schemas/chat.ts'
import { DEFAULT_HEARTBEAT_MS, openSse, type SseWriter } from '../sse.ts'
import type { App } from './types.ts'

export interface ChatRoutesVariant {
  /** Path prefix under /api/v1: '/sdk/chat' or '/chat'. */
  prefix: string
  auth: AuthKind
  /** Rate categories of the turn routes (init, message, stream) and of the others. */
  limits: { turn: LimitCategory, other: LimitCategory }
  tag: string
  /** operationId of each route (SDK and web ids must differ). */
  ids: Record<'init' | 'message' | 'stream' | 'session' | 'history' | 'reset' | 'machines', string>
  /** Who is calling, for the chat service. */
  viewer: (req: FastifyRequest) => Viewer
  /** History: true when the route offers ?include_trace (SDK); false when the trace is always asked for (web: owner only). */
  traceQuery: boolean
  /** Extra words for descriptions (who may call, which rate category). */
  notes: { access: string, turnLimit: string, otherLimit: string }
  /** Heartbeat interval of streams in ms. */
  heartbeatMs?: number
}

const STREAM_DESCRIPTION =
  'Once the turn is decided (the evaluation\'s decision is known; its reason may still be arriving) the answer is `200 text/event-stream` with events `event: <name>\\ndata: <one-line JSON>\\n\\n`: ' +
  '`metadata` (StreamMetadata: the ChatResponse without `message`, exactly once, before any text), ' +
  '`text_delta` (`{"text": "<chunk>"}`, as the provider produces tokens), `done` (the full ChatResponse, after the turn is committed) ' +
  'or `error` (`{"error": {"message": "…"}}` when the turn fails after the stream began; nothing is committed and the stream ends). ' +
  'A comment line `: ping` is sent every 15 seconds while the stream is idle. Every failure before the stream began is a normal JSON error with its status. ' +
  'A client that disconnects aborts the provider call and nothing is committed.'

/** Registers the seven chat routes of one API (SDK or web) on `app`. */
export function registerChatRoutes (app: App, v: ChatRoutesVariant) {
  const path = (suffix: string) => `${v.prefix}/:persona_id${suffix}`
  const heartbeatMs = v.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
  const target = (req: FastifyRequest, personaId: string, machineId: string | null | undefined, userSessionId: string) =>
    ({ viewer: v.viewer(req), personaId, machineId: machineId ?? null, userSessionId })

  app.post(path('/init-session'), {
    config: { auth: v.auth, limit: v.limits.turn, idempotent: 'json' },
    schema: {
      operationId: v.ids.init,
      tags: [v.tag],
      summary: 'Start a session',
      description: 'Starts a session with the persona on a machine (default: the primary machine) and returns the NPC\'s greeting, ' +
        'which is stored as the first message of the history. An existing session of the same player on that machine is replaced. ' +
        `A linked machine not yet unlocked for the player answers 403. ${v.notes.access} ${v.notes.turnLimit}`,
      params: ChatParams,
      querystring: MachineQuery,
      headers: TurnHeaders,
      body: ref(InitSessionBody),
      response: { 200: ref(SessionInit), ...errors(400, 401, 403, 404, 429, 500) }
    }
  }, async (req) => app.chat.initSession({
    ...target(req, req.params.persona_id, req.query.machine_id, req.body.user_session_id),
    playerName: req.body.player_name,
    playerGender: req.body.player_gender,
    headers: req.headers
  }))

  app.post(path('/message'), {
    config: { auth: v.auth, limit: v.limits.turn, idempotent: 'json' },
    schema: {
      operationId: v.ids.message,
      tags: [v.tag],
      summary: 'Send a message',
      description: 'Plays one turn: the evaluator picks a transition, the session moves, the NPC replies; all committed at once, or nothing on failure. ' +
        'Messaging a session that has an outcome answers 400. Turns of one session run one at a time in arrival order. ' +
        `${v.notes.access} ${v.notes.turnLimit}`,
      params: ChatParams,
      querystring: MachineQuery,
      headers: MessageHeaders,
      body: ref(MessageBody),
      response: { 200: ref(ChatResponse), ...errors(400, 401, 403, 404, 429, 500) }
    }
  }, async (req) => app.chat.sendMessage({
    ...target(req, req.params.persona_id, req.query.machine_id, req.body.user_session_id),
    message: req.body.message,
    headers: req.headers
  }))

  app.post(path('/message/stream'), {
    config: { auth: v.auth, limit: v.limits.turn, idempotent: 'stream' },
    schema: {
      operationId: v.ids.stream,
      tags: [v.tag],
      summary: 'Send a message and stream the reply',
      description: `${STREAM_DESCRIPTION} ${v.notes.access} ${v.notes.turnLimit}`,
      params: ChatParams,
      querystring: MachineQuery,
      headers: MessageHeaders,
      body: ref(MessageBody),
      response: {
        200: {
          description: 'Server-sent events: metadata, text_delta…, then done or error',
          content: { 'text/event-stream': { schema: ref(ChatStreamEvent), 'x-stream-item-schema': true } }
        },
        ...errors(400, 401, 403, 404, 429, 500)
      }
    }
  }, async (req, reply) => {
    const controller = new AbortController()
    // reply.raw closes when the client goes away (req.raw would close as soon as the body was read).
    const onClose = () => { if (!reply.raw.writableFinished) controller.abort() }
    reply.raw.on('close', onClose)
    let turn
    try {
      turn = await app.chat.streamMessage({
        ...target(req, req.params.persona_id, req.query.machine_id, req.body.user_session_id),
        message: req.body.message,
        headers: req.headers,
        signal: controller.signal
      })
    } catch (err) {
      reply.raw.off('close', onClose)
      throw err
    }
    // From here on failures are reported in the stream; never leave the final promise unhandled.
    turn.done.catch(() => {})
    // A committed turn is the stream's result for a repeated Idempotency-Key.
    turn.done.then((final) => req.idempotency?.complete(200, reply.serializeInput(final, ChatResponse)), () => {})
      .catch((err: unknown) => req.log.error({ err }, 'storing the result of an Idempotency-Key failed'))
    if (controller.signal.aborted) return streamGone(req, reply)
    await pipeTurn(req, reply, turn, heartbeatMs)
    reply.raw.off('close', onClose)
  })

  app.get(path('/session'), {
    config: { auth: v.auth, limit: v.limits.other },
    schema: {
      operationId: v.ids.session,
      tags: [v.tag],
      summary: 'Get a session',
      description: `The player's session on the machine (default: the primary machine); 404 when there is none. ${v.notes.access} ${v.notes.otherLimit}`,
      params: ChatParams,
      querystring: SessionQuery,
      response: { 200: ref(SessionStatus), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => app.chat.getSession(target(req, req.params.persona_id, req.query.machine_id, req.query.user_session_id)))

  app.get(path('/history'), {
    config: { auth: v.auth, limit: v.limits.other },
    schema: {
      operationId: v.ids.history,
      tags: [v.tag],
      summary: 'Get a session\'s history',
      description: (v.traceQuery
        ? 'The session and its messages, oldest first; with include_trace=true each message carries its turn trace. '
        : 'The session and its messages, oldest first; the persona\'s owner also gets each message\'s turn trace. ') +
        `404 when there is no session. ${v.notes.access} ${v.notes.otherLimit}`,
      params: ChatParams,
      querystring: v.traceQuery ? HistoryQuery : SessionQuery,
      response: { 200: ref(ChatHistory), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    const query = req.query as { user_session_id: string, machine_id?: string, include_trace?: boolean }
    return app.chat.getHistory({
      ...target(req, req.params.persona_id, query.machine_id, query.user_session_id),
      includeTrace: v.traceQuery ? query.include_trace === true : true
    })
  })

  app.post(path('/reset'), {
    config: { auth: v.auth, limit: v.limits.other, idempotent: 'json' },
    schema: {
      operationId: v.ids.reset,
      tags: [v.tag],
      summary: 'Reset a session',
      description: 'Deletes the player\'s session on the machine and its messages; the player\'s progress (unlocked machines, outcomes, variables) is kept. ' +
        `No body (an empty body with Content-Type: application/json is fine). 404 when there is no session. ${v.notes.access} ${v.notes.otherLimit}`,
      params: ChatParams,
      querystring: SessionQuery,
      headers: IdempotencyHeaders,
      response: { 200: ref(ResetResponse), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => app.chat.reset(target(req, req.params.persona_id, req.query.machine_id, req.query.user_session_id)))

  app.get(path('/machines'), {
    config: { auth: v.auth, limit: v.limits.other },
    schema: {
      operationId: v.ids.machines,
      tags: [v.tag],
      summary: 'List the machines available to a player',
      description: 'Entry machines and the machines the player has unlocked, with whether the player has a session on each and its outcome. ' +
        `${v.notes.access} ${v.notes.otherLimit}`,
      params: ChatParams,
      querystring: MachinesQuery,
      response: { 200: Type.Array(ref(MachineInfo)), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => app.chat.listMachines({ viewer: v.viewer(req), personaId: req.params.persona_id, userSessionId: req.query.user_session_id }))
}

type Turn = TurnStream

/** The client left while the evaluation ran: nothing to write. */
function streamGone (req: FastifyRequest, reply: FastifyReply) {
  req.log.info('stream client disconnected before the stream began')
  reply.hijack()
  if (!reply.raw.destroyed) reply.raw.destroy()
}

/** Writes metadata, the text deltas as they arrive, then done (or error) and ends the stream. */
async function pipeTurn (req: FastifyRequest, reply: FastifyReply, turn: Turn, heartbeatMs: number) {
  let sse: SseWriter
  try {
    sse = openSse(reply, { heartbeatMs })
  } catch (err) {
    req.log.error({ err, reqId: req.id }, 'could not open the event stream')
    reply.raw.destroy()
    return
  }
  try {
    sse.send('metadata', null, reply.serializeInput(turn.metadata, StreamMetadata))
    for await (const text of turn.textStream) {
      if (sse.closed) break
      if (text === '') continue
      if (!sse.send('text_delta', { text })) await sse.drained()
    }
    const final = await turn.done
    sse.send('done', null, reply.serializeInput(final, ChatResponse))
  } catch (err) {
    const { status, message } = describeError(err as FastifyError)
    if (sse.closed) {
      req.log.info({ status, message }, 'stream ended by the client')
    } else {
      if (status >= 500) req.log.error({ err, reqId: req.id }, 'stream failed')
      else req.log.info({ status }, message)
      sse.send('error', errorBody(message))
    }
  } finally {
    sse.end()
  }
}
