// Labelled form fields of the side panels; long texts get an in-place "Polish with AI" button.
import { useId, useState } from 'react'
import { call } from '../api.ts'

type PolishField = 'persona_identity_prompt' | 'prompt_instruction' | 'condition' | 'description' | 'chat_system_prompt'

export function TextField ({ label, value, onChange, required, maxLength }: { label: string, value: string | null | undefined, onChange: (v: string) => void, required?: boolean, maxLength?: number }) {
  return <label>{label} <input value={value ?? ''} required={required} maxLength={maxLength} onChange={(e) => onChange(e.target.value)} /></label>
}

export function NumberField ({ label, value, onChange }: { label: string, value: number | null | undefined, onChange: (v: number) => void }) {
  return (
    <label>{label}
      <input type='number' step={1} value={value ?? 0} onChange={(e) => { const n = Number.parseInt(e.target.value, 10); if (Number.isFinite(n)) onChange(n) }} />
    </label>
  )
}

export function CheckField ({ label, value, onChange }: { label: string, value: boolean | null | undefined, onChange: (v: boolean) => void }) {
  return <label className='check'><input type='checkbox' checked={value ?? false} onChange={(e) => onChange(e.target.checked)} /> {label}</label>
}

export function SelectField<T extends string> ({ label, value, options, onChange }: { label: string, value: T, options: readonly T[], onChange: (v: T) => void }) {
  return (
    <label>{label}
      <select value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  )
}

export function TextArea ({ label, value, onChange, rows = 4, polish, nullable }: { label: string, value: string | null | undefined, onChange: (v: string | null) => void, rows?: number, polish?: PolishField | true, nullable?: boolean }) {
  const id = useId()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  async function runPolish () {
    setBusy(true)
    setError('')
    try {
      const body = { text: value ?? '', ...(polish === true ? {} : { field: polish }) }
      const res = await call<{ text: string }>('POST', '/creator/polish', body, { llm: true })
      onChange(res.text)
    } catch (err) { setError((err as Error).message) } finally { setBusy(false) }
  }
  return (
    <div className='textarea-field'>
      <div className='field-head'>
        <label htmlFor={id}>{label}</label>
        {polish && <button type='button' className='small' disabled={busy || !(value ?? '').trim()} onClick={() => { runPolish() }} aria-label={`Polish ${label} with AI`}>{busy ? 'Polishing…' : 'Polish'}</button>}
      </div>
      <textarea id={id} rows={rows} value={value ?? ''} onChange={(e) => onChange(nullable && e.target.value === '' ? null : e.target.value)} />
      {error && <p role='alert' className='error'>{error}</p>}
    </div>
  )
}
