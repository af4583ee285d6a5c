// What a chat call resolves before any LLM call: persona, access, machine, availability, session, state and step keys.
import { Errors } from '../errors.ts'
import type { Config } from '../config.ts'
import type { ChatMessage } from '../llm/client.ts'
import { resolveStepConfigs, type StepConfigs } from '../llm/keys.ts'
import type { LoadedGraph, PersonasRepository, PersonaView, StoredMachine } from '../repositories/personas-repository.ts'
import type { ProgressRecord, SessionKey, SessionRecord, SessionsRepository, StoredMessage } from '../repositories/sessions-repository.ts'
import { isMachineAvailable, type PlayerProgressSnapshot } from './core.ts'
import type { GraphState } from './graph.ts'
import type { PromptPlayer } from './prompts.ts'
import type { LlmInput, Target, Viewer } from './chat-types.ts'

/** Everything resolved about a target before any LLM call. */
export interface Context {
  persona: PersonaView
  graph: LoadedGraph['graph']
  machine: StoredMachine
  scope: string
  key: SessionKey
  /** The session queue key: scope|persona|machine|user_session_id. */
  queueKey: string
  viewer: Viewer
}

export const SESSION_NOT_FOUND = 'Session not found: call init-session first'

/** The scope of a viewer's sessions: all API keys of one owner share sessions; web users have their own. */
export function scopeOf (viewer: Viewer): string {
  return viewer.kind === 'sdk' ? `sdk:${viewer.ownerId}` : `user:${viewer.userId}`
}

export function progressSnapshot (progress: ProgressRecord): PlayerProgressSnapshot {
  return { unlocked_machine_keys: progress.unlocked_machine_keys, completed: progress.completed }
}

export function toChat (messages: StoredMessage[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content }))
}

export function playerOf (session: SessionRecord): PromptPlayer {
  return { name: session.player_name, gender: session.player_gender }
}

export interface ResolverOptions {
  repos: { personas: PersonasRepository, sessions: SessionsRepository }
  llm_config: Pick<Config['llm'], 'defaultModel' | 'serverKey' | 'allowServerKeyForSdk'> & Partial<Pick<Config['llm'], 'mock'>>
}

/** The checks of a chat call, in the documented order (README "Check order of a chat call"). */
export function createResolver ({ repos, llm_config: llmConfig }: ResolverOptions) {
  function checkAccess (persona: PersonaView, viewer: Viewer) {
    if (viewer.kind === 'sdk') {
      if (persona.owner_id !== viewer.ownerId) throw new Errors.Forbidden('This persona belongs to another account')
      if (!persona.is_published) throw new Errors.Forbidden('Persona is not published')
      return
    }
    if (persona.is_published) return
    // Editor preview: the owner may chat with an unpublished persona (guests own nothing).
    if (viewer.role !== 'guest' && persona.owner_id === viewer.userId) return
    throw new Errors.Forbidden('Persona is not published')
  }

  /** Persona (404) → access (403), without a machine. */
  async function loadPersona (a: { viewer: Viewer, personaId: string }): Promise<LoadedGraph> {
    const loaded = await repos.personas.loadGraph(a.personaId)
    if (loaded === null) throw new Errors.NotFound('Persona not found')
    checkAccess(loaded.persona, a.viewer)
    return loaded
  }

  /** Persona (404) → access (403) → machine (404) → availability for this player (403). */
  async function resolve (a: Target): Promise<Context> {
    const { persona, graph } = await loadPersona(a)
    const machine = a.machineId === null
      ? graph.machines.find((m) => m.is_entry)
      : graph.machines.find((m) => m.machine_id === a.machineId)
    if (machine === undefined) {
      throw new Errors.NotFound(a.machineId === null ? 'Machine not found: the persona has no entry machine' : 'Machine not found')
    }
    const scope = scopeOf(a.viewer)
    const progress = await repos.sessions.progress(scope, persona.id, a.userSessionId)
    if (!isMachineAvailable(machine.machine_key, graph, progressSnapshot(progress))) {
      throw new Errors.Forbidden('Machine is locked for this player')
    }
    const key = { scope, personaId: persona.id, machineId: machine.machine_id, userSessionId: a.userSessionId }
    return { persona, graph, machine, scope, key, queueKey: `${scope}|${persona.id}|${machine.machine_id}|${a.userSessionId}`, viewer: a.viewer }
  }

  function stepConfigs (ctx: Context, headers: LlmInput['headers']): StepConfigs {
    return resolveStepConfigs(headers, {
      defaultModel: llmConfig.defaultModel,
      serverKey: llmConfig.serverKey,
      mock: llmConfig.mock,
      allowServerKey: ctx.viewer.kind === 'web' ? true : llmConfig.allowServerKeyForSdk
    })
  }

  function stateOf (machine: StoredMachine, stateKey: string): GraphState {
    const state = machine.states.find((s) => s.state_key === stateKey)
    if (state === undefined) {
      throw new Errors.BadRequest(`The session's state "${stateKey}" no longer exists in this machine; start a new session`)
    }
    return state
  }

  /** The session (404 without one), whether or not it has ended. */
  async function existing (ctx: Context): Promise<SessionRecord> {
    const session = await repos.sessions.find(ctx.key)
    if (session === null) throw new Errors.NotFound(SESSION_NOT_FOUND)
    return session
  }

  /** The session (404) that has not ended (400). */
  async function activeSession (ctx: Context): Promise<SessionRecord> {
    const session = await existing(ctx)
    if (session.outcome !== null) throw new Errors.BadRequest('The conversation has ended; start a new session')
    return session
  }

  return { loadPersona, resolve, stepConfigs, stateOf, existing, activeSession }
}

export type Resolver = ReturnType<typeof createResolver>
