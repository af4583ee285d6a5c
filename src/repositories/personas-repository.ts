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
import { isUuid, type LoadedGraph, type ListOptions, type PersonaFields, type PersonasRepository, type PersonaView, type SdkPersonaView } from './contract.ts'
import { assembleGraph, deepFreeze, machineChildRows, machineFields, nextTimestamp, personaChildRows, personaView, transitionIdPicker } from './rows.ts'

export type { LoadedGraph, ListOptions, PersonaFields, PersonaView, PersonasRepository, SdkPersonaView, StoredGraph, StoredMachine } from './contract.ts'
export { isUuid } from './contract.ts'

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
    const at = { id: personaId }
    return assembleGraph(row, {
      machines: machinesOf.all(at),
      states: statesOf.all(at),
      transitions: transitionsOf.all(at),
      outputs: outputsOf.all(at),
      links: linksOf.all(at),
      variables: variablesOf.all(at)
    })
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
    const transitionId = transitionIdPicker(taken)
    for (const m of graph.machines) {
      const fields = machineFields(m)
      let machineId = idByKey.get(m.machine_key)
      if (machineId !== undefined) {
        tx.update(machines).set(fields).where(eq(machines.id, machineId)).run()
      } else {
        machineId = randomUUID()
        tx.insert(machines).values({ id: machineId, personaId, machineKey: m.machine_key, ...fields }).run()
      }
      const rows = machineChildRows(m, machineId, transitionId)
      if (rows.states.length > 0) tx.insert(states).values(rows.states).run()
      if (rows.transitions.length > 0) tx.insert(transitions).values(rows.transitions).run()
      if (rows.outputs.length > 0) tx.insert(machineOutputVariables).values(rows.outputs).run()
    }
    const { links, variables } = personaChildRows(graph, personaId)
    if (links.length > 0) tx.insert(machineLinks).values(links).run()
    if (variables.length > 0) tx.insert(personaVariables).values(variables).run()
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
