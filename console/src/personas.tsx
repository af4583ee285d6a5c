// The creator's personas (drafts and published): create from an example, a blank or an AI identity; delete; publish.
import { useEffect, useState, type FormEvent } from 'react'
import { call } from './api.ts'
import { navigate } from './router.ts'
import { blankGraph, templates } from './templates.ts'
import type { GeneratedIdentity, Me, Persona, SavedPersona, SaveBody } from './types.ts'

export function Personas ({ me }: { me: Me }) {
  const [personas, setPersonas] = useState<Persona[] | null>(null)
  const [error, setError] = useState('')
  const [template, setTemplate] = useState(templates[0].id)
  const [name, setName] = useState('')
  const [concept, setConcept] = useState('')
  const [busy, setBusy] = useState('')

  const load = () => call<Persona[]>('GET', '/personas?my_personas=true&public_only=false&limit=100').then(setPersonas, (err: Error) => setError(err.message))
  useEffect(() => { load() }, [])

  async function run (label: string, fn: () => Promise<void>) {
    setBusy(label)
    setError('')
    try { await fn() } catch (err) { setError((err as Error).message) } finally { setBusy('') }
  }
  function create (body: SaveBody) {
    return run('create', async () => {
      const saved = await call<SavedPersona>('POST', '/creator/save', body)
      navigate(`/personas/${saved.persona.id}`)
    })
  }
  function submit (e: FormEvent) {
    e.preventDefault()
    const chosen = templates.find((t) => t.id === template)!.body
    const body = structuredClone(chosen)
    if (name.trim()) body.persona.name = name.trim()
    create(body)
  }
  function generate (e: FormEvent) {
    e.preventDefault()
    run('generate', async () => {
      const id = await call<GeneratedIdentity>('POST', '/creator/generate-identity', { concept }, { llm: true })
      await create(blankGraph(id.name, id.description, id.persona_identity_prompt))
    })
  }
  const toggle = (p: Persona) => run(p.id, async () => {
    await call('POST', `/personas/${p.id}/${p.is_published ? 'unpublish' : 'publish'}`)
    await load()
  })
  const remove = (p: Persona) => run(p.id, async () => {
    if (!window.confirm(`Delete "${p.name}" with its machines, sessions and players' progress? This cannot be undone.`)) return
    await call('DELETE', `/personas/${p.id}`)
    await load()
  })

  return (
    <section className='page'>
      <h1>Personas</h1>
      {me.role === 'guest' && <p className='notice card'>You are signed in as a guest: register an account to create personas.</p>}
      {error && <p role='alert' className='error'>{error}</p>}
      <div className='two-columns'>
        <form className='card form' onSubmit={submit} aria-label='New persona'>
          <h2>New persona</h2>
          <label>Start from
            <select value={template} onChange={(e) => setTemplate(e.target.value)}>
              {templates.map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
            </select>
          </label>
          <label>Name (optional) <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} /></label>
          <button type='submit' className='primary' disabled={busy !== ''}>Create persona</button>
        </form>
        <form className='card form' onSubmit={generate} aria-label='Generate a persona'>
          <h2>Generate with AI</h2>
          <label>Concept
            <textarea required rows={3} maxLength={2000} value={concept} placeholder='a grumpy dwarf blacksmith who secretly writes poetry' onChange={(e) => setConcept(e.target.value)} />
          </label>
          <button type='submit' disabled={busy !== ''}>{busy === 'generate' ? 'Generating…' : 'Generate identity'}</button>
          <p className='hint'>Uses the LLM key set under “LLM key” (or the server’s default key).</p>
        </form>
      </div>
      <h2>Your personas</h2>
      {personas === null
        ? <p>Loading…</p>
        : personas.length === 0
          ? <p>None yet.</p>
          : (
            <table className='table'>
              <caption className='sr-only'>Your personas</caption>
              <thead><tr><th>Name</th><th>Status</th><th>Updated</th><th><span className='sr-only'>Actions</span></th></tr></thead>
              <tbody>
                {personas.map((p) => (
                  <tr key={p.id}>
                    <td><a href={`/console/personas/${p.id}`} onClick={(e) => { e.preventDefault(); navigate(`/personas/${p.id}`) }}>{p.name}</a><div className='hint'>{p.description}</div></td>
                    <td><span className={p.is_published ? 'badge ok' : 'badge'}>{p.is_published ? 'published' : 'draft'}</span></td>
                    <td>{new Date(p.updated_at).toLocaleString()}</td>
                    <td className='actions'>
                      <button type='button' disabled={busy !== ''} onClick={() => { toggle(p) }} aria-label={`${p.is_published ? 'Unpublish' : 'Publish'} ${p.name}`}>{p.is_published ? 'Unpublish' : 'Publish'}</button>
                      <button type='button' className='danger' disabled={busy !== ''} onClick={() => { remove(p) }} aria-label={`Delete ${p.name}`}>Delete</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>)}
    </section>
  )
}
