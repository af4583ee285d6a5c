// Pure edits of the editor's working graph: every function returns a new graph and keeps keys and references consistent.
import { uuid } from '../api.ts'
import type { Graph, GraphMachine, PersonaFull, StateInput, TransitionInput } from '../types.ts'

/** The working copy of a loaded or saved persona (ids kept so transitions and machines keep them across saves). */
export function fromFull (full: PersonaFull): Graph {
  const { persona, variables, machines, machine_links: links } = full
  return structuredClone({
    persona: { name: persona.name, description: persona.description, persona_identity_prompt: persona.persona_identity_prompt, perplexity_description: persona.perplexity_description },
    variables,
    machines: machines.map((m) => {
      const copy: Partial<typeof m> = { ...m }
      delete copy.machine_id
      return copy as GraphMachine
    }),
    machine_links: links.map((l) => ({ from_machine_key: l.from_machine_key, to_machine_key: l.to_machine_key, condition_type: l.condition_type, condition_value: l.condition_value, is_auto_advance: l.is_auto_advance }))
  })
}

function uniqueKey (base: string, taken: string[]): string {
  if (!taken.includes(base)) return base
  let i = 2
  while (taken.includes(`${base}_${i}`)) i++
  return `${base}_${i}`
}

export function updateMachine (g: Graph, key: string, fn: (m: GraphMachine) => GraphMachine): Graph {
  return { ...g, machines: g.machines.map((m) => m.machine_key === key ? fn(m) : m) }
}

export function addState (g: Graph, machineKey: string): { graph: Graph, stateKey: string } {
  const m = g.machines.find((x) => x.machine_key === machineKey)!
  const stateKey = uniqueKey('new_state', m.states.map((s) => s.state_key))
  const state: StateInput = { state_key: stateKey, label: 'New state', prompt_instruction: '', is_initial_state: m.states.length === 0, is_terminal_state: false, terminal_outcome: null, follow_up_condition: null, display_order: m.states.length }
  return { graph: updateMachine(g, machineKey, (x) => ({ ...x, states: [...x.states, state] })), stateKey }
}

/** Changes a state's fields; a new state_key is carried into the machine's transitions. */
export function updateState (g: Graph, machineKey: string, stateKey: string, patch: Partial<StateInput>): Graph {
  const renamed = patch.state_key !== undefined && patch.state_key !== stateKey ? patch.state_key : null
  return updateMachine(g, machineKey, (m) => ({
    ...m,
    states: m.states.map((s) => s.state_key === stateKey ? { ...s, ...patch } : s),
    transitions: renamed === null
      ? m.transitions
      : m.transitions.map((t) => ({
        ...t,
        from_state_key: t.from_state_key === stateKey ? renamed : t.from_state_key,
        to_state_key: t.to_state_key === stateKey ? renamed : t.to_state_key
      }))
  }))
}

export function removeStates (g: Graph, machineKey: string, keys: string[]): Graph {
  return updateMachine(g, machineKey, (m) => ({
    ...m,
    states: m.states.filter((s) => !keys.includes(s.state_key)),
    transitions: m.transitions.filter((t) => !keys.includes(t.from_state_key) && !keys.includes(t.to_state_key))
  }))
}

export function addTransition (g: Graph, machineKey: string, from: string, to: string): { graph: Graph, transitionId: string } {
  const transitionId = uuid()
  const graph = updateMachine(g, machineKey, (m) => {
    const priority = m.transitions.filter((t) => t.from_state_key === from).reduce((max, t) => Math.max(max, (t.priority ?? 0) + 1), 0)
    const tr: TransitionInput = { transition_id: transitionId, from_state_key: from, to_state_key: to, decision_type: 'pass', condition: '', score_delta: 0, priority }
    return { ...m, transitions: [...m.transitions, tr] }
  })
  return { graph, transitionId }
}

export function updateTransition (g: Graph, machineKey: string, id: string, patch: Partial<TransitionInput>): Graph {
  return updateMachine(g, machineKey, (m) => ({ ...m, transitions: m.transitions.map((t) => t.transition_id === id ? { ...t, ...patch } : t) }))
}

export function removeTransitions (g: Graph, machineKey: string, ids: string[]): Graph {
  return updateMachine(g, machineKey, (m) => ({ ...m, transitions: m.transitions.filter((t) => !ids.includes(t.transition_id ?? '')) }))
}

/** Adds a machine (a new blank one, or a generated one) under a key not used yet. */
export function addMachine (g: Graph, machine?: GraphMachine): { graph: Graph, machineKey: string } {
  const base = machine ?? {
    machine_key: 'scenario',
    name: 'New scenario',
    is_entry: g.machines.length === 0,
    states: [{ state_key: 'start', label: 'Start', prompt_instruction: '', is_initial_state: true, is_terminal_state: false }],
    transitions: [],
    output_variables: []
  }
  const machineKey = uniqueKey(base.machine_key, g.machines.map((m) => m.machine_key))
  const transitions = (base.transitions ?? []).map((t) => ({ ...t, transition_id: uuid() }))
  const added = { ...base, machine_key: machineKey, transitions, output_variables: base.output_variables ?? [], display_order: g.machines.length }
  return { graph: { ...g, machines: [...g.machines, added] }, machineKey }
}

/** Changes a machine's fields; a new machine_key is carried into the machine links. */
export function updateMachineFields (g: Graph, key: string, patch: Partial<GraphMachine>): Graph {
  const renamed = patch.machine_key !== undefined && patch.machine_key !== key ? patch.machine_key : null
  const graph = updateMachine(g, key, (m) => ({ ...m, ...patch }))
  if (renamed === null) return graph
  return {
    ...graph,
    machine_links: graph.machine_links.map((l) => ({
      ...l,
      from_machine_key: l.from_machine_key === key ? renamed : l.from_machine_key,
      to_machine_key: l.to_machine_key === key ? renamed : l.to_machine_key
    }))
  }
}

export function removeMachine (g: Graph, key: string): Graph {
  return {
    ...g,
    machines: g.machines.filter((m) => m.machine_key !== key),
    machine_links: g.machine_links.filter((l) => l.from_machine_key !== key && l.to_machine_key !== key)
  }
}
