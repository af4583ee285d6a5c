// The fake LLM (tools/fake-llm.ts) in its own process for bench/chat.ts, scripted per mode, timed on its side.
//
// Usage (forked with an IPC channel): fake-llm-process.ts <mode>, options as JSON in BENCH_FAKE.
//   instant: every answer at once; streamed replies as a few chunks, no delay.
//   latency: the fake's latency model (tools/fake-llm.ts FakeLatency: `ttftMs`, `perTokenMs`) on every answer;
//            the evaluator's reason is a realistic sentence.
//   stamped: streamed replies of `chunks` chunks, `chunkDelayMs` apart, each chunk "⟨<send time>⟩ " where the
//            send time is performance.timeOrigin + performance.now() taken just before the chunk is written.
// Every mode: the evaluator answers the transition set for the session's current state (IPC `transitions`),
// else null; summaries grow by a paragraph per fold (the server bounds them) or stay fixed (option
// `summary`); extraction answers a valid empty object. Each request's handling time is measured on this
// side (diagnostics channels of node:http) and kept with its role and prompt size until drained.
// IPC in:  {id, type: 'transitions', byState} | {id, type: 'drain'} | {id, type: 'now'}
// IPC out: {type: 'ready', port} first; then {id, ...answer} per request.
import { subscribe } from 'node:diagnostics_channel'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import { startFakeLlm, type FakeRequest, type FakeScript } from '../tools/fake-llm.ts'

export type FakeRole = 'evaluate' | 'reply' | 'greeting' | 'summary' | 'extract'

/** One request as the fake handled it. */
export interface FakeRecord {
  role: FakeRole
  stream: boolean
  /** From the request's headers being parsed to the response's last byte handed to the socket. */
  ms: number
  /** System prompt length plus the length of every message's content. */
  promptChars: number
  /** The fake's own prompt_tokens figure (characters / 4, rounded up). */
  promptTokens: number
}

export interface FakeOptions {
  /** Full text of a reply or greeting (instant mode, and non-streamed answers in stamped mode). */
  replyText?: string
  /** Stamped mode: number of chunks and the delay between them. */
  chunks?: number
  chunkDelayMs?: number
  /**
   * Summaries: 'grow' (default) answers the previous summary plus a paragraph, so the summary grows
   * until the server's bound; 'stable' answers the same five sentences every time.
   */
  summary?: 'grow' | 'stable'
  /** Latency mode: time to first token and delay per output token. */
  ttftMs?: number
  perTokenMs?: number
}

const mode = process.argv[2] ?? 'instant'
const options: FakeOptions = JSON.parse(process.env.BENCH_FAKE ?? '{}')
const replyText = options.replyText ??
  'Vex looks you over, unimpressed. "Plenty of people say that at one in the morning. Give me a name I can check, or step aside for the people behind you."'
const summaryAddition = 'The player kept talking at the rope about the music and tonight\'s DJ; Vex stayed skeptical, asked pointed questions and has not let them in yet.'
const stableSummary = 'Bench walked up to the rope at one in the morning and said they came for tonight\'s DJ. ' +
  'They claim to have followed her sets for years and promised not to cause trouble. ' +
  'Vex asked what they were celebrating and what they think of the DJ, and got earnest, repetitive answers. ' +
  'Vex has not caught them in a lie but is not impressed either, and keeps testing their story. ' +
  'The queue behind them is getting impatient and Vex has not let them in yet.'

/** Which step of the engine a request belongs to, from its prompt (the same rule as test/helpers/chat.ts). */
function roleOf (req: FakeRequest): FakeRole {
  if (req.system.startsWith('You are the referee')) return 'evaluate'
  if (req.system.startsWith('You read a finished conversation')) return 'extract'
  if (req.system.startsWith('You keep the running summary')) return 'summary'
  if (req.system.includes('Open the conversation: greet')) return 'greeting'
  return 'reply'
}

const now = () => performance.timeOrigin + performance.now()

/** An array of `n` chunks whose elements are read at send time: each is the moment it is read. */
function stampedChunks (n: number): string[] {
  const target: string[] = new Array(n).fill('')
  return new Proxy(target, {
    get (t, prop, receiver) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) return `⟨${now().toFixed(3)}⟩ `
      return Reflect.get(t, prop, receiver)
    }
  })
}

let byState: Record<string, string> = {}
const records: FakeRecord[] = []
// Keyed by the request's headers object, the one thing both the handler and the HTTP channels see.
const pending = new WeakMap<IncomingHttpHeaders, { start: number, role?: FakeRole, stream?: boolean, promptChars?: number }>()

subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage }
  pending.set(request.headers, { start: performance.now() })
})
subscribe('http.server.response.finish', (message) => {
  const { request } = message as { request: IncomingMessage }
  const p = pending.get(request.headers)
  if (p?.role === undefined) return
  records.push({ role: p.role, stream: p.stream ?? false, ms: performance.now() - p.start, promptChars: p.promptChars ?? 0, promptTokens: Math.max(1, Math.ceil((p.promptChars ?? 0) / 4)) })
})

function script (req: FakeRequest): FakeScript {
  const role = roleOf(req)
  const p = pending.get(req.headers)
  if (p !== undefined) {
    p.role = role
    p.stream = req.stream
    p.promptChars = req.system.length + req.messages.reduce((n, m) => n + m.content.length, 0)
  }
  if (role === 'evaluate') {
    const state = /^Current state: (\S+)/m.exec(req.system)?.[1] ?? ''
    const reason = mode === 'latency' ? 'The player names the DJ and sounds sincere, which fits the crowd tonight.' : 'bench'
    return { json: { transition_id: byState[state] ?? null, follow_up: false, reason } }
  }
  if (role === 'extract') return { json: { variables: {}, memory: 'The player came by the club.' } }
  if (role === 'summary') {
    if (options.summary === 'stable') return { text: stableSummary }
    const user = req.messages[0]?.content ?? ''
    const previous = /^Summary so far: ([\s\S]*?)\n\nMessages to add:/.exec(user)?.[1] ?? ''
    return { text: previous === '(nothing yet)' || previous === '' ? summaryAddition : `${previous} ${summaryAddition}` }
  }
  if (mode === 'stamped' && req.stream) {
    const n = options.chunks ?? 50
    return { text: 'stamped '.repeat(n), chunks: stampedChunks(n), chunkDelayMs: options.chunkDelayMs ?? 5 }
  }
  return { text: replyText }
}

async function main () {
  const fake = await startFakeLlm(mode === 'latency' ? { latency: { firstTokenMs: options.ttftMs ?? 300, perTokenMs: options.perTokenMs ?? 20 } } : {})
  fake.setDefault((req) => {
    // The bench makes thousands of requests: keep none of them.
    fake.requests.length = 0
    return script(req)
  })
  process.on('message', (raw) => {
    const m = raw as { id: number, type: string, byState?: Record<string, string> }
    if (m.type === 'transitions') {
      byState = m.byState ?? {}
      process.send?.({ id: m.id })
    } else if (m.type === 'drain') {
      process.send?.({ id: m.id, records: records.splice(0) })
    } else if (m.type === 'now') {
      process.send?.({ id: m.id, now: now() })
    }
  })
  process.on('SIGTERM', () => { fake.close().then(() => process.exit(0), () => process.exit(0)) })
  process.on('disconnect', () => process.exit(0))
  process.send?.({ type: 'ready', port: Number(new URL(fake.url).port) })
}

main().catch((err) => { console.error(err); process.exit(1) })
