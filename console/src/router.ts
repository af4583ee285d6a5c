// A tiny history router for the console's paths under /console/, with a guard for unsaved changes (links and Back alike).
import { useEffect, useState } from 'react'

const ROOT = '/console'
let leaveGuard: (() => boolean) | null = null
let shown = window.location.pathname

/** While set, navigation asks the guard first (false keeps the user on the page). */
export function setLeaveGuard (guard: (() => boolean) | null) { leaveGuard = guard }

function allowed (): boolean {
  if (leaveGuard && !leaveGuard()) return false
  leaveGuard = null
  return true
}

/** Goes to a console path; false when the user chose to stay on a page with unsaved changes. */
export function navigate (path: string): boolean {
  if (!allowed()) return false
  window.history.pushState(null, '', ROOT + path)
  window.dispatchEvent(new PopStateEvent('popstate'))
  return true
}

/** The current path below /console (always starting with /). */
export function usePath (): string {
  const read = () => window.location.pathname.slice(ROOT.length) || '/'
  const [path, setPath] = useState(read)
  useEffect(() => {
    const update = () => {
      // the browser's Back / Forward: a refusal puts the page's address back
      if (window.location.pathname !== shown && !allowed()) {
        window.history.pushState(null, '', shown)
        return
      }
      shown = window.location.pathname
      setPath(read())
    }
    window.addEventListener('popstate', update)
    return () => window.removeEventListener('popstate', update)
  }, [])
  return path
}
