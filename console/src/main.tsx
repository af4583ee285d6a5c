// Entry of the creator console: the session (who is signed in), the top bar and the pages by path.
import { StrictMode, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import '@xyflow/react/dist/style.css'
import './styles.css'
import { auth, call } from './api.ts'
import type { Me } from './types.ts'
import { navigate, usePath } from './router.ts'
import { SignIn } from './sign-in.tsx'
import { ApiKeys } from './api-keys.tsx'
import { Personas } from './personas.tsx'
import { Editor } from './editor/editor.tsx'
import { LlmSettingsButton } from './llm-settings.tsx'

function App () {
  const path = usePath()
  const [me, setMe] = useState<Me | null>(null)
  const [checked, setChecked] = useState(auth.token === null)

  const signOut = useCallback(() => {
    if (!navigate('/login')) return
    auth.set(null)
    setMe(null)
  }, [])
  useEffect(() => { auth.onUnauthorized(signOut) }, [signOut])
  useEffect(() => {
    if (auth.token === null) return
    call<Me>('GET', '/auth/me').then(setMe, () => auth.set(null)).finally(() => setChecked(true))
  }, [])

  if (!checked) return <p className='loading'>Loading…</p>
  if (me === null || path === '/login') {
    return <SignIn onSignedIn={(user) => { setMe(user); navigate('/') }} />
  }
  const editing = /^\/personas\/([0-9a-f-]{36})$/.exec(path)
  return (
    <div className='app'>
      <header className='topbar'>
        <a href='/console/' className='brand' onClick={(e) => { e.preventDefault(); navigate('/') }}>Rapport console</a>
        <nav aria-label='Main'>
          <a href='/console/' aria-current={path === '/' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/') }}>Personas</a>
          <a href='/console/keys' aria-current={path === '/keys' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/keys') }}>API keys</a>
        </nav>
        <div className='spacer' />
        <LlmSettingsButton />
        <span className='who'>{me.display_name || me.email || 'Guest'}{me.role === 'guest' ? ' (guest)' : ''}</span>
        <button type='button' onClick={signOut}>Sign out</button>
      </header>
      <main className={editing ? 'main main-editor' : 'main'}>
        {editing
          ? <Editor key={editing[1]} personaId={editing[1]} />
          : path === '/keys' ? <ApiKeys me={me} /> : <Personas me={me} />}
      </main>
    </div>
  )
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>)
