// Persona-level side panel: identity fields, persona variables and the links between machines.
import type { Graph, MachineLinkInput } from '../types.ts'
import { CheckField, SelectField, TextArea, TextField } from './fields.tsx'
import { FindingList } from './panels.tsx'
import type { Finding } from './issues.ts'

export function PersonaPanel ({ graph, findings, onChange }: { graph: Graph, findings: Finding[], onChange: (g: Graph) => void }) {
  const p = graph.persona
  const setPersona = (patch: Partial<Graph['persona']>) => onChange({ ...graph, persona: { ...p, ...patch } })
  const vars = graph.variables
  const setVar = (i: number, patch: Partial<Graph['variables'][number]>) => onChange({ ...graph, variables: vars.map((v, j) => j === i ? { ...v, ...patch } : v) })
  const links = graph.machine_links
  const setLink = (i: number, patch: Partial<MachineLinkInput>) => onChange({ ...graph, machine_links: links.map((l, j) => j === i ? { ...l, ...patch } : l) })
  const keys = graph.machines.map((m) => m.machine_key)
  return (
    <section className='panel' aria-label='Persona'>
      <h2>Persona</h2>
      <FindingList findings={findings} />
      <TextField label='Name' required maxLength={100} value={p.name} onChange={(v) => setPersona({ name: v })} />
      <TextArea label='Description' polish='description' rows={2} value={p.description} onChange={(v) => setPersona({ description: v ?? '' })} />
      <TextArea label='Identity prompt' polish='persona_identity_prompt' rows={6} value={p.persona_identity_prompt} onChange={(v) => setPersona({ persona_identity_prompt: v ?? '' })} />
      <TextArea label='Background (perplexity description)' rows={3} nullable value={p.perplexity_description} onChange={(v) => setPersona({ perplexity_description: v })} />
      <h3>Variables</h3>
      {vars.map((v, i) => (
        <fieldset key={i} className='item'>
          <legend>Variable {i + 1}</legend>
          <TextField label='Key' required value={v.key} onChange={(key) => setVar(i, { key })} />
          <TextField label='Description' value={v.description} onChange={(description) => setVar(i, { description })} />
          <TextField label='Default value' value={v.default_value} onChange={(value) => setVar(i, { default_value: value })} />
          <button type='button' className='danger small' onClick={() => onChange({ ...graph, variables: vars.filter((_, j) => j !== i) })}>Remove variable</button>
        </fieldset>
      ))}
      <button type='button' onClick={() => onChange({ ...graph, variables: [...vars, { key: `variable_${vars.length + 1}`, description: '', default_value: '' }] })}>Add variable</button>
      <h3>Machine links</h3>
      <p className='hint'>When the “from” machine completes and the condition holds, the “to” machine is unlocked for that player.</p>
      {links.map((l, i) => (
        <fieldset key={i} className='item'>
          <legend>Link {i + 1}</legend>
          <div className='row'>
            <SelectField label='From machine' value={l.from_machine_key} options={keys} onChange={(v) => setLink(i, { from_machine_key: v })} />
            <SelectField label='To machine' value={l.to_machine_key} options={keys} onChange={(v) => setLink(i, { to_machine_key: v })} />
          </div>
          <SelectField
            label='Condition' value={l.condition_type} options={['outcome', 'score_gte', 'score_lte', 'always'] as const}
            onChange={(v) => setLink(i, { condition_type: v, condition_value: v === 'always' ? null : v === 'outcome' ? 'ACCEPT' : 0 })}
          />
          {l.condition_type === 'outcome' && (
            <SelectField label='Outcome' value={String(l.condition_value ?? 'ACCEPT')} options={['ACCEPT', 'REJECT', 'KICK_OUT']} onChange={(v) => setLink(i, { condition_value: v })} />
          )}
          {(l.condition_type === 'score_gte' || l.condition_type === 'score_lte') && (
            <TextField label='Score' value={String(l.condition_value ?? 0)} onChange={(v) => setLink(i, { condition_value: v === '' || Number.isNaN(Number(v)) ? v : Number(v) })} />
          )}
          <CheckField label='Auto-advance into the unlocked machine' value={l.is_auto_advance} onChange={(v) => setLink(i, { is_auto_advance: v })} />
          <button type='button' className='danger small' onClick={() => onChange({ ...graph, machine_links: links.filter((_, j) => j !== i) })}>Remove link</button>
        </fieldset>
      ))}
      {keys.length > 0 && (
        <button type='button' onClick={() => onChange({ ...graph, machine_links: [...links, { from_machine_key: keys[0], to_machine_key: keys[keys.length - 1], condition_type: 'outcome', condition_value: 'ACCEPT', is_auto_advance: false }] })}>Add link</button>
      )}
    </section>
  )
}
