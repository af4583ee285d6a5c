// Web chat (SPEC §3): the SDK chat endpoints under /chat/{persona_id}/… with JWT, and POST /auth/migrate-progress.
import { Errors } from '../../errors.ts'
import { errors, ref } from '../../schemas/common.ts'
import { MigrateProgressBody, MigrateProgressResult } from '../../schemas/chat.ts'
import { registerChatRoutes } from '../chat-routes.ts'
import type { App } from '../types.ts'

export interface WebChatOptions {
  /** Heartbeat interval of streams in ms (default 15 s). */
  heartbeatMs?: number
}

/** /chat/{persona_id}/… (signed-in users and guests) and /auth/migrate-progress (registered users). */
export default async function webChatRoutes (app: App, opts: WebChatOptions = {}) {
  registerChatRoutes(app, {
    prefix: '/chat',
    auth: 'jwt',
    limits: { turn: 'chat', other: 'general' },
    tag: 'chat',
    ids: {
      init: 'initSession',
      message: 'sendMessage',
      stream: 'streamMessage',
      session: 'getSession',
      history: 'getHistory',
      reset: 'resetSession',
      machines: 'listMachines'
    },
    viewer: (req) => ({ kind: 'web', userId: req.user.id, role: req.user.role }),
    traceQuery: false,
    notes: {
      access: 'Any signed-in user or guest on published personas; the owner also on unpublished ones (editor preview), others 403. ' +
        'Sessions belong to the signed-in user. LLM key and models come from the X-LLM-* headers, else the server\'s default key.',
      turnLimit: 'Rate category Chat (per IP).',
      otherLimit: 'Rate category General (per IP).'
    },
    heartbeatMs: opts.heartbeatMs
  })

  app.post('/auth/migrate-progress', {
    config: { auth: 'user' },
    schema: {
      operationId: 'migrateProgress',
      tags: ['auth'],
      summary: 'Take over a guest\'s chats',
      description: 'Moves the web sessions, messages and player progress of a guest account (its user id, from POST /auth/guest) to the signed-in ' +
        'registered user, typically right after the guest registers. Where both accounts have a session on the same machine for the same ' +
        'user_session_id, the more recently active one is kept; progress for the same persona and user_session_id is merged (unlocks ' +
        'united, the guest\'s outcomes and variables win, memories joined). 404 when there is no such account, 400 when it is not a ' +
        'guest account; guests themselves get 403.',
      body: ref(MigrateProgressBody),
      response: { 200: ref(MigrateProgressResult), ...errors(400, 401, 403, 404, 429) }
    }
  }, async (req) => {
    const guest = await app.repos.users.findById(req.body.old_session_id)
    if (!guest) throw new Errors.NotFound('No guest account with this old_session_id')
    if (guest.role !== 'guest') throw new Errors.BadRequest('old_session_id is not a guest account')
    return app.chat.migrateProgress({ fromUserId: guest.id, toUserId: req.user.id })
  })
}
