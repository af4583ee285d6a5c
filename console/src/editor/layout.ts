// Automatic left-to-right layout of a machine's states with dagre (self-loops and parallel edges left out).
import dagre from '@dagrejs/dagre'
import type { GraphMachine } from '../types.ts'

export const NODE_WIDTH = 180
export const NODE_HEIGHT = 76

export type Positions = Record<string, { x: number, y: number }>

/** Top-left positions of every state, initial states ranked first. */
export function layoutMachine (machine: GraphMachine): Positions {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'LR', nodesep: 60, ranksep: 120, marginx: 20, marginy: 60 })
  g.setDefaultEdgeLabel(() => ({}))
  const states = [...machine.states].sort((a, b) => Number(b.is_initial_state ?? false) - Number(a.is_initial_state ?? false))
  for (const s of states) g.setNode(s.state_key, { width: NODE_WIDTH, height: NODE_HEIGHT })
  for (const t of machine.transitions) {
    if (t.from_state_key !== t.to_state_key && g.hasNode(t.from_state_key) && g.hasNode(t.to_state_key)) g.setEdge(t.from_state_key, t.to_state_key)
  }
  dagre.layout(g)
  const out: Positions = {}
  for (const s of states) {
    const n = g.node(s.state_key)
    out[s.state_key] = { x: n.x - NODE_WIDTH / 2, y: n.y - NODE_HEIGHT / 2 }
  }
  return out
}
