// The graph's drawing parts: a state node (initial, terminal, current and findings marked) and a transition edge by decision type.
import { BaseEdge, EdgeLabelRenderer, Handle, Position, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react'
import type { StateInput, TransitionInput } from '../types.ts'

export type StateNodeData = { state: StateInput, current: boolean, errors: number, warnings: number }
export type StateNodeType = Node<StateNodeData, 'state'>

export function StateNode ({ data, selected }: NodeProps<StateNodeType>) {
  const { state, current, errors, warnings } = data
  const classes = ['state-node', state.is_initial_state ? 'initial' : '', state.is_terminal_state ? 'terminal' : '', current ? 'current' : '', errors > 0 ? 'has-errors' : warnings > 0 ? 'has-warnings' : '', selected ? 'selected' : '']
  return (
    <div className={classes.join(' ')} data-testid={`state-${state.state_key}`} data-current={current ? 'true' : undefined}>
      <Handle type='target' position={Position.Left} aria-label={`Connect into ${state.state_key}`} />
      <div className='state-badges'>
        {state.is_initial_state && <span className='tag tag-initial'>start</span>}
        {state.is_terminal_state && <span className='tag tag-terminal'>end{state.terminal_outcome ? ` · ${state.terminal_outcome}` : ''}</span>}
        {current && <span className='tag tag-current'>current</span>}
        {errors > 0 && <span className='tag tag-error' title='Validator errors'>{errors} error{errors > 1 ? 's' : ''}</span>}
        {errors === 0 && warnings > 0 && <span className='tag tag-warning' title='Validator warnings'>{warnings} warning{warnings > 1 ? 's' : ''}</span>}
      </div>
      <div className='state-label'>{state.label || state.state_key}</div>
      <div className='state-key'>{state.state_key}</div>
      <Handle type='source' position={Position.Right} aria-label={`Connect from ${state.state_key}`} />
    </div>
  )
}

export type TransitionEdgeData = { transition: TransitionInput, offset: number, errors: number, warnings: number, onSelect: (id: string) => void }
export type TransitionEdgeType = Edge<TransitionEdgeData, 'transition'>

const shortText = (text: string, n = 60) => text.length > n ? `${text.slice(0, n - 1)}…` : text

export function TransitionEdge ({ id, source, target, sourceX, sourceY, targetX, targetY, data, markerEnd, selected }: EdgeProps<TransitionEdgeType>) {
  if (!data) return null
  const { transition: t, offset } = data
  let path: string
  let lx: number
  let ly: number
  if (source === target) {
    const h = 80 + offset * 36
    path = `M ${sourceX} ${sourceY} C ${sourceX + 70} ${sourceY - h}, ${targetX - 70} ${targetY - h}, ${targetX} ${targetY}`
    lx = (sourceX + targetX) / 2
    ly = sourceY - h * 0.75
  } else {
    const dx = targetX - sourceX
    const dy = targetY - sourceY
    const len = Math.max(1, Math.hypot(dx, dy))
    const bend = (dx < 0 ? 90 : 0) + offset * 46
    const cx = (sourceX + targetX) / 2 - (dy / len) * bend
    const cy = (sourceY + targetY) / 2 + (dx / len) * bend
    path = `M ${sourceX} ${sourceY} Q ${cx} ${cy} ${targetX} ${targetY}`
    lx = 0.25 * sourceX + 0.5 * cx + 0.25 * targetX
    ly = 0.25 * sourceY + 0.5 * cy + 0.25 * targetY
  }
  const delta = t.score_delta ?? 0
  const flag = data.errors > 0 ? ' has-errors' : data.warnings > 0 ? ' has-warnings' : ''
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={`edge-${t.decision_type}${selected ? ' selected' : ''}`} />
      <EdgeLabelRenderer>
        <button
          type='button'
          className={`edge-label decision-${t.decision_type}${selected ? ' selected' : ''}${flag} nodrag nopan`}
          style={{ transform: `translate(-50%, -50%) translate(${lx}px, ${ly}px)` }}
          data-testid={`edge-${t.from_state_key}-${t.to_state_key}-${t.decision_type}`}
          title={t.condition ?? ''}
          aria-label={`Transition ${t.from_state_key} to ${t.to_state_key}, ${t.decision_type}, score ${delta >= 0 ? '+' : ''}${delta}: ${t.condition || 'no condition'}`}
          onClick={() => data.onSelect(t.transition_id ?? '')}
        >
          <strong>{t.decision_type}</strong> {delta >= 0 ? '+' : ''}{delta}
          {data.errors > 0 && <span className='sr-only'> (has validator errors)</span>}
          {selected && <span className='edge-condition'>{shortText(t.condition ?? '')}</span>}
        </button>
      </EdgeLabelRenderer>
    </>
  )
}
