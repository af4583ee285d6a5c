// Test helpers for server-sent events: parse a whole body, or read events one by one from a fetch response.

export interface SseEvent { event: string, data: any }

/** Parses a complete `text/event-stream` body into its events (comments are skipped; data is JSON). */
export function parseSse (body: string): SseEvent[] {
  const events: SseEvent[] = []
  for (const block of body.split('\n\n')) {
    if (block.trim() === '') continue
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue
      if (line.startsWith('event: ')) event = line.slice(7)
      else if (line.startsWith('data: ')) data.push(line.slice(6))
      else throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`)
    }
    if (data.length === 0) continue
    if (data.length > 1) throw new Error(`event ${event} has ${data.length} data lines`)
    events.push({ event, data: JSON.parse(data[0]) })
  }
  return events
}

/** Reads raw SSE blocks (events and comments) from a fetch response body as they arrive. */
export function sseReader (res: Response) {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  return {
    /** The next complete block (without the blank line), or null at the end of the stream. */
    async nextBlock (): Promise<string | null> {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          return block
        }
        const { value, done } = await reader.read()
        if (done) return null
        buffer += decoder.decode(value, { stream: true })
      }
    },
    /** The next event (comments skipped), or null at the end. */
    async next (): Promise<SseEvent | null> {
      for (;;) {
        const block = await this.nextBlock()
        if (block === null) return null
        const parsed = parseSse(block + '\n\n')
        if (parsed.length > 0) return parsed[0]
      }
    },
    cancel: () => reader.cancel()
  }
}
