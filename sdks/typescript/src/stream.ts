// Streamed messages: an SSE reader over fetch's ReadableStream and MessageStream (async iterator + finalResponse()).
import { ServerError } from './errors.js'
import type { ChatResponse, StreamEvent } from './types.js'

const KNOWN = new Set(['metadata', 'text_delta', 'done', 'error'])

/** Parses `event:`/`data:` blocks from a byte stream; comment lines (`: ping`) and unknown events are skipped. */
export async function * readEvents (body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = 'message'
  let data: string[] = []
  try {
    while (true) {
      const { value, done } = await reader.read()
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      let nl: number
      while ((nl = buffer.search(/\r?\n|\r/)) !== -1) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1))
        if (line === '') {
          if (data.length > 0 && KNOWN.has(event)) yield { type: event, data: JSON.parse(data.join('\n')) } as StreamEvent
          event = 'message'
          data = []
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const val = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event = val
          else if (field === 'data') data.push(val)
        }
      }
      if (done) return
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * A streamed message. Iterate it (`for await (const event of stream)`) to get the events as they
 * arrive — an `error` event is yielded, then the iteration ends — or call `finalResponse()` for the
 * final ChatResponse (rejects with ServerError when the turn failed after the stream began). Both
 * may be combined: finalResponse() settles when the iteration reaches the end. Iterable once.
 */
export class MessageStream implements AsyncIterable<StreamEvent> {
  readonly #open: () => Promise<Response>
  readonly #controller = new AbortController()
  #started = false
  #resolve!: (value: ChatResponse) => void
  #reject!: (err: unknown) => void
  readonly #final: Promise<ChatResponse>

  /** @internal `open` sends the request with `signal` (already linked to the caller's). */
  constructor (open: (signal: AbortSignal) => Promise<Response>) {
    this.#open = () => open(this.#controller.signal)
    this.#final = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // settled even when nobody asks for it
    this.#final.catch(() => {})
  }

  /** Stops the stream (the server aborts the provider call and commits nothing). */
  abort (): void {
    this.#controller.abort()
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<StreamEvent> {
    if (this.#started) throw new Error('A MessageStream can be iterated only once')
    this.#started = true
    let settled = false
    try {
      const res = await this.#open()
      if (!res.body) throw new ServerError(res.status, 'The server answered without a stream body')
      for await (const event of readEvents(res.body)) {
        if (event.type === 'done') {
          settled = true
          this.#resolve(event.data)
        } else if (event.type === 'error') {
          settled = true
          this.#reject(new ServerError(500, event.data.error.message))
        }
        yield event
        if (settled) return
      }
      throw new ServerError(500, 'The stream ended before its done event')
    } catch (err) {
      if (!settled) this.#reject(err)
      settled = true
      throw err
    } finally {
      if (!settled) {
        this.#reject(new Error('The stream was not read to its end'))
        this.abort()
      }
    }
  }

  /** Reads the stream to its end (unless it is already being iterated) and resolves to the final ChatResponse. */
  async finalResponse (): Promise<ChatResponse> {
    if (!this.#started) {
      const events = this[Symbol.asyncIterator]()
      // consume every event; the final response settles on done or error
      while (!(await events.next()).done);
    }
    return this.#final
  }
}
