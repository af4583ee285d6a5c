// SDK API keys: create (the full key is shown once), list by prefix and last four, revoke.
import { useEffect, useState, type FormEvent } from 'react'
import { call } from './api.ts'
import type { ApiKey, CreatedApiKey, Me } from './types.ts'

export function ApiKeys ({ me }: { me: Me }) {
  const [keys, setKeys] = useState<ApiKey[]>([])
  const [name, setName] = useState('')
  const [created, setCreated] = useState<CreatedApiKey | null>(null)
  const [error, setError] = useState('')

  const load = () => call<ApiKey[]>('GET', '/sdk/api-keys').then(setKeys, (err: Error) => setError(err.message))
  useEffect(() => { if (me.role !== 'guest') load() }, [me.role])

  async function create (e: FormEvent) {
    e.preventDefault()
    setError('')
    try {
      setCreated(await call<CreatedApiKey>('POST', '/sdk/api-keys', { name }))
      setName('')
      await load()
    } catch (err) { setError((err as Error).message) }
  }
  async function revoke (key: ApiKey) {
    if (!window.confirm(`Revoke the key "${key.name}"? Games using it stop working at once.`)) return
    try {
      await call('DELETE', `/sdk/api-keys/${key.id}`)
      if (created?.id === key.id) setCreated(null)
      await load()
    } catch (err) { setError((err as Error).message) }
  }

  if (me.role === 'guest') return <section className='page'><h1>API keys</h1><p>Guests cannot create API keys: register an account.</p></section>
  return (
    <section className='page'>
      <h1>API keys</h1>
      <p>Games call the SDK API with one of these keys (header <code>X-API-Key</code>). Only a digest is stored: a key is shown once.</p>
      <form className='row' onSubmit={create}>
        <label>Key name <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder='my game' /></label>
        <button type='submit' className='primary'>Create key</button>
      </form>
      {error && <p role='alert' className='error'>{error}</p>}
      {created && (
        <div className='card notice' role='status'>
          <p><strong>Copy this key now: it will not be shown again.</strong></p>
          <p><code className='secret' data-testid='new-key'>{created.key}</code>{' '}
            <button type='button' onClick={() => { navigator.clipboard?.writeText(created.key) }}>Copy</button>{' '}
            <button type='button' onClick={() => setCreated(null)}>Done</button>
          </p>
        </div>
      )}
      <table className='table'>
        <caption className='sr-only'>Your API keys</caption>
        <thead><tr><th>Name</th><th>Key</th><th>Created</th><th>Last used</th><th><span className='sr-only'>Actions</span></th></tr></thead>
        <tbody>
          {keys.length === 0 && <tr><td colSpan={5}>No keys yet.</td></tr>}
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td><code>{k.key_prefix}…{k.last_four}</code></td>
              <td>{new Date(k.created_at).toLocaleString()}</td>
              <td>{k.last_used_at ? new Date(k.last_used_at).toLocaleString() : 'never'}</td>
              <td><button type='button' className='danger' onClick={() => { revoke(k) }} aria-label={`Revoke ${k.name}`}>Revoke</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
