// Contract rows for personas and their graphs (see contract.ts).
import type { GraphMachine, GraphTransition, PersonaGraph } from '../engine/graph.ts'

/** A persona as the web API shows it. */
export interface PersonaView {
  id: string
  owner_id: string
  name: string
  description: string
  persona_identity_prompt: string
  perplexity_description: string | null
  is_published: boolean
  created_at: string
  updated_at: string
}

/** A published persona as the SDK lists it. */
export interface SdkPersonaView {
  id: string
  name: string
  description: string
  created_at: string
  updated_at: string
}

/** The persona's own fields, as saved. */
export interface PersonaFields {
  name: string
  description: string
  persona_identity_prompt: string
  perplexity_description: string | null
}

/** A machine of a stored graph: its id is always known. */
export type StoredMachine = GraphMachine & { machine_id: string, transitions: Array<GraphTransition & { transition_id: string }> }

/** A stored graph: every machine carries its machine_id and every transition its transition_id. */
export interface StoredGraph extends PersonaGraph {
  machines: StoredMachine[]
}

/** What loadGraph returns: the persona and its graph. */
export interface LoadedGraph {
  persona: PersonaView
  graph: StoredGraph
}

export interface ListOptions {
  /** The signed-in caller, or null when anonymous. */
  viewerId: string | null
  /** Only published personas. */
  publicOnly: boolean
  /** Only the viewer's own personas (viewerId must be set). */
  mine: boolean
  limit: number
  offset: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for a UUID in the canonical 8-4-4-4-12 hex form. */
export function isUuid (value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}
