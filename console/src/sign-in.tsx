// Sign in, register, or continue as a guest; the token is kept in localStorage.
import { useState, type FormEvent } from 'react'
import { auth, call } from './api.ts'
import type { AuthResponse, Me } from './types.ts'

type Mode = 'login' | 'register'

export function SignIn ({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [mode, setMode] = useState<Mode>('login')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [name, setName] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function finish (request: Promise<AuthResponse>) {
    setBusy(true)
    setError('')
    try {
      const res = await request
      auth.set(res.token)
      onSignedIn(res.user)
    } catch (err) {
      setError((err as Error).message)
    } finally { setBusy(false) }
  }
  function submit (e: FormEvent) {
    e.preventDefault()
    finish(mode === 'login'
      ? call<AuthResponse>('POST', '/auth/login', { email, password })
      : call<AuthResponse>('POST', '/auth/register', { email, password, display_name: name || undefined }))
  }

  return (
    <main className='sign-in'>
      <h1>Rapport creator console</h1>
      <p>Write personas and their conversation machines, then playtest them with the turn trace.</p>
      <div role='tablist' aria-label='Account' className='tabs'>
        <button role='tab' type='button' aria-controls='account-form' aria-selected={mode === 'login'} onClick={() => setMode('login')}>Sign in</button>
        <button role='tab' type='button' aria-controls='account-form' aria-selected={mode === 'register'} onClick={() => setMode('register')}>Register</button>
      </div>
      <form onSubmit={submit} id='account-form' role='tabpanel' className='card form' aria-label={mode === 'login' ? 'Sign in' : 'Register'}>
        <label>Email <input type='email' required autoComplete='email' value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label>Password <input type='password' required minLength={8} autoComplete={mode === 'login' ? 'current-password' : 'new-password'} value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        {mode === 'register' && <label>Display name <input value={name} autoComplete='nickname' onChange={(e) => setName(e.target.value)} /></label>}
        {error && <p role='alert' className='error'>{error}</p>}
        <button type='submit' className='primary' disabled={busy}>{mode === 'login' ? 'Sign in' : 'Create account'}</button>
      </form>
      <p>
        <button type='button' className='link' disabled={busy} onClick={() => { finish(call<AuthResponse>('POST', '/auth/guest')) }}>Continue as a guest</button>
        {' '}(guests can chat with published personas but cannot create any)
      </p>
    </main>
  )
}
