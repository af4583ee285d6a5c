// The trace of one playtest turn: transition and evaluator reason, decision, score and state before → after, tokens and latency per step.
import type { GraphMachine } from '../types.ts'
import type { Turn } from './playtest.tsx'

export function TraceView ({ turn, machine }: { turn: Turn, machine: GraphMachine }) {
  const after = turn.after!
  const trace = turn.trace
  const tr = trace?.transition_id ? machine.transitions.find((t) => t.transition_id === trace.transition_id) : undefined
  const steps = trace ? (['evaluate', 'reply', 'extract'] as const).flatMap((name) => trace.steps[name] ? [[name, trace.steps[name]] as const] : []) : []
  return (
    <details className='trace' open>
      <summary>Trace</summary>
      <dl>
        <dt>State</dt><dd data-testid='trace-state'>{turn.before.state} → {after.current_state}</dd>
        <dt>Score</dt><dd>{turn.before.score} → {after.score}</dd>
        <dt>Decision</dt><dd>{after.follow_up ? 'follow-up question' : after.decision ?? 'no transition'}{after.outcome ? ` · outcome ${after.outcome}` : ''}</dd>
        {trace && (
          <>
            <dt>Transition</dt>
            <dd>{tr ? `${tr.from_state_key} → ${tr.to_state_key} (${tr.decision_type}): ${tr.condition}` : trace.transition_id ?? 'none'}{trace.fallback ? ' · evaluator output invalid, ran as no transition' : ''}</dd>
            <dt>Reason</dt><dd>{trace.evaluator_reason ?? '—'}</dd>
            <dt>Steps</dt>
            <dd>
              <ul className='steps'>
                {steps.map(([name, s]) => <li key={name}>{name}: {s.model} · {s.tokens_in} → {s.tokens_out} tokens · {s.latency_ms} ms</li>)}
              </ul>
            </dd>
          </>
        )}
        {!trace && !turn.pending && <><dt>Trace</dt><dd>loading…</dd></>}
      </dl>
    </details>
  )
}
