// Personas with their whole graph (machines, states, transitions, links, variables): one aggregate, loaded and saved whole.
import { randomUUID } from 'node:crypto'
import { and, asc, count, desc, eq, getTableColumns, inArray, or, sql, type SQL } from 'drizzle-orm'
import {
  machineLinks,
  machineOutputVariables,
  machines,
  personas,
  personaVariables,
  states,
  transitions
} from '../../db/schema.ts'
import type { Db } from '../db.ts'
import type { PersonaGraph } from '../engine/graph.ts'
import type { CacheBus } from '../cache-bus.ts'
import { isUuid, type LoadedGraph, type ListOptions, type PersonaFields, type PersonasRepository, type PersonaView, type SdkPersonaView, type StoredMachine } from './contract.ts'

export type { LoadedGraph, ListOptions, PersonaFields, PersonaView, PersonasRepository, SdkPersonaView, StoredGraph, StoredMachine } from './contract.ts'
export { isUuid } from './contract.ts'

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

type PersonaRow = typeof personas.$inferSelect

function personaView (row: PersonaRow): PersonaView {
  return {
    id: row.id,
    owner_id: row.ownerId,
    name: row.name,
    description: row.description,
    persona_identity_prompt: row.personaIdentityPrompt,
    perplexity_description: row.perplexityDescription,
    is_published: row.isPublished,
    created_at: row.createdAt,
    updated_at: row.updatedAt
  }
}

/**
 * A timestamp strictly after `previous`, so updated_at changes on every save even within one
 * millisecond.
 */
function nextTimestamp (previous: string | null): string {
  const now = Date.now()
  const prev = previous === null ? Number.NEGATIVE_INFINITY : Date.parse(previous)
  return new Date(now > prev ? now : prev + 1).toISOString()
}

/**
 * Data access for personas and their graphs. Saving replaces the whole graph in one synchronous
 * transaction; machines are updated in place while their machine_key is unchanged, so their ids
 * (and the sessions that reference them) survive a save. loadGraph, the chat engine's per-turn
 * read, runs seven prepared statements.
 */
export function createPersonasRepository (db: Db, bus: CacheBus): PersonasRepository {
  const id = sql.placeholder('id')
  const byId = db.select().from(personas).where(eq(personas.id, id)).prepare()
  const machinesOf = db.select().from(machines).where(eq(machines.personaId, id))
    .orderBy(asc(machines.displayOrder), asc(machines.machineKey)).prepare()
  const statesOf = db.select(getTableColumns(states)).from(states).innerJoin(machines, eq(machines.id, states.machineId))
    .where(eq(machines.personaId, id)).orderBy(asc(states.machineId), asc(states.position)).prepare()
  const transitionsOf = db.select(getTableColumns(transitions)).from(transitions).innerJoin(machines, eq(machines.id, transitions.machineId))
    .where(eq(machines.personaId, id)).orderBy(asc(transitions.machineId), asc(transitions.position)).prepare()
  const outputsOf = db.select(getTableColumns(machineOutputVariables)).from(machineOutputVariables)
    .innerJoin(machines, eq(machines.id, machineOutputVariables.machineId))
    .where(eq(machines.personaId, id)).orderBy(asc(machineOutputVariables.machineId), asc(machineOutputVariables.position)).prepare()
  const linksOf = db.select().from(machineLinks).where(eq(machineLinks.personaId, id)).orderBy(asc(machineLinks.position)).prepare()
  const variablesOf = db.select().from(personaVariables).where(eq(personaVariables.personaId, id)).orderBy(asc(personaVariables.position)).prepare()
  const publishedOfOwner = db.select({
    id: personas.id,
    name: personas.name,
    description: personas.description,
    created_at: personas.createdAt,
    updated_at: personas.updatedAt
  }).from(personas)
    .where(and(eq(personas.ownerId, sql.placeholder('ownerId')), eq(personas.isPublished, true)))
    .orderBy(asc(personas.createdAt), asc(personas.id)).prepare()

  function findById (personaId: string): PersonaView | null {
    const row = byId.get({ id: personaId })
    return row ? personaView(row) : null
  }

  function loadGraph (personaId: string): LoadedGraph | null {
    const row = byId.get({ id: personaId })
    if (!row) return null
    const machineRows = machinesOf.all({ id: personaId })
    const built = new Map<string, StoredMachine>()
    const list: StoredMachine[] = machineRows.map((m) => {
      const machine: StoredMachine = {
        machine_id: m.id,
        machine_key: m.machineKey,
        name: m.name,
        description: m.description,
        creator_objective: m.creatorObjective,
        creator_win_condition: m.creatorWinCondition,
        creator_lose_condition: m.creatorLoseCondition,
        chat_system_prompt: m.chatSystemPrompt,
        system_evaluation_prompt: m.systemEvaluationPrompt,
        system_summarization_prompt: m.systemSummarizationPrompt,
        scoring_mode: m.scoringMode,
        pass_threshold: m.passThreshold,
        fail_threshold: m.failThreshold,
        is_entry: m.isEntry,
        display_order: m.displayOrder,
        states: [],
        transitions: [],
        output_variables: []
      }
      built.set(m.id, machine)
      return machine
    })
    for (const s of statesOf.all({ id: personaId })) {
      built.get(s.machineId)?.states.push({
        state_key: s.stateKey,
        label: s.label,
        prompt_instruction: s.promptInstruction,
        is_initial_state: s.isInitialState,
        is_terminal_state: s.isTerminalState,
        terminal_outcome: s.terminalOutcome,
        follow_up_condition: s.followUpCondition,
        display_order: s.displayOrder
      })
    }
    for (const t of transitionsOf.all({ id: personaId })) {
      built.get(t.machineId)?.transitions.push({
        transition_id: t.id,
        from_state_key: t.fromStateKey,
        to_state_key: t.toStateKey,
        decision_type: t.decisionType,
        condition: t.condition,
        score_delta: t.scoreDelta,
        priority: t.priority
      })
    }
    for (const o of outputsOf.all({ id: personaId })) {
      built.get(o.machineId)?.output_variables.push({ key: o.key, extraction_prompt: o.extractionPrompt })
    }
    return {
      persona: personaView(row),
      graph: {
        machines: list,
        machine_links: linksOf.all({ id: personaId }).map((l) => ({
          from_machine_key: l.fromMachineKey,
          to_machine_key: l.toMachineKey,
          condition_type: l.conditionType,
          condition_value: l.conditionValue,
          is_auto_advance: l.isAutoAdvance
        })),
        variables: variablesOf.all({ id: personaId }).map((v) => ({ key: v.key, description: v.description, default_value: v.defaultValue }))
      }
    }
  }

  /** Writes the machines of a graph under a persona whose previous graph rows are being replaced. */
  function writeGraph (tx: Pick<Db, 'select' | 'insert' | 'update' | 'delete'>, personaId: string, graph: PersonaGraph) {
    const existing = tx.select({ id: machines.id, key: machines.machineKey }).from(machines).where(eq(machines.personaId, personaId)).all()
    const idByKey = new Map(existing.map((m) => [m.key, m.id]))
    const wanted = new Set(graph.machines.map((m) => m.machine_key))
    const removed = existing.filter((m) => !wanted.has(m.key)).map((m) => m.id)
    const kept = existing.filter((m) => wanted.has(m.key)).map((m) => m.id)
    // Removing a machine cascades to its states, transitions, output variables and sessions.
    if (removed.length > 0) tx.delete(machines).where(inArray(machines.id, removed)).run()
    if (kept.length > 0) {
      tx.delete(states).where(inArray(states.machineId, kept)).run()
      tx.delete(transitions).where(inArray(transitions.machineId, kept)).run()
      tx.delete(machineOutputVariables).where(inArray(machineOutputVariables.machineId, kept)).run()
    }
    tx.delete(machineLinks).where(eq(machineLinks.personaId, personaId)).run()
    tx.delete(personaVariables).where(eq(personaVariables.personaId, personaId)).run()

    // This persona's transitions are gone now: a given id still in the table belongs to another persona.
    const given = graph.machines.flatMap((m) => m.transitions.map((t) => t.transition_id)).filter(isUuid)
    const taken = new Set<string>()
    for (let i = 0; i < given.length; i += 500) {
      for (const r of tx.select({ id: transitions.id }).from(transitions).where(inArray(transitions.id, given.slice(i, i + 500))).all()) taken.add(r.id)
    }
    const used = new Set<string>()
    const transitionId = (wantedId: string | undefined): string => {
      const chosen = isUuid(wantedId) && !taken.has(wantedId) && !used.has(wantedId) ? wantedId : randomUUID()
      used.add(chosen)
      return chosen
    }

    for (const m of graph.machines) {
      const fields = {
        name: m.name,
        description: m.description,
        creatorObjective: m.creator_objective,
        creatorWinCondition: m.creator_win_condition,
        creatorLoseCondition: m.creator_lose_condition,
        chatSystemPrompt: m.chat_system_prompt,
        systemEvaluationPrompt: m.system_evaluation_prompt,
        systemSummarizationPrompt: m.system_summarization_prompt,
        scoringMode: m.scoring_mode,
        passThreshold: m.pass_threshold,
        failThreshold: m.fail_threshold,
        isEntry: m.is_entry,
        displayOrder: m.display_order
      }
      let machineId = idByKey.get(m.machine_key)
      if (machineId !== undefined) {
        tx.update(machines).set(fields).where(eq(machines.id, machineId)).run()
      } else {
        machineId = randomUUID()
        tx.insert(machines).values({ id: machineId, personaId, machineKey: m.machine_key, ...fields }).run()
      }
      const mid = machineId
      if (m.states.length > 0) {
        tx.insert(states).values(m.states.map((s, position) => ({
          machineId: mid,
          stateKey: s.state_key,
          position,
          label: s.label,
          promptInstruction: s.prompt_instruction,
          isInitialState: s.is_initial_state,
          isTerminalState: s.is_terminal_state,
          terminalOutcome: s.terminal_outcome,
          followUpCondition: s.follow_up_condition,
          displayOrder: s.display_order
        }))).run()
      }
      if (m.transitions.length > 0) {
        tx.insert(transitions).values(m.transitions.map((t, position) => ({
          id: transitionId(t.transition_id),
          machineId: mid,
          position,
          fromStateKey: t.from_state_key,
          toStateKey: t.to_state_key,
          decisionType: t.decision_type,
          condition: t.condition,
          scoreDelta: t.score_delta,
          priority: t.priority
        }))).run()
      }
      if (m.output_variables.length > 0) {
        tx.insert(machineOutputVariables).values(m.output_variables.map((o, position) => ({
          machineId: mid, position, key: o.key, extractionPrompt: o.extraction_prompt
        }))).run()
      }
    }
    if (graph.machine_links.length > 0) {
      tx.insert(machineLinks).values(graph.machine_links.map((l, position) => ({
        personaId,
        position,
        fromMachineKey: l.from_machine_key,
        toMachineKey: l.to_machine_key,
        conditionType: l.condition_type,
        conditionValue: l.condition_value,
        isAutoAdvance: l.is_auto_advance
      }))).run()
    }
    if (graph.variables.length > 0) {
      tx.insert(personaVariables).values(graph.variables.map((v, position) => ({
        personaId, position, key: v.key, description: v.description, defaultValue: v.default_value
      }))).run()
    }
  }

  // Read-mostly caches for the hot paths (every chat turn loads a graph; every SDK client lists
  // personas). Every write to personas goes through this repository and announces the change on the
  // cache bus (changed below); the subscription drops what it may change.
  const graphCache = new Map<string, LoadedGraph>()
  const sdkListCache = new Map<string, SdkPersonaView[]>()
  const CACHE_LIMIT = 1000
  bus.on('persona', (personaId) => {
    if (personaId === '*') graphCache.clear(); else graphCache.delete(personaId)
    sdkListCache.clear()
  })
  // Invalidation point of every persona write (save, setPublished, delete).
  const changed = (personaId: string) => bus.invalidate(`persona:${personaId}`)

  return {
    async findById (personaId: string) {
      return findById(personaId)
    },

    /**
     * The persona and its whole graph, machine ids and transition ids filled in; null when there is
     * no such persona. Machines come ordered by display_order then machine_key, states, transitions,
     * output variables, links and variables in authored order. Cached until the persona changes; the
     * result is frozen, callers must not modify it.
     */
    async loadGraph (personaId: string) {
      const cached = graphCache.get(personaId)
      if (cached !== undefined) return cached
      const loaded = loadGraph(personaId)
      if (loaded === null) return null
      if (graphCache.size >= CACHE_LIMIT) graphCache.clear()
      graphCache.set(personaId, deepFreeze(loaded))
      return loaded
    },

    /**
     * Creates a persona (personaId null) or replaces an existing persona's fields and whole graph,
     * all in one transaction. The caller has checked the graph (checkReferences) and the ownership.
     * Transition ids are kept when they are UUIDs not used elsewhere, else assigned.
     */
    async save (ownerId: string, personaId: string | null, fields: PersonaFields, graph: PersonaGraph, check?: (current: PersonaView) => void) {
      const savedId = db.transaction((tx) => {
        const row = {
          name: fields.name,
          description: fields.description,
          personaIdentityPrompt: fields.persona_identity_prompt,
          perplexityDescription: fields.perplexity_description
        }
        let target: string
        if (personaId !== null) {
          const previous = tx.select().from(personas).where(eq(personas.id, personaId)).get()
          if (!previous) throw new Error(`persona ${personaId} vanished during save`)
          check?.(personaView(previous))
          tx.update(personas).set({ ...row, updatedAt: nextTimestamp(previous.updatedAt) }).where(eq(personas.id, personaId)).run()
          target = personaId
        } else {
          target = randomUUID()
          const now = nextTimestamp(null)
          tx.insert(personas).values({ id: target, ownerId, ...row, isPublished: false, createdAt: now, updatedAt: now }).run()
        }
        writeGraph(tx, target, graph)
        return target
      })
      changed(savedId)
      return { created: personaId === null, loaded: loadGraph(savedId) as LoadedGraph }
    },

    /** Personas visible to a viewer, newest first. */
    async list (options: ListOptions) {
      let where: SQL | undefined
      if (options.mine && options.viewerId !== null) {
        where = options.publicOnly
          ? and(eq(personas.ownerId, options.viewerId), eq(personas.isPublished, true))
          : eq(personas.ownerId, options.viewerId)
      } else if (options.publicOnly || options.viewerId === null) {
        where = eq(personas.isPublished, true)
      } else {
        where = or(eq(personas.isPublished, true), eq(personas.ownerId, options.viewerId))
      }
      return db.select().from(personas).where(where)
        .orderBy(desc(personas.createdAt), desc(personas.id)).limit(options.limit).offset(options.offset).all().map(personaView)
    },

    /** Every persona, newest first (administration). */
    async listAll (limit: number, offset: number) {
      return db.select().from(personas).orderBy(desc(personas.createdAt), desc(personas.id)).limit(limit).offset(offset).all().map(personaView)
    },

    /** The SDK persona list: published personas of one owner, oldest first (one prepared statement). */
    async listPublishedByOwner (ownerId: string) {
      let list = sdkListCache.get(ownerId)
      if (list === undefined) {
        list = Object.freeze(publishedOfOwner.all({ ownerId })) as SdkPersonaView[]
        if (sdkListCache.size >= CACHE_LIMIT) sdkListCache.clear()
        sdkListCache.set(ownerId, list)
      }
      return list
    },

    /** Sets is_published; null when there is no such persona. `check` sees the stored graph inside the write. */
    async setPublished (personaId: string, published: boolean, check?: (loaded: LoadedGraph) => void) {
      const rows = db.transaction((tx) => {
        if (check !== undefined) {
          const loaded = loadGraph(personaId)
          if (loaded === null) return []
          check(loaded)
        }
        return tx.update(personas).set({ isPublished: published }).where(eq(personas.id, personaId)).returning().all()
      })
      changed(personaId)
      return rows.length ? personaView(rows[0]) : null
    },

    /** Deletes a persona and, by cascade, everything under it; false when there was none. */
    async delete (personaId: string) {
      const deleted = db.delete(personas).where(eq(personas.id, personaId)).run().changes > 0
      changed(personaId)
      return deleted
    },

    async count () {
      return db.select({ n: count() }).from(personas).get()?.n ?? 0
    }
  }
}
