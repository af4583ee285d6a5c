// Per-session serialization: work on one session key runs one at a time, in arrival order; background work takes try-locks.

export interface SessionQueue {
  /**
   * Waits until every earlier holder of `key` has released it, then resolves with this holder's
   * release function (idempotent). The caller must release, also on failure.
   */
  acquire: (key: string) => Promise<() => void>
  /** Runs `task` while holding `key`. */
  run: <T>(key: string, task: () => Promise<T>) => Promise<T>
  /** Keys currently held or waited for (idle keys are forgotten). */
  readonly size: number
}

/**
 * A promise chain per key. Each acquirer chains onto the previous tail, so slots are handed out in
 * the order `acquire` was called; a key whose last holder released is removed from the map.
 * Different keys never wait for each other.
 */
export function createSessionQueue (): SessionQueue {
  const tails = new Map<string, Promise<void>>()

  async function acquire (key: string): Promise<() => void> {
    const previous = tails.get(key)
    let open!: () => void
    const mine = new Promise<void>((resolve) => { open = resolve })
    const tail = previous === undefined ? mine : previous.then(() => mine)
    tails.set(key, tail)
    let released = false
    const release = () => {
      if (released) return
      released = true
      // Nobody queued behind us: forget the key.
      if (tails.get(key) === tail) tails.delete(key)
      open()
    }
    if (previous !== undefined) await previous
    return release
  }

  async function run<T> (key: string, task: () => Promise<T>): Promise<T> {
    const release = await acquire(key)
    try {
      return await task()
    } finally {
      release()
    }
  }

  return {
    acquire,
    run,
    get size () { return tails.size }
  }
}

/** Exclusive, non-waiting locks for background work (one summary / extraction per session at a time). */
export interface BackgroundLocks {
  /** Resolves with a release function, or null when the lock is held elsewhere. */
  tryLock: (name: string) => Promise<(() => void) | null>
}

/** In-process locks: enough while one process serves the database. */
export function createLocalLocks (): BackgroundLocks {
  const held = new Set<string>()
  return {
    async tryLock (name) {
      if (held.has(name)) return null
      held.add(name)
      let released = false
      return () => {
        if (released) return
        released = true
        held.delete(name)
      }
    }
  }
}
