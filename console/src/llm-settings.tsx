// The LLM key and model for this browser tab: kept in sessionStorage, sent only as X-LLM-* headers.
import { useRef, useState, type FormEvent } from 'react'
import { llm } from './api.ts'

export function LlmSettingsButton () {
  const dialog = useRef<HTMLDialogElement>(null)
  const [settings, setSettings] = useState(llm.get())
  const [draft, setDraft] = useState(settings)

  function open () { setDraft(llm.get()); dialog.current?.showModal() }
  function save (e: FormEvent) {
    e.preventDefault()
    llm.set(draft)
    setSettings(draft)
    dialog.current?.close()
  }
  const label = settings.apiKey || settings.model ? `LLM: ${settings.model || 'default model'}` : 'LLM key'
  return (
    <>
      <button type='button' onClick={open} aria-haspopup='dialog'>{label}</button>
      <dialog ref={dialog} aria-labelledby='llm-title' className='dialog'>
        <form onSubmit={save} className='form'>
          <h2 id='llm-title'>LLM provider key</h2>
          <p className='hint'>Used by playtests and AI assistance. Kept in this tab only (session storage) and sent only in the
            X-LLM-API-Key and X-LLM-Model headers; the server never stores it. Leave empty to use the server’s default key.
          </p>
          <label>API key <input type='password' autoComplete='off' value={draft.apiKey} onChange={(e) => setDraft({ ...draft, apiKey: e.target.value })} /></label>
          <label>Model <input value={draft.model} placeholder='gpt-4o-mini, anthropic/claude-…, ollama/llama3.1, mock/…' onChange={(e) => setDraft({ ...draft, model: e.target.value })} /></label>
          <div className='row'>
            <button type='submit' className='primary'>Save for this session</button>
            <button type='button' onClick={() => setDraft({ apiKey: '', model: '' })}>Clear</button>
            <button type='button' onClick={() => dialog.current?.close()}>Cancel</button>
          </div>
        </form>
      </dialog>
    </>
  )
}
