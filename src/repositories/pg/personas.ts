// PostgreSQL repository for personas and their whole graph: loaded from one snapshot, saved in one transaction.
import { randomUUID } from 'node:crypto'
import { and, asc, count, desc, eq, getTableColumns, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { machineLinks, machineOutputVariables, machines, personas, personaVariables, states, transitions } from '../../../db/schema-pg.ts'
import type { PgDb } from '../../db-pg.ts'
import type { CacheBus } from '../../cache-bus.ts'
import type { PersonaGraph } from '../../engine/graph.ts'
import { isUuid, type LoadedGraph, type PersonasRepository, type SdkPersonaView } from '../contract.ts'
import { assembleGraph, deepFreeze, machineChildRows, machineFields, nextTimestamp, personaChildRows, personaView, transitionIdPicker } from '../rows.ts'

type Tx = Parameters<Parameters<PgDb['transaction']>[0]>[0]

// Text sorts byte-wise like SQLite's, whatever the database's collation, so lists come in the same order on both.
const bytewise = (column: AnyPgColumn) => sql`${column} collate "C"`

// Transaction-level advisory lock taken by every graph write: saves run one at a time across instances,
// as they do on SQLite, so the check that a kept transition id is not another persona's stays true.
const GRAPH_WRITE_LOCK = BigInt('0x7261707030726d03').toString()

async function readGraph (tx: Tx, personaId: string): Promise<LoadedGraph | null> {
  const [row] = await tx.select().from(personas).where(eq(personas.id, personaId))
  if (!row) return null
  const ofPersona = eq(machines.personaId, personaId)
  return assembleGraph(row, {
    machines: await tx.select().from(machines).where(ofPersona).orderBy(asc(machines.displayOrder), asc(bytewise(machines.machineKey))),
    states: await tx.select(getTableColumns(states)).from(states).innerJoin(machines, eq(machines.id, states.machineId))
      .where(ofPersona).orderBy(asc(states.machineId), asc(states.position)),
    transitions: await tx.select(getTableColumns(transitions)).from(transitions).innerJoin(machines, eq(machines.id, transitions.machineId))
      .where(ofPersona).orderBy(asc(transitions.machineId), asc(transitions.position)),
    outputs: await tx.select(getTableColumns(machineOutputVariables)).from(machineOutputVariables).innerJoin(machines, eq(machines.id, machineOutputVariables.machineId))
      .where(ofPersona).orderBy(asc(machineOutputVariables.machineId), asc(machineOutputVariables.position)),
    links: await tx.select().from(machineLinks).where(eq(machineLinks.personaId, personaId)).orderBy(asc(machineLinks.position)),
    variables: await tx.select().from(personaVariables).where(eq(personaVariables.personaId, personaId)).orderBy(asc(personaVariables.position))
  })
}

/** Replaces the graph rows of a persona; machines whose machine_key stays keep their id (and sessions). */
async function writeGraph (tx: Tx, personaId: string, graph: PersonaGraph) {
  const existing = await tx.select({ id: machines.id, key: machines.machineKey }).from(machines).where(eq(machines.personaId, personaId))
  const idByKey = new Map(existing.map((m) => [m.key, m.id]))
  const wanted = new Set(graph.machines.map((m) => m.machine_key))
  const removed = existing.filter((m) => !wanted.has(m.key)).map((m) => m.id)
  const kept = existing.filter((m) => wanted.has(m.key)).map((m) => m.id)
  // Removing a machine cascades to its states, transitions, output variables and sessions.
  if (removed.length > 0) await tx.delete(machines).where(inArray(machines.id, removed))
  if (kept.length > 0) {
    await tx.delete(states).where(inArray(states.machineId, kept))
    await tx.delete(transitions).where(inArray(transitions.machineId, kept))
    await tx.delete(machineOutputVariables).where(inArray(machineOutputVariables.machineId, kept))
  }
  await tx.delete(machineLinks).where(eq(machineLinks.personaId, personaId))
  await tx.delete(personaVariables).where(eq(personaVariables.personaId, personaId))

  // This persona's transitions are gone now: a given id still in the table belongs to another persona.
  const given = graph.machines.flatMap((m) => m.transitions.map((t) => t.transition_id)).filter(isUuid)
  const taken = new Set<string>()
  for (let i = 0; i < given.length; i += 500) {
    for (const r of await tx.select({ id: transitions.id }).from(transitions).where(inArray(transitions.id, given.slice(i, i + 500)))) taken.add(r.id)
  }
  const transitionId = transitionIdPicker(taken)
  for (const m of graph.machines) {
    const fields = machineFields(m)
    let machineId = idByKey.get(m.machine_key)
    if (machineId !== undefined) {
      await tx.update(machines).set(fields).where(eq(machines.id, machineId))
    } else {
      machineId = randomUUID()
      await tx.insert(machines).values({ id: machineId, personaId, machineKey: m.machine_key, ...fields })
    }
    const rows = machineChildRows(m, machineId, transitionId)
    if (rows.states.length > 0) await tx.insert(states).values(rows.states)
    if (rows.transitions.length > 0) await tx.insert(transitions).values(rows.transitions)
    if (rows.outputs.length > 0) await tx.insert(machineOutputVariables).values(rows.outputs)
  }
  const { links, variables } = personaChildRows(graph, personaId)
  if (links.length > 0) await tx.insert(machineLinks).values(links)
  if (variables.length > 0) await tx.insert(personaVariables).values(variables)
}

/** Personas on PostgreSQL; graphs and SDK lists are cached and dropped through the cache bus. */
export function createPgPersonasRepository (db: PgDb, bus: CacheBus): PersonasRepository {
  const graphCache = new Map<string, LoadedGraph>()
  const sdkListCache = new Map<string, SdkPersonaView[]>()
  const CACHE_LIMIT = 1000
  bus.on('persona', (personaId) => {
    if (personaId === '*') graphCache.clear(); else graphCache.delete(personaId)
    sdkListCache.clear()
  })
  const changed = (personaId: string) => bus.invalidate(`persona:${personaId}`)
  // The seven reads of a graph see one snapshot, even while another instance saves it.
  const loadGraph = (personaId: string) => db.transaction((tx) => readGraph(tx, personaId), { isolationLevel: 'repeatable read', accessMode: 'read only' })

  return {
    async findById (personaId: string) {
      const [row] = await db.select().from(personas).where(eq(personas.id, personaId))
      return row ? personaView(row) : null
    },
    async loadGraph (personaId: string) {
      const cached = graphCache.get(personaId)
      if (cached !== undefined) return cached
      const loaded = await loadGraph(personaId)
      if (loaded === null) return null
      if (graphCache.size >= CACHE_LIMIT) graphCache.clear()
      graphCache.set(personaId, deepFreeze(loaded))
      return loaded
    },
    async save (ownerId: string, personaId: string | null, fields, graph: PersonaGraph, check) {
      const row = { name: fields.name, description: fields.description, personaIdentityPrompt: fields.persona_identity_prompt, perplexityDescription: fields.perplexity_description }
      const saved = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${GRAPH_WRITE_LOCK}::bigint)`)
        let target: string
        if (personaId !== null) {
          const [previous] = await tx.select().from(personas).where(eq(personas.id, personaId))
          if (!previous) throw new Error(`persona ${personaId} vanished during save`)
          check?.(personaView(previous))
          await tx.update(personas).set({ ...row, updatedAt: nextTimestamp(previous.updatedAt) }).where(eq(personas.id, personaId))
          target = personaId
        } else {
          target = randomUUID()
          const now = nextTimestamp(null)
          await tx.insert(personas).values({ id: target, ownerId, ...row, isPublished: false, createdAt: now, updatedAt: now })
        }
        await writeGraph(tx, target, graph)
        return await readGraph(tx, target) as LoadedGraph
      })
      changed(saved.persona.id)
      return { created: personaId === null, loaded: saved }
    },
    async list (options) {
      let where: SQL | undefined
      if (options.mine && options.viewerId !== null) {
        where = options.publicOnly ? and(eq(personas.ownerId, options.viewerId), eq(personas.isPublished, true)) : eq(personas.ownerId, options.viewerId)
      } else if (options.publicOnly || options.viewerId === null) {
        where = eq(personas.isPublished, true)
      } else {
        where = or(eq(personas.isPublished, true), eq(personas.ownerId, options.viewerId))
      }
      const rows = await db.select().from(personas).where(where).orderBy(desc(personas.createdAt), desc(bytewise(personas.id))).limit(options.limit).offset(options.offset)
      return rows.map(personaView)
    },
    async listAll (limit: number, offset: number) {
      return (await db.select().from(personas).orderBy(desc(personas.createdAt), desc(bytewise(personas.id))).limit(limit).offset(offset)).map(personaView)
    },
    async listPublishedByOwner (ownerId: string) {
      let list = sdkListCache.get(ownerId)
      if (list === undefined) {
        list = Object.freeze(await db.select({ id: personas.id, name: personas.name, description: personas.description, created_at: personas.createdAt, updated_at: personas.updatedAt })
          .from(personas).where(and(eq(personas.ownerId, ownerId), eq(personas.isPublished, true))).orderBy(asc(personas.createdAt), asc(bytewise(personas.id)))) as SdkPersonaView[]
        if (sdkListCache.size >= CACHE_LIMIT) sdkListCache.clear()
        sdkListCache.set(ownerId, list)
      }
      return list
    },
    async setPublished (personaId: string, published: boolean, check) {
      const rows = await db.transaction(async (tx) => {
        // The lock every graph write takes: no save lands between the check and the update.
        await tx.execute(sql`select pg_advisory_xact_lock(${GRAPH_WRITE_LOCK}::bigint)`)
        if (check !== undefined) {
          const loaded = await readGraph(tx, personaId)
          if (loaded === null) return []
          check(loaded)
        }
        return await tx.update(personas).set({ isPublished: published }).where(eq(personas.id, personaId)).returning()
      })
      changed(personaId)
      return rows.length ? personaView(rows[0]) : null
    },
    async delete (personaId: string) {
      const res = await db.delete(personas).where(eq(personas.id, personaId))
      changed(personaId)
      return (res.rowCount ?? 0) > 0
    },
    async count () {
      return (await db.select({ n: count() }).from(personas))[0]?.n ?? 0
    }
  }
}
