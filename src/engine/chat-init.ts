// init-session: the greeting in the machine's initial state, stored as the first message of a new (or replaced) session.
import { Errors } from '../errors.ts'
import type { SessionsRepository } from '../repositories/sessions-repository.ts'
import type { Background } from './chat-background.ts'
import type { Resolver } from './chat-context.ts'
import type { ChatService } from './chat-types.ts'
import { initialState } from './core.ts'
import type { GraphState } from './graph.ts'
import type { SessionQueue } from './session-queue.ts'
import { stepTrace, type Steps } from './steps.ts'

export interface InitOptions {
  repos: { sessions: SessionsRepository }
  steps: Steps
  resolver: Resolver
  background: Background
  queue: SessionQueue
}

/** The service's initSession: nothing is created or replaced unless the greeting succeeded. */
export function createInitSession ({ repos, steps, resolver, background, queue }: InitOptions): ChatService['initSession'] {
  return async function initSession (a) {
    const ctx = await resolver.resolve(a)
    const configs = resolver.stepConfigs(ctx, a.headers)
    let start: GraphState
    try {
      start = initialState(ctx.machine)
    } catch {
      throw new Errors.BadRequest(`Machine "${ctx.machine.machine_key}" has no initial state`)
    }
    return queue.run(ctx.queueKey, async () => {
      const progress = await repos.sessions.progress(ctx.scope, ctx.persona.id, a.userSessionId)
      const player = { name: a.playerName, gender: a.playerGender }
      const greeting = await steps.greeting(configs.response, { persona: ctx.persona, machine: ctx.machine, state: start, player, memory: progress.memory_summary }, a.signal)
      const reply = stepTrace(greeting.model, greeting.usage, greeting.latencyMs)
      const session = await repos.sessions.replace(ctx.key, {
        playerName: a.playerName,
        playerGender: a.playerGender,
        initialState: start.state_key,
        greeting: {
          role: 'assistant',
          content: greeting.text,
          state_key_at_time: start.state_key,
          score_at_time: 0,
          decision: null,
          follow_up_triggered: false,
          trace: { transition_id: null, decision: null, evaluator_reason: null, fallback: false, steps: { reply } }
        },
        tokens: { in: reply.tokens_in, out: reply.tokens_out }
      })
      background.afterInit(ctx, a.userSessionId, configs.summarization)
      return {
        session_id: session.session_id,
        user_session_id: a.userSessionId,
        persona_name: ctx.persona.name,
        persona_description: ctx.persona.description,
        player_name: a.playerName,
        player_gender: a.playerGender,
        message: greeting.text,
        machine_id: ctx.machine.machine_id
      }
    })
  }
}
