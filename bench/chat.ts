// Chat benchmark: turn overhead, per-token stream delay, 500 concurrent streams and prompt growth, against a fake LLM.
// The fake LLM (bench/fake-llm-process.ts), Rapport (bench/target.ts app) and this client are three processes.
// Usage: npm run bench:chat [-- --quick] [-- --only overhead|token|streams|prompt] [-- --pipeline sequential|streamed|speculative]
//   --turns 1000 --sessions 10 --session-turns 100 --stream-turns 20 --chunks 50 --chunk-delay 5
//   --streams 500 --load-chunks 20 --load-delay 25 --long-turns 200
//   --synchronous OFF|NORMAL|FULL|EXTRA  (SQLITE_SYNCHRONOUS of the server; default: the server's default, FULL;
//     the overhead part then also measures NORMAL, to show the per-commit fsync's share apart)
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FakeOptions, FakeRecord } from './fake-llm-process.ts'
import { apiKey, handlesFor, signUp } from './scenarios.ts'
import { startFake, stop, type Fake } from './fake-llm-child.ts'
import { startTarget } from './target-process.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const opt = (name: string, full: number, short: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : quick ? short : full
}
const only = (() => { const i = args.indexOf('--only'); return i >= 0 ? args[i + 1] : '' })()
const synchronous = (() => { const i = args.indexOf('--synchronous'); return i >= 0 ? args[i + 1] : '' })()
// --pipeline sequential|streamed|speculative pins the turn pipeline; default: speculative (the server's default).
const PIPELINE_ENV: Record<string, Record<string, string>> = {
  sequential: { CHAT_PIPELINE: 'sequential', SPECULATIVE_REPLY: 'false' },
  streamed: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'false' },
  speculative: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'true' }
}
const pipelineName = (() => { const i = args.indexOf('--pipeline'); return i >= 0 ? args[i + 1] : 'speculative' })()
if (PIPELINE_ENV[pipelineName] === undefined) throw new Error(`--pipeline must be one of ${Object.keys(PIPELINE_ENV).join(', ')}`)
const N = {
  turns: opt('turns', 1000, 300),
  sessions: opt('sessions', 10, 5),
  sessionTurns: opt('session-turns', 100, 40),
  streamTurns: opt('stream-turns', 20, 8),
  chunks: opt('chunks', 50, 50),
  chunkDelay: opt('chunk-delay', 5, 5),
  streams: opt('streams', 500, 200),
  loadChunks: opt('load-chunks', 20, 20),
  loadDelay: opt('load-delay', 25, 25),
  longTurns: Math.max(200, opt('long-turns', 200, 200))
}

const LLM_KEY = 'sk-bench-local-fake'
const PLAYER_MESSAGE = 'Evening. I came for the DJ tonight, I have followed her sets for years and I will not cause any trouble.'
const now = () => performance.timeOrigin + performance.now()

// ------------------------------------------------------------------------------------ processes

/** Resident set size of a process in MB (Linux /proc), or NaN. */
function rssMb (pid: number | undefined, field = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]
    return kb === undefined ? NaN : Number(kb) / 1024
  } catch {
    return NaN
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or NaN. */
function cpuSeconds (pid: number | undefined): number {
  try {
    // Fields after the command name: state is field 3, utime and stime are fields 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

// ------------------------------------------------------------------------------------ HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 })

/** A JSON request over a keep-alive socket; `ms` is from the request's start to the response's last byte. */
function call (method: string, url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number, json: any, ms: number }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const t0 = performance.now()
    const req = http.request(url, {
      method,
      agent,
      headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) }
    }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const ms = performance.now() - t0
        const text = Buffer.concat(parts).toString('utf8')
        let json: any = null
        try { json = JSON.parse(text) } catch { json = text }
        resolve({ status: res.statusCode ?? 0, json, ms })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

async function ok (method: string, url: string, body: unknown, headers: Record<string, string>) {
  const r = await call(method, url, body, headers)
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`)
  return r
}

// ------------------------------------------------------------------------------------ setup

interface Game { url: string, personaId: string, headers: Record<string, string> }

/**
 * Registers an owner, saves and publishes examples/vex-bouncer.json and tells the fake which
 * transition to pick per state so a session never ends: approach → vibe_check (pass, +2), then
 * vibe_check → vibe_check (redirect, score 0) on every turn after.
 */
async function setUp (appUrl: string, fake: Fake): Promise<Game> {
  const token = await signUp(appUrl)
  const key = await apiKey(appUrl, token)
  const graph = JSON.parse(readFileSync(new URL('../examples/vex-bouncer.json', import.meta.url), 'utf8'))
  const auth = { authorization: `Bearer ${token}` }
  const saved = (await ok('POST', `${appUrl}/api/v1/creator/save`, graph, auth)).json
  await ok('POST', `${appUrl}/api/v1/personas/${saved.persona.id}/publish`, {}, auth)
  const door = saved.machines.find((m: any) => m.machine_key === 'door')
  await fake.ask({ type: 'transitions', byState: handlesFor(door, ['approach', 'vibe_check', 'pass'], ['guest_list', 'vibe_check', 'pass'], ['vibe_check', 'vibe_check', 'redirect']) })
  return { url: appUrl, personaId: saved.persona.id, headers: { 'x-api-key': key, 'x-llm-api-key': LLM_KEY, 'x-llm-model': 'gpt-4o-mini' } }
}

const chatUrl = (g: Game, path: string) => `${g.url}/api/v1/sdk/chat/${g.personaId}/${path}`

async function initSession (g: Game, userSessionId: string) {
  await ok('POST', chatUrl(g, 'init-session'), { user_session_id: userSessionId, player_name: 'Bench', player_gender: 'non-binary' }, g.headers)
}

async function turn (g: Game, userSessionId: string): Promise<number> {
  const r = await call('POST', chatUrl(g, 'message'), { message: PLAYER_MESSAGE, user_session_id: userSessionId }, g.headers)
  if (r.status !== 200) throw new Error(`message: ${r.status} ${JSON.stringify(r.json)}`)
  if (r.json.outcome !== null) throw new Error(`the session ended (${r.json.outcome}); the bench needs it open`)
  return r.ms
}

interface StreamResult {
  ok: boolean
  deltas: number
  delays: number[]
  error: string | null
  /** performance.now() at the response headers (evaluation done), the first text_delta and the end. */
  headersAt: number
  firstDeltaAt: number
  endAt: number
}

/** One streamed turn over a real socket; each text_delta's delay is receive time − the fake's send time. */
async function streamTurn (g: Game, userSessionId: string): Promise<StreamResult> {
  const delays: number[] = []
  let deltas = 0
  let done = false
  let error: string | null = null
  let headersAt = NaN
  let firstDeltaAt = NaN
  try {
    const res = await fetch(chatUrl(g, 'message/stream'), {
      method: 'POST',
      headers: { ...g.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message: PLAYER_MESSAGE, user_session_id: userSessionId })
    })
    headersAt = performance.now()
    if (res.status !== 200 || res.body === null) {
      const text = await res.text()
      return { ok: false, deltas, delays, error: `HTTP ${res.status} ${text}`, headersAt, firstDeltaAt, endAt: performance.now() }
    }
    const reader = res.body.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done: end } = await reader.read()
      if (end) break
      const received = now()
      buffer += decoder.decode(value, { stream: true })
      let cut: number
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event === 'text_delta' && data !== undefined) {
          if (deltas++ === 0) firstDeltaAt = performance.now()
          for (const m of (JSON.parse(data).text as string).matchAll(/⟨(\d+\.\d+)⟩/g)) delays.push(received - Number(m[1]))
        } else if (event === 'done') {
          done = true
        } else if (event === 'error') {
          error = data ?? 'error event'
        }
      }
    }
  } catch (err) {
    error = (err as Error).message
  }
  return { ok: done && error === null, deltas, delays, error, headersAt, firstDeltaAt, endAt: performance.now() }
}

// ------------------------------------------------------------------------------------ statistics

function pct (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}
const ms = (v: number) => Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)} ms`

interface Row { metric: string, figure?: string, target?: string, met?: boolean }
const rows: Row[] = []
const notes: string[] = []

async function withPair<T> (mode: 'instant' | 'stamped', options: FakeOptions, run: (g: Game, fake: Fake, app: ChildProcess) => Promise<T>, sync = synchronous): Promise<T> {
  const fake = await startFake(mode, options)
  // Load shedding is off: the bench measures what the server does at full load, not when it would refuse.
  const app = await startTarget('app', {
    OPENAI_BASE_URL: `${fake.url}/openai/v1`,
    LLM_TIMEOUT_MS: '30000',
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...(sync === '' ? {} : { SQLITE_SYNCHRONOUS: sync }),
    ...PIPELINE_ENV[pipelineName]
  })
  try {
    const g = await setUp(app.url, fake)
    return await run(g, fake, app.child)
  } finally {
    await stop(app.child)
    await stop(fake.child)
  }
}

// ------------------------------------------------------------------------------------ 1. turn overhead

/** 300 (or --turns) sequential turns of one session after a warm-up: raw latency, the fake's share, the server's rest and CPU. */
async function sequentialTurns (g: Game, fake: Fake, app: ChildProcess, sync: string) {
  await initSession(g, 'overhead')
  for (let i = 0; i < 50; i++) await turn(g, 'overhead') // warm-up
  await sleep(50)
  await fake.ask({ type: 'drain' })
  const raw: number[] = []
  const cpu0 = cpuSeconds(app.pid)
  for (let i = 0; i < N.turns; i++) raw.push(await turn(g, 'overhead'))
  await sleep(50)
  const cpuPerTurn = (cpuSeconds(app.pid) - cpu0) * 1000 / N.turns
  const { records } = await fake.ask<{ records: FakeRecord[] }>({ type: 'drain' })
  // Turns are sequential: the n-th evaluation and the n-th reply belong to the n-th turn.
  const evals = records.filter((r) => r.role === 'evaluate')
  const replies = records.filter((r) => r.role === 'reply')
  if (evals.length !== N.turns || replies.length !== N.turns) {
    notes.push(`overhead: expected ${N.turns} evaluations and replies at the fake, saw ${evals.length} / ${replies.length}; net figures are approximate`)
  }
  // Rapport's own record of each turn: whether its reply ran during the evaluation (speculation used).
  const history = (await ok('GET', `${chatUrl(g, 'history')}?user_session_id=overhead&include_trace=true`, undefined, g.headers)).json
  const traced = (history.messages as any[]).filter((m) => m.role === 'assistant' && m.trace?.steps?.evaluate).slice(-N.turns)
  const overlapped = traced.map((m) => m.trace.timeline?.speculation === 'used')
  // The fake's share of a turn: both calls one after the other, or side by side when the reply was speculated.
  const fakeMs = raw.map((_, i) => overlapped[i]
    ? Math.max(evals[i]?.ms ?? 0, replies[i]?.ms ?? 0)
    : (evals[i]?.ms ?? 0) + (replies[i]?.ms ?? 0))
  const net = raw.map((r, i) => r - fakeMs[i])
  const summaries = records.filter((r) => r.role === 'summary').length
  rows.push({ metric: `SQLITE_SYNCHRONOUS=${sync}, turn pipeline: ${pipelineName}; speculated reply used in ${overlapped.filter(Boolean).length} of ${N.turns} turns` })
  rows.push({ metric: `  turn latency, raw (${N.turns} sequential turns, 1 session)`, figure: `p50 ${ms(pct(raw, 50))} / p99 ${ms(pct(raw, 99))}` })
  rows.push({ metric: '  fake LLM time per turn (evaluate + reply, its side)', figure: `p50 ${ms(pct(fakeMs, 50))} / p99 ${ms(pct(fakeMs, 99))}` })
  rows.push({ metric: '  turn server overhead p50 (raw − fake)', figure: ms(pct(net, 50)), target: '≤ 2 ms', met: pct(net, 50) <= 2 })
  rows.push({ metric: '  turn server overhead p99 (raw − fake)', figure: ms(pct(net, 99)), target: '≤ 10 ms', met: pct(net, 99) <= 10 })
  // CPU time is what the load of a shared machine distorts least: the server's own, background summaries included.
  rows.push({ metric: '    server CPU time per turn (user + system, summaries included)', figure: ms(cpuPerTurn) })
  // Rapport's own view of its LLM calls (trace latency per step, whole ms): client library + transit + the fake.
  const callMs = traced.map((m) => m.trace.steps.evaluate.latency_ms + m.trace.steps.reply.latency_ms)
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length
  rows.push({ metric: '    of which Rapport\'s two LLM calls as it traced them (mean)', figure: `${ms(mean(callMs))} (fake side: mean ${ms(mean(fakeMs))}; raw mean ${ms(mean(raw))})` })
  notes.push(`overhead (${sync}): ${summaries} background summaries ran during the measured turns (they share the server's loop, as in real play)`)
}

async function overhead () {
  // The floor of one loopback HTTP exchange here: the same client against a bare Fastify route.
  const bare = await startTarget('bare')
  try {
    for (let i = 0; i < 200; i++) await ok('GET', `${bare.url}/bare`, undefined, {})
    const times: number[] = []
    for (let i = 0; i < N.turns; i++) times.push((await ok('GET', `${bare.url}/bare`, undefined, {})).ms)
    rows.push({ metric: `reference: bare Fastify GET, same client (${N.turns} sequential)`, figure: `p50 ${ms(pct(times, 50))} / p99 ${ms(pct(times, 99))}` })
  } finally {
    await stop(bare.child)
  }
  // The default (FULL: one WAL fsync per commit, on the server's thread) with the concurrent part; then,
  // unless --synchronous pins one, the same turns with NORMAL, so the fsync's share of a turn stands apart.
  await withPair('instant', {}, async (g, fake, app) => {
    await sequentialTurns(g, fake, app, synchronous === '' ? 'FULL (the default)' : synchronous)
    // Several sessions at once, each sequential: throughput and latency under concurrency (informational).
    const ids = Array.from({ length: N.sessions }, (_, i) => `concurrent-${i}`)
    for (const id of ids) await initSession(g, id)
    for (const id of ids) await turn(g, id)
    const all: number[] = []
    const t0 = performance.now()
    await Promise.all(ids.map(async (id) => { for (let i = 0; i < N.sessionTurns; i++) all.push(await turn(g, id)) }))
    const seconds = (performance.now() - t0) / 1000
    rows.push({
      metric: `  turn latency, raw (${N.sessions} sessions × ${N.sessionTurns} turns at once)`,
      figure: `p50 ${ms(pct(all, 50))} / p99 ${ms(pct(all, 99))}, ${(all.length / seconds).toFixed(0)} turns/s`
    })
  })
  if (synchronous === '') {
    await withPair('instant', {}, (g, fake, app) => sequentialTurns(g, fake, app, 'NORMAL (no fsync per commit)'), 'NORMAL')
  }
}

// ------------------------------------------------------------------------------------ 2. per-token delay

async function clockCheck (fake: Fake): Promise<string> {
  let best = { rtt: Infinity, offset: 0 }
  for (let i = 0; i < 50; i++) {
    const t0 = now()
    const { now: theirs } = await fake.ask<{ now: number }>({ type: 'now' })
    const t1 = now()
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: theirs - (t0 + t1) / 2 }
  }
  return `fake clock − bench clock ≈ ${Math.round(best.offset * 1000) || 0} µs ± ${(best.rtt * 500).toFixed(0)} µs (IPC estimate; delays are not corrected by it)`
}

async function tokenDelay () {
  await withPair('stamped', { chunks: N.chunks, chunkDelayMs: N.chunkDelay }, async (g, fake) => {
    notes.push(`token delay: ${await clockCheck(fake)}`)
    await initSession(g, 'stream')
    for (let i = 0; i < 2; i++) await streamTurn(g, 'stream') // warm-up
    const delays: number[] = []
    let failed = 0
    let deltas = 0
    for (let i = 0; i < N.streamTurns; i++) {
      const r = await streamTurn(g, 'stream')
      if (!r.ok) failed++
      deltas += r.deltas
      delays.push(...r.delays)
    }
    rows.push({
      metric: `per-token delay p50 (${N.streamTurns} streams × ${N.chunks} chunks, ${N.chunkDelay} ms apart)`,
      figure: ms(pct(delays, 50)),
      target: '≤ 1 ms',
      met: pct(delays, 50) <= 1
    })
    rows.push({ metric: 'per-token delay p99', figure: `${ms(pct(delays, 99))} (${delays.length} tokens in ${deltas} text_delta events, ${failed} failed streams)` })
  })
}

// ------------------------------------------------------------------------------------ 3. concurrent streams

async function concurrentStreams () {
  await withPair('stamped', { chunks: N.loadChunks, chunkDelayMs: N.loadDelay }, async (g, fake, app) => {
    const ids = Array.from({ length: N.streams }, (_, i) => `load-${i}`)
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => initSession(g, id)))
    await sleep(200)
    const before = rssMb(app.pid)
    let peak = before
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(app.pid)) }, 20)
    const cpu0 = { app: cpuSeconds(app.pid), fake: cpuSeconds(fake.child.pid), bench: process.cpuUsage() }
    const t0 = performance.now()
    const results = await Promise.all(ids.map((id) => streamTurn(g, id)))
    const wall = performance.now() - t0
    const benchCpu = process.cpuUsage(cpu0.bench)
    const cpu = {
      app: cpuSeconds(app.pid) - cpu0.app,
      fake: cpuSeconds(fake.child.pid) - cpu0.fake,
      bench: (benchCpu.user + benchCpu.system) / 1e6
    }
    clearInterval(sampler)
    peak = Math.max(peak, rssMb(app.pid))
    const completed = results.filter((r) => r.ok).length
    const errors = results.length - completed
    const delays = results.flatMap((r) => r.delays)
    const firstError = results.find((r) => !r.ok)?.error
    const ideal = (N.loadChunks - 1) * N.loadDelay
    rows.push({
      metric: `${N.streams} concurrent streams (${N.loadChunks} chunks × ${N.loadDelay} ms): completed / errors`,
      figure: `${completed} / ${errors}${firstError ? ` (first: ${firstError.slice(0, 80)})` : ''}`,
      target: `${N.streams} / 0`,
      met: completed === N.streams
    })
    rows.push({ metric: '  wall time of the burst (one stream alone ≈ chunk time)', figure: `${wall.toFixed(0)} ms (chunks alone take ${ideal} ms)` })
    const since = (pick: (r: StreamResult) => number) => results.map((r) => pick(r) - t0).filter((v) => !Number.isNaN(v))
    const spread = (pick: (r: StreamResult) => number) => {
      const v = since(pick)
      return v.length === 0 ? 'n/a' : `${pct(v, 50).toFixed(0)} / ${Math.max(...v).toFixed(0)} ms`
    }
    rows.push({ metric: '  since the burst start: headers (evaluated), p50 / last', figure: spread((r) => r.headersAt) })
    rows.push({ metric: '  since the burst start: first text_delta, p50 / last', figure: spread((r) => r.firstDeltaAt) })
    rows.push({ metric: '  since the burst start: end of stream, p50 / last', figure: spread((r) => r.endAt) })
    rows.push({ metric: '  CPU seconds used during the burst: server / fake / client', figure: `${cpu.app.toFixed(2)} / ${cpu.fake.toFixed(2)} / ${cpu.bench.toFixed(2)} s (${os.availableParallelism()} CPUs)` })
    rows.push({ metric: '  per-token delay under that load', figure: `p50 ${ms(pct(delays, 50))} / p99 ${ms(pct(delays, 99))}` })
    rows.push({ metric: '  server RSS: after inits → peak during the burst', figure: `${before.toFixed(0)} MB → ${peak.toFixed(0)} MB (VmHWM ${rssMb(app.pid, 'VmHWM').toFixed(0)} MB)` })
  })
}

// ------------------------------------------------------------------------------------ 4. prompt growth

async function promptGrowth (summary: 'stable' | 'grow') {
  await withPair('instant', { summary }, async (g, fake) => {
    await initSession(g, 'long')
    const turns = N.longTurns + 10
    const reply: FakeRecord[] = []
    const evaluate: FakeRecord[] = []
    let summaries = 0
    for (let i = 0; i < turns; i++) {
      await turn(g, 'long')
      // Summaries run after the commit; give them the pause a human player would.
      await sleep(10)
      const { records } = await fake.ask<{ records: FakeRecord[] }>({ type: 'drain' })
      reply.push(...records.filter((r) => r.role === 'reply'))
      evaluate.push(...records.filter((r) => r.role === 'evaluate'))
      summaries += records.filter((r) => r.role === 'summary').length
    }
    const at = (list: FakeRecord[], t: number) => list[t - 1]
    const r20 = at(reply, 20)
    const r200 = at(reply, N.longTurns)
    const ratio = r200.promptChars / r20.promptChars
    rows.push({
      metric: summary === 'stable'
        ? 'prompt growth, summary stable at ~5 sentences (as the persona asks):'
        : 'prompt growth, summary growing by a paragraph per fold up to the server\'s bound:'
    })
    rows.push({
      metric: `  reply prompt at turn 20 → turn ${N.longTurns} (chars; fake prompt_tokens)`,
      figure: `${r20.promptChars} → ${r200.promptChars} chars; ${r20.promptTokens} → ${r200.promptTokens} tokens`
    })
    rows.push({ metric: `  reply prompt ratio turn ${N.longTurns} / turn 20`, figure: `${ratio.toFixed(2)}×`, target: '≤ 1.2×', met: ratio <= 1.2 })
    const maxOf = (list: FakeRecord[], from: number, to: number) => Math.max(...list.slice(from - 1, to).map((r) => r.promptChars))
    const windowRatio = maxOf(reply, N.longTurns - 9, N.longTurns + 10) / maxOf(reply, 11, 30)
    rows.push({ metric: `  largest reply prompt, turns ${N.longTurns - 9}–${N.longTurns + 10} vs 11–30 (phase-free)`, figure: `${windowRatio.toFixed(2)}×` })
    const e20 = at(evaluate, 20)
    const e200 = at(evaluate, N.longTurns)
    rows.push({ metric: `  evaluation prompt at turn 20 → ${N.longTurns}`, figure: `${e20.promptChars} → ${e200.promptChars} chars (${(e200.promptChars / e20.promptChars).toFixed(2)}×)` })
    notes.push(`prompt (${summary} summary): ${summaries} summaries over ${turns} turns`)
  })
}

// ------------------------------------------------------------------------------------ main

async function main () {
  const started = performance.now()
  const parts: Array<[string, () => Promise<void>]> = [
    ['overhead', overhead],
    ['token', tokenDelay],
    ['streams', concurrentStreams],
    ['prompt', () => promptGrowth('stable')],
    ['prompt', () => promptGrowth('grow')]
  ]
  for (const [name, run] of parts) {
    if (only !== '' && only !== name) continue
    process.stderr.write(`bench:chat ${name}…\n`)
    await run()
  }
  agent.destroy()
  const width = Math.max(...rows.map((r) => r.metric.length))
  const fig = Math.max(...rows.map((r) => r.figure?.length ?? 0))
  console.log(`\nchat bench — node ${process.version}, fake LLM, Rapport and client in 3 processes, loopback only${quick ? ', --quick' : ''}`)
  console.log(`${'metric'.padEnd(width)}  ${'figure'.padEnd(fig)}  target`)
  for (const r of rows) {
    console.log(`${r.metric.padEnd(width)}  ${(r.figure ?? '').padEnd(fig)}  ${r.target ? `${r.target} ${r.met ? 'met' : 'NOT met'}` : ''}`.trimEnd())
  }
  for (const n of notes) console.log(`note: ${n}`)
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

main().catch((err) => { console.error(err); process.exit(1) })
