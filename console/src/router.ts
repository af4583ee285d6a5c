// A tiny history router for the console's paths under /console/, with a guard for unsaved changes.
import { useEffect, useState } from 'react'

const ROOT = '/console'
let leaveGuard: (() => boolean) | null = null

/** While set, navigation asks the guard first (false keeps the user on the page). */
export function setLeaveGuard (guard: (() => boolean) | null) { leaveGuard = guard }

export function navigate (path: string) {
  if (leaveGuard && !leaveGuard()) return
  leaveGuard = null
  window.history.pushState(null, '', ROOT + path)
  window.dispatchEvent(new PopStateEvent('popstate'))
}

/** The current path below /console (always starting with /). */
export function usePath (): string {
  const read = () => window.location.pathname.slice(ROOT.length) || '/'
  const [path, setPath] = useState(read)
  useEffect(() => {
    const update = () => setPath(read())
    window.addEventListener('popstate', update)
    return () => window.removeEventListener('popstate', update)
  }, [])
  return path
}
