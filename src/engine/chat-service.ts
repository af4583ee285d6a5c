// The chat service: composes the checks, init, the turn (evaluate → apply → reply → commit), streaming and background work.
import type { Config } from '../config.ts'
import type { LlmClient } from '../llm/client.ts'
import type { PersonasRepository } from '../repositories/personas-repository.ts'
import { sessionStatus, type SessionsRepository, type StoredMessage } from '../repositories/sessions-repository.ts'
import { createBackground } from './chat-background.ts'
import { createResolver, progressSnapshot, scopeOf, type Context } from './chat-context.ts'
import { createInitSession } from './chat-init.ts'
import { streamTurn } from './chat-stream.ts'
import { createTurns } from './chat-turn.ts'
import { isMachineAvailable } from './core.ts'
import { createSessionQueue, type BackgroundLocks, type SessionQueue } from './session-queue.ts'
import { createSteps } from './steps.ts'
import { DEFAULT_PIPELINE, startTurn, type PipelineSettings } from './chat-pipeline.ts'
import type { ChatHistory, ChatService, HistoryMessage, MachineInfo } from './chat-types.ts'

export interface ChatServiceOptions {
  repos: { personas: PersonasRepository, sessions: SessionsRepository }
  llm: LlmClient
  llm_config: Pick<Config['llm'], 'defaultModel' | 'serverKey' | 'allowServerKeyForSdk'> & Partial<Pick<Config['llm'], 'mock'>>
  log: { warn: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }
  /**
   * Unsummarized messages a prompt may see; once a session has more, the oldest are folded into
   * its rolling summary until `keepAfterSummary` remain (default 16 and 8).
   */
  window?: number
  keepAfterSummary?: number
  /** How turns are decided and whether replies are speculated (default: streamed, speculative). */
  pipeline?: PipelineSettings
  /** Serializes the turns of a session and locks background work (default: in this process). */
  queue?: SessionQueue
  locks?: BackgroundLocks
}

function historyMessage (m: StoredMessage, withTrace: boolean): HistoryMessage {
  const { seq: _seq, trace, ...rest } = m
  return withTrace ? { ...rest, trace } : rest
}

/**
 * Builds the chat service (SPEC §4, §6, §7). Turns of one session run one at a time through a
 * per-session queue; a turn writes nothing until its single commit; summaries and extractions run
 * after the commit and never fail a turn.
 */
export function createChatService (options: ChatServiceOptions): ChatService {
  const { repos, llm, log } = options
  const window = options.window ?? 16
  const keep = Math.min(options.keepAfterSummary ?? 8, window)
  const steps = createSteps(llm)
  const queue = options.queue ?? createSessionQueue()
  const resolver = createResolver(options)
  const background = createBackground({ repos, steps, log, window, keep, locks: options.locks })
  const turns = createTurns({ repos, resolver, background, window })
  const pipeline = { steps, turns, settings: options.pipeline ?? DEFAULT_PIPELINE }
  const arrivals = createSessionQueue()

  /**
   * Resolves a message's target and queues it on its session in the order messages arrived. Resolving
   * reads the database; on a pooled database one read can overtake another, so messages to one target
   * resolve one at a time and each takes its session slot before the next resolves.
   */
  function arrive (a: Parameters<ChatService['sendMessage']>[0]): Promise<{ ctx: Context, slot: Promise<() => void> }> {
    const target = JSON.stringify([a.viewer, a.personaId, a.machineId, a.userSessionId])
    return arrivals.run(target, async () => {
      const ctx = await resolver.resolve(a)
      return { ctx, slot: queue.acquire(ctx.queueKey) }
    })
  }

  return {
    initSession: createInitSession({ repos, steps, resolver, background, queue }),

    async sendMessage (a) {
      const startedAt = performance.now()
      const { ctx, slot } = await arrive(a)
      const release = await slot
      try {
        return await (await startTurn(pipeline, ctx, a, false, startedAt)).finish()
      } finally {
        release()
      }
    },

    async streamMessage (a) {
      const startedAt = performance.now()
      const { ctx, slot } = await arrive(a)
      // streamTurn takes the slot already queued for this message (its acquire returns it).
      return streamTurn({ ...pipeline, queue: { ...queue, acquire: () => slot } }, ctx, a, startedAt)
    },

    async getSession (a) {
      return sessionStatus(await resolver.existing(await resolver.resolve(a)))
    },

    async getHistory (a) {
      const ctx = await resolver.resolve(a)
      const session = await resolver.existing(ctx)
      const withTrace = a.includeTrace && (ctx.viewer.kind === 'sdk' || ctx.persona.owner_id === ctx.viewer.userId)
      const history: ChatHistory = {
        ...sessionStatus(session),
        messages: (await repos.sessions.messagesAfter(session.session_id, 0)).map((m) => historyMessage(m, withTrace))
      }
      return history
    },

    async reset (a) {
      const ctx = await resolver.resolve(a)
      const session = await resolver.existing(ctx)
      await repos.sessions.delete(session.session_id)
      return { session_id: session.session_id, message: 'Session reset' }
    },

    async listMachines (a) {
      const { persona, graph } = await resolver.loadPersona(a)
      const scope = scopeOf(a.viewer)
      const progress = progressSnapshot(await repos.sessions.progress(scope, persona.id, a.userSessionId))
      const sessions = new Map((await repos.sessions.listForPlayer(scope, persona.id, a.userSessionId)).map((s) => [s.machine_id, s]))
      const linked = new Set(graph.machine_links.map((l) => l.to_machine_key))
      return graph.machines
        .filter((m) => isMachineAvailable(m.machine_key, graph, progress))
        .map((m): MachineInfo => ({
          machine_id: m.machine_id,
          machine_key: m.machine_key,
          name: m.name,
          description: m.description,
          has_session: sessions.has(m.machine_id),
          session_outcome: sessions.get(m.machine_id)?.outcome ?? null,
          is_linked: linked.has(m.machine_key)
        }))
    },

    async migrateProgress (a) {
      return await repos.sessions.migrate(`user:${a.fromUserId}`, `user:${a.toUserId}`)
    },

    drain: background.drain,
    close: background.close
  }
}
