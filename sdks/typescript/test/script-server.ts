// A scripted loopback HTTP server for the SDK's own tests: records requests, answers queued responses.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'

export interface Seen { method: string, url: string, headers: IncomingHttpHeaders, body: string, at: number }
export type Answer = { status?: number, headers?: Record<string, string>, json?: unknown, delayMs?: number } |
  ((res: ServerResponse, seen: Seen) => void)

export interface ScriptServer {
  url: string
  seen: Seen[]
  /** Answers for the next requests, in order; when empty every request gets `{}` with 200. */
  answer: (...answers: Answer[]) => void
  close: () => Promise<void>
}

export async function scriptServer (): Promise<ScriptServer> {
  const queue: Answer[] = []
  const seen: Seen[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }
    seen.push(s)
    const a = queue.shift() ?? { json: {} }
    if (typeof a === 'function') return a(res, s)
    if (a.delayMs) await new Promise((resolve) => setTimeout(resolve, a.delayMs))
    if (res.destroyed) return
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers })
    res.end(JSON.stringify(a.json ?? {}))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answer: (...answers) => { queue.push(...answers) },
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}

/** A status answer in the error envelope. */
export const fail = (status: number, message: string, headers: Record<string, string> = {}): Answer =>
  ({ status, headers, json: { error: { message } } })
