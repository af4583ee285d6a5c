// Side panels of the machine editor: every field of the selected state, transition or machine (with its output variables).
import type { GraphMachine, StateInput, TransitionInput } from '../types.ts'
import type { Finding } from './issues.ts'
import { CheckField, NumberField, SelectField, TextArea, TextField } from './fields.tsx'

export function FindingList ({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return null
  return (
    <ul className='findings' aria-label='Validator findings'>
      {findings.map((f, i) => <li key={i} className={f.level}><strong>{f.level}</strong> {f.message}</li>)}
    </ul>
  )
}

export function StatePanel ({ machine, state, findings, onChange, onDelete, onAddTransition }: {
  machine: GraphMachine,
  state: StateInput,
  findings: Finding[]
  onChange: (patch: Partial<StateInput>) => void,
  onDelete: () => void,
  onAddTransition: (to: string) => void
}) {
  return (
    <section className='panel' aria-label={`State ${state.state_key}`}>
      <h2>State <code>{state.state_key}</code></h2>
      <FindingList findings={findings} />
      <TextField label='State key' required maxLength={100} value={state.state_key} onChange={(v) => onChange({ state_key: v })} />
      <TextField label='Label' maxLength={200} value={state.label} onChange={(v) => onChange({ label: v })} />
      <TextArea label='Prompt instruction' polish='prompt_instruction' value={state.prompt_instruction} onChange={(v) => onChange({ prompt_instruction: v ?? '' })} />
      <TextArea label='Follow-up condition (asks a clarifying question when it matches)' rows={2} nullable value={state.follow_up_condition} onChange={(v) => onChange({ follow_up_condition: v })} />
      <div className='row'>
        <CheckField label='Initial state' value={state.is_initial_state} onChange={(v) => onChange({ is_initial_state: v })} />
        <CheckField label='Terminal state' value={state.is_terminal_state} onChange={(v) => onChange({ is_terminal_state: v, ...(v ? {} : { terminal_outcome: null }) })} />
      </div>
      {state.is_terminal_state && (
        <SelectField
          label='Terminal outcome (pass/fail mode)' value={state.terminal_outcome ?? 'default'} options={['default', 'ACCEPT', 'REJECT'] as const}
          onChange={(v) => onChange({ terminal_outcome: v === 'default' ? null : v })}
        />
      )}
      <NumberField label='Display order' value={state.display_order} onChange={(v) => onChange({ display_order: v })} />
      <label>Add a transition to
        <select value='' onChange={(e) => { if (e.target.value) onAddTransition(e.target.value) }}>
          <option value=''>choose a state…</option>
          {machine.states.map((s) => <option key={s.state_key} value={s.state_key}>{s.state_key}</option>)}
        </select>
      </label>
      <button type='button' className='danger' onClick={onDelete}>Delete state</button>
    </section>
  )
}

export function TransitionPanel ({ machine, transition, findings, onChange, onDelete }: {
  machine: GraphMachine, transition: TransitionInput, findings: Finding[], onChange: (patch: Partial<TransitionInput>) => void, onDelete: () => void
}) {
  const keys = machine.states.map((s) => s.state_key)
  return (
    <section className='panel' aria-label='Transition'>
      <h2>Transition <code>{transition.from_state_key}</code> → <code>{transition.to_state_key}</code></h2>
      <FindingList findings={findings} />
      <div className='row'>
        <SelectField label='From' value={transition.from_state_key} options={keys} onChange={(v) => onChange({ from_state_key: v })} />
        <SelectField label='To' value={transition.to_state_key} options={keys} onChange={(v) => onChange({ to_state_key: v })} />
      </div>
      <SelectField label='Decision' value={transition.decision_type} options={['pass', 'redirect', 'reject', 'kick_out'] as const} onChange={(v) => onChange({ decision_type: v })} />
      <TextArea label='Condition' polish='condition' rows={3} value={transition.condition} onChange={(v) => onChange({ condition: v ?? '' })} />
      <div className='row'>
        <NumberField label='Score delta' value={transition.score_delta} onChange={(v) => onChange({ score_delta: v })} />
        <NumberField label='Priority (lower first)' value={transition.priority} onChange={(v) => onChange({ priority: v })} />
      </div>
      <button type='button' className='danger' onClick={onDelete}>Delete transition</button>
    </section>
  )
}

export function MachinePanel ({ machine, findings, onChange, onDelete }: {
  machine: GraphMachine, findings: Finding[], onChange: (patch: Partial<GraphMachine>) => void, onDelete: () => void
}) {
  const outputs = machine.output_variables
  const setOutput = (i: number, patch: Partial<GraphMachine['output_variables'][number]>) =>
    onChange({ output_variables: outputs.map((o, j) => j === i ? { ...o, ...patch } : o) })
  return (
    <section className='panel' aria-label={`Machine ${machine.machine_key}`}>
      <h2>Machine <code>{machine.machine_key}</code></h2>
      <FindingList findings={findings} />
      <TextField label='Machine key' required maxLength={100} value={machine.machine_key} onChange={(v) => onChange({ machine_key: v })} />
      <TextField label='Name' required maxLength={200} value={machine.name} onChange={(v) => onChange({ name: v })} />
      <TextArea label='Description' polish='description' rows={2} value={machine.description} onChange={(v) => onChange({ description: v ?? '' })} />
      <TextArea label='Creator objective' rows={2} value={machine.creator_objective} onChange={(v) => onChange({ creator_objective: v ?? '' })} />
      <TextArea label='Win condition' rows={2} value={machine.creator_win_condition} onChange={(v) => onChange({ creator_win_condition: v ?? '' })} />
      <TextArea label='Lose condition' rows={2} value={machine.creator_lose_condition} onChange={(v) => onChange({ creator_lose_condition: v ?? '' })} />
      <TextArea label='Chat system prompt' polish='chat_system_prompt' value={machine.chat_system_prompt} onChange={(v) => onChange({ chat_system_prompt: v ?? '' })} />
      <TextArea label='Evaluation prompt' polish value={machine.system_evaluation_prompt} onChange={(v) => onChange({ system_evaluation_prompt: v ?? '' })} />
      <TextArea label='Summarization prompt' polish rows={2} value={machine.system_summarization_prompt} onChange={(v) => onChange({ system_summarization_prompt: v ?? '' })} />
      <SelectField label='Scoring mode' value={machine.scoring_mode ?? 'scoring'} options={['scoring', 'pass_fail'] as const} onChange={(v) => onChange({ scoring_mode: v })} />
      <div className='row'>
        <NumberField label='Pass threshold' value={machine.pass_threshold ?? 3} onChange={(v) => onChange({ pass_threshold: v })} />
        <NumberField label='Fail threshold' value={machine.fail_threshold ?? -3} onChange={(v) => onChange({ fail_threshold: v })} />
      </div>
      <div className='row'>
        <CheckField label='Entry machine' value={machine.is_entry} onChange={(v) => onChange({ is_entry: v })} />
        <NumberField label='Display order' value={machine.display_order} onChange={(v) => onChange({ display_order: v })} />
      </div>
      <h3>Output variables</h3>
      {outputs.map((o, i) => (
        <fieldset key={i} className='item'>
          <legend>Output variable {i + 1}</legend>
          <TextField label='Key' required value={o.key} onChange={(v) => setOutput(i, { key: v })} />
          <TextArea label='Extraction prompt' rows={2} value={o.extraction_prompt} onChange={(v) => setOutput(i, { extraction_prompt: v ?? '' })} />
          <button type='button' className='danger small' onClick={() => onChange({ output_variables: outputs.filter((_, j) => j !== i) })}>Remove output variable</button>
        </fieldset>
      ))}
      <button type='button' onClick={() => onChange({ output_variables: [...outputs, { key: `var_${outputs.length + 1}`, extraction_prompt: '' }] })}>Add output variable</button>
      <hr />
      <button type='button' className='danger' onClick={onDelete}>Delete machine</button>
    </section>
  )
}
