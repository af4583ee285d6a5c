// One machine drawn with React Flow: states as nodes (dagre layout, draggable), transitions as labelled edges; connect and delete in place.
import { useEffect, useMemo, useState } from 'react'
import { Background, Controls, MarkerType, ReactFlow, applyNodeChanges, type Connection, type NodeChange } from '@xyflow/react'
import type { GraphMachine } from '../types.ts'
import type { Finding } from './issues.ts'
import { layoutMachine, type Positions } from './layout.ts'
import { StateNode, TransitionEdge, type StateNodeType, type TransitionEdgeType } from './canvas-parts.tsx'

export type Selection = { kind: 'state', key: string } | { kind: 'transition', id: string } | { kind: 'machine' } | { kind: 'persona' }

export interface GraphViewProps {
  machine: GraphMachine
  findings: Finding[]
  currentState: string | null
  selection: Selection
  onSelect: (s: Selection) => void
  onConnect: (from: string, to: string) => void
  onDelete: (stateKeys: string[], transitionIds: string[]) => void
}

const nodeTypes = { state: StateNode }
const edgeTypes = { transition: TransitionEdge }
const COLORS: Record<string, string> = { pass: '#1a7f37', redirect: '#0969da', reject: '#bc4c00', kick_out: '#cf222e' }

export function GraphView ({ machine, findings, currentState, selection, onSelect, onConnect, onDelete }: GraphViewProps) {
  const structure = machine.states.map((s) => s.state_key).join('|') + '#' + machine.transitions.map((t) => `${t.from_state_key}>${t.to_state_key}`).join('|')
  const [moved, setMoved] = useState<Positions>({})
  // measured sizes must be handed back with the nodes, or React Flow keeps the nodes hidden as never measured
  const [measured, setMeasured] = useState<Record<string, { width: number, height: number }>>({})
  const [layoutRun, setLayoutRun] = useState(0)
  const auto = useMemo(() => layoutMachine(machine), [structure, layoutRun])
  useEffect(() => { setMoved({}) }, [layoutRun])

  const count = (level: Finding['level'], test: (f: Finding) => boolean) => findings.filter((f) => f.level === level && test(f)).length
  const nodes: StateNodeType[] = machine.states.map((s) => ({
    id: s.state_key,
    type: 'state',
    position: moved[s.state_key] ?? auto[s.state_key] ?? { x: 0, y: 0 },
    measured: measured[s.state_key],
    selected: selection.kind === 'state' && selection.key === s.state_key,
    ariaLabel: `State ${s.label || s.state_key}${s.is_initial_state ? ', initial' : ''}${s.is_terminal_state ? ', terminal' : ''}${s.state_key === currentState ? ', current' : ''}`,
    data: {
      state: s,
      current: s.state_key === currentState,
      errors: count('error', (f) => f.stateKey === s.state_key),
      warnings: count('warning', (f) => f.stateKey === s.state_key)
    }
  }))

  const seen = new Map<string, number>()
  const edges: TransitionEdgeType[] = machine.transitions.map((t) => {
    const pair = [t.from_state_key, t.to_state_key].sort().join('>')
    const n = seen.get(pair) ?? 0
    seen.set(pair, n + 1)
    const id = t.transition_id ?? `${t.from_state_key}-${t.to_state_key}-${n}`
    return {
      id,
      type: 'transition',
      source: t.from_state_key,
      target: t.to_state_key,
      selected: selection.kind === 'transition' && selection.id === id,
      markerEnd: { type: MarkerType.ArrowClosed, color: COLORS[t.decision_type], width: 18, height: 18 },
      data: {
        transition: t,
        offset: n,
        errors: count('error', (f) => f.transitionId === t.transition_id),
        warnings: count('warning', (f) => f.transitionId === t.transition_id),
        onSelect: (tid) => onSelect({ kind: 'transition', id: tid })
      }
    }
  })

  function onNodesChange (changes: NodeChange<StateNodeType>[]) {
    // keyboard selection (Enter on a focused node) arrives as a select change
    for (const c of changes) if (c.type === 'select' && c.selected) onSelect({ kind: 'state', key: c.id })
    const sizes = changes.flatMap((c) => c.type === 'dimensions' && c.dimensions ? [[c.id, c.dimensions] as const] : [])
    if (sizes.length > 0) setMeasured((m) => ({ ...m, ...Object.fromEntries(sizes) }))
    const next = applyNodeChanges(changes.filter((c) => c.type === 'position'), nodes)
    const positions: Positions = { ...moved }
    for (const n of next) positions[n.id] = n.position
    if (changes.some((c) => c.type === 'position')) setMoved(positions)
  }

  return (
    <div className='canvas' aria-label={`Graph of machine ${machine.name}`} role='region'>
      <ReactFlow
        key={layoutRun}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_e, n) => onSelect({ kind: 'state', key: n.id })}
        onEdgeClick={(_e, e) => onSelect({ kind: 'transition', id: e.id })}
        onPaneClick={() => onSelect({ kind: 'machine' })}
        onConnect={(c: Connection) => { if (c.source && c.target) onConnect(c.source, c.target) }}
        onDelete={({ nodes: ns, edges: es }) => onDelete(ns.map((n) => n.id), es.map((e) => e.id))}
        deleteKeyCode={['Delete', 'Backspace']}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
        <div className='canvas-tools'>
          <button type='button' onClick={() => setLayoutRun((n) => n + 1)}>Auto layout</button>
        </div>
      </ReactFlow>
    </div>
  )
}
