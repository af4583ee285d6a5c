// Cache invalidation seam: repositories drop cached records through invalidate(tag); with Redis every instance hears it.
import { randomUUID } from 'node:crypto'

/** How long a write waits for the other instances to confirm they applied its invalidations. */
export const ACK_TIMEOUT_MS = 100

/**
 * A tag names what changed: `<kind>:<id>` (`user:…`, `api-key:…`, `persona:…`), or `*` for
 * everything. Handlers are registered per kind and receive the id.
 */
export interface CacheBus {
  /** Drops the tagged records here at once and, once connected, on every other instance. */
  invalidate: (tag: string) => void
  /** Runs `drop(id)` for every invalidated tag of `kind` (and `drop('*')` when everything is). */
  on: (kind: string, drop: (id: string) => void) => void
  /** Handles a message of the broadcast channel: another instance's invalidation (applied, then acknowledged) or an acknowledgement. */
  receive: (message: string) => void
  /** Drops every cached record here (after a lost subscription, messages may have been missed). */
  dropAll: () => void
  /** Broadcasts this instance's invalidations from now on. */
  connect: (transport: BusTransport) => void
  /**
   * Resolves once every invalidation sent so far was applied by every instance that received it,
   * or ACK_TIMEOUT_MS after it was published, whichever comes first.
   */
  flushed: () => Promise<void>
  /** Invalidations sent and not yet confirmed. */
  readonly pending: number
}

export interface BusTransport {
  /** Publishes a message on the broadcast channel; resolves with how many instances received it (this one included). */
  publish: (message: string) => Promise<number>
  onError: (err: unknown) => void
}

type Envelope = { origin: string, id: string, tag: string } | { ack: string, to: string }

/** A bus that applies invalidations in process until connect gives it a way to broadcast them. */
export function createCacheBus (): CacheBus {
  const origin = randomUUID()
  const handlers = new Map<string, Array<(id: string) => void>>()
  const inFlight = new Set<Promise<unknown>>()
  // invalidation id → acknowledgements so far, how many are expected (known once PUBLISH answers), and what to call when they are in
  const awaiting = new Map<string, { acked: number, expected: number, done: () => void }>()
  let transport: BusTransport | null = null

  function apply (tag: string) {
    if (tag === '*') {
      for (const list of handlers.values()) for (const drop of list) drop('*')
      return
    }
    const at = tag.indexOf(':')
    if (at <= 0) return
    for (const drop of handlers.get(tag.slice(0, at)) ?? []) drop(tag.slice(at + 1))
  }

  async function broadcast (via: BusTransport, tag: string) {
    const id = randomUUID()
    let done!: () => void
    const confirmed = new Promise<void>((resolve) => { done = resolve })
    const entry = { acked: 0, expected: Number.POSITIVE_INFINITY, done }
    awaiting.set(id, entry)
    try {
      // Every subscribed instance receives it, this one included; acknowledgements may come in before PUBLISH answers.
      entry.expected = await via.publish(JSON.stringify({ origin, id, tag } satisfies Envelope)) - 1
      if (entry.acked >= entry.expected) return
      let timer: NodeJS.Timeout | undefined
      await Promise.race([confirmed, new Promise<void>((resolve) => { timer = setTimeout(resolve, ACK_TIMEOUT_MS) })])
      clearTimeout(timer)
    } finally {
      awaiting.delete(id)
    }
  }

  return {
    invalidate (tag) {
      apply(tag)
      if (transport === null) return
      const via = transport
      const sent = broadcast(via, tag).catch(via.onError)
      inFlight.add(sent)
      sent.finally(() => inFlight.delete(sent)).catch(() => {})
    },
    on (kind, drop) {
      const list = handlers.get(kind) ?? []
      list.push(drop)
      handlers.set(kind, list)
    },
    receive (message) {
      let envelope: Partial<{ origin: string, id: string, tag: string, ack: string, to: string }>
      try {
        envelope = JSON.parse(message)
      } catch {
        return
      }
      if (typeof envelope.ack === 'string') {
        if (envelope.to !== origin) return
        const entry = awaiting.get(envelope.ack)
        if (entry === undefined) return
        entry.acked++
        if (entry.acked >= entry.expected) entry.done()
        return
      }
      if (envelope.origin === origin || typeof envelope.tag !== 'string' || typeof envelope.origin !== 'string') return
      apply(envelope.tag)
      if (transport !== null && typeof envelope.id === 'string') {
        transport.publish(JSON.stringify({ ack: envelope.id, to: envelope.origin } satisfies Envelope)).catch(transport.onError)
      }
    },
    dropAll () { apply('*') },
    connect (via) { transport = via },
    async flushed () {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
    get pending () { return inFlight.size }
  }
}
