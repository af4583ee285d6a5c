// Chat plugin: the LLM client (app.llm) and the conversation service (app.chat) over the repositories.
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { createLlmClient, type LlmClient, type LlmSettings } from '../llm/client.ts'
import { createChatService } from '../engine/chat-service.ts'
import type { ChatService } from '../engine/chat-types.ts'
import { createLocalLocks, createSessionQueue } from '../engine/session-queue.ts'
import { createRedisSessionQueue } from '../redis/session-queue.ts'
import { createRedisLocks } from '../redis/locks.ts'
import { redisOf } from './redis.ts'

declare module 'fastify' {
  interface FastifyInstance {
    llm: LlmClient
    chat: ChatService
  }
}

/** How long closing the server waits for background summaries and extractions. */
const CLOSE_GRACE_MS = 3000

/** Decorates app.llm (provider access, base URLs from configuration only) and app.chat. */
export default fp(async function chatPlugin (app, opts: { llm: Config['llm'], chat: Config['chat'], leaseMs?: number }) {
  const baseUrls: LlmSettings['baseUrls'] = {}
  for (const [provider, url] of Object.entries(opts.llm.baseUrls)) {
    if (url !== undefined && url !== '') baseUrls[provider as keyof LlmSettings['baseUrls']] = url
  }
  const llm = createLlmClient({ baseUrls, timeoutMs: opts.llm.timeoutMs, mock: opts.llm.mock })
  app.decorate('llm', llm)
  // With Redis, turns of a session are serialized and background work locked across instances.
  const leaseMs = opts.leaseMs ?? 10_000
  const redis = redisOf(app)
  const queue = redis !== null ? await createRedisSessionQueue({ redis, leaseMs, log: app.log }) : createSessionQueue()
  const locks = redis !== null ? createRedisLocks({ client: redis.client, leaseMs, log: app.log }) : createLocalLocks()
  app.decorate('chat', createChatService({ repos: app.repos, llm, llm_config: opts.llm, log: app.log, pipeline: opts.chat, queue, locks }))
  app.addHook('onClose', async () => { await app.chat.close(CLOSE_GRACE_MS) })
}, { name: 'chat', dependencies: ['repositories'] })
