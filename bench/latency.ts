// Latency benchmark: the player's wait for the NPC's first word under a provider latency model, per turn pipeline.
// The fake LLM (bench/fake-llm-process.ts, latency mode), Rapport (bench/target.ts) and this client are three processes.
// Usage: npm run bench:latency [-- --ttft 300 --per-token 20 --turns 20]
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { apiKey, handlesFor } from './scenarios.ts'
import { startFake, stop } from './fake-llm-child.ts'
import { startTarget } from './target-process.ts'

const args = process.argv.slice(2)
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : def
}
const TTFT = opt('ttft', 300)
const PER_TOKEN = opt('per-token', 20)
const TURNS = opt('turns', 20)
const ADMIN = 'bench-admin@example.com'
const REPLY = 'Vex looks you over. "Name, and who invited you. The queue is long tonight."'
const MESSAGE = 'Evening. I came for the DJ tonight, I have followed her sets for years.'

const PIPELINES: Array<{ name: string, env: Record<string, string> }> = [
  { name: 'sequential (whole evaluation, then reply)', env: { CHAT_PIPELINE: 'sequential', SPECULATIVE_REPLY: 'false' } },
  { name: 'streamed decision', env: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'false' } },
  { name: 'streamed decision + speculative reply (default)', env: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'true', SPECULATIVE_TRANSITIONS: '0' } },
  { name: '… + the replies of up to 3 offered transitions', env: { CHAT_PIPELINE: 'streamed', SPECULATIVE_REPLY: 'true', SPECULATIVE_TRANSITIONS: '3' } }
]

async function json (url: string, init: { method?: string, body?: unknown, headers?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  })
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** One streamed turn: ms from sending the message to the first text_delta; throws unless the turn commits. */
async function firstToken (url: string, headers: Record<string, string>, userSessionId: string): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ message: MESSAGE, user_session_id: userSessionId }) })
  if (res.status !== 200 || res.body === null) throw new Error(`stream: ${res.status} ${await res.text()}`)
  const decoder = new TextDecoder()
  let first = NaN
  let body = ''
  for await (const chunk of res.body) {
    body += decoder.decode(chunk as Uint8Array, { stream: true })
    if (Number.isNaN(first) && body.includes('event: text_delta')) first = performance.now() - t0
  }
  if (!body.includes('event: done')) throw new Error(`stream ended without done: ${body.slice(-300)}`)
  return first
}

function pct (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

interface Result { name: string, still: number[], moved: number[], wastedStill: number, wastedMoved: number }

async function run (pipeline: typeof PIPELINES[number]): Promise<Result> {
  const fake = await startFake('latency', { ttftMs: TTFT, perTokenMs: PER_TOKEN, replyText: REPLY, summary: 'stable' })
  // No load shedding: on a shared machine the event-loop delay would turn bench turns into 503s.
  const app = await startTarget('app', { OPENAI_BASE_URL: `${fake.url}/openai/v1`, LLM_TIMEOUT_MS: '30000', ADMIN_EMAILS: ADMIN, PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', ...pipeline.env })
  try {
    const base = `${app.url}/api/v1`
    const { token } = await json(`${base}/auth/register`, { method: 'POST', body: { email: ADMIN, password: 'bench password' } })
    const auth = { authorization: `Bearer ${token}` }
    const key = await apiKey(app.url, token)
    const saved = await json(`${base}/creator/save`, { method: 'POST', body: JSON.parse(readFileSync(new URL('../examples/vex-bouncer.json', import.meta.url), 'utf8')), headers: auth })
    await json(`${base}/personas/${saved.persona.id}/publish`, { method: 'POST', body: {}, headers: auth })
    // approach → vibe_check (a pass: the reply prompt changes); vibe_check has no answer, so it stays (no transition).
    const door = saved.machines.find((m: any) => m.machine_key === 'door')
    await fake.ask({ type: 'transitions', byState: handlesFor(door, ['approach', 'vibe_check', 'pass']) })
    const headers = { 'x-api-key': key, 'x-llm-api-key': 'sk-bench-local-fake', 'x-llm-model': 'gpt-4o-mini' }
    const chat = `${base}/sdk/chat/${saved.persona.id}`
    const init = (id: string) => json(`${chat}/init-session`, { method: 'POST', body: { user_session_id: id, player_name: 'Bench', player_gender: 'non-binary' }, headers })
    const wasted = async () => {
      const s = (await json(`${base}/admin/stats`, { headers: auth })).last_24h
      return s.speculation_wasted_tokens_in + s.speculation_wasted_tokens_out
    }

    await init('steady')
    await firstToken(`${chat}/message/stream`, headers, 'steady') // into vibe_check
    await firstToken(`${chat}/message/stream`, headers, 'steady') // warm-up
    const w0 = await wasted()
    const still: number[] = []
    for (let i = 0; i < TURNS; i++) still.push(await firstToken(`${chat}/message/stream`, headers, 'steady'))
    const w1 = await wasted()
    const moved: number[] = []
    for (let i = 0; i < TURNS; i++) {
      await init('moving')
      moved.push(await firstToken(`${chat}/message/stream`, headers, 'moving'))
    }
    const w2 = await wasted()
    return { name: pipeline.name, still, moved, wastedStill: (w1 - w0) / TURNS, wastedMoved: (w2 - w1) / TURNS }
  } finally {
    await stop(app.child)
    await stop(fake.child)
  }
}

async function main () {
  console.log(`bench:latency — fake provider: time to first token ${TTFT} ms, ${PER_TOKEN} ms per output token (token ≈ word or punctuation run); ${TURNS} streamed turns per kind; first reply token as the client sees it`)
  const results: Result[] = []
  for (const p of PIPELINES) results.push(await run(p))
  const f = (v: number) => `${v.toFixed(0)} ms (${(v / TTFT).toFixed(2)}×)`
  console.log('\n| pipeline | no transition: p50 / p99 | with a transition: p50 / p99 | tokens wasted per turn (no transition / with) |')
  console.log('| --- | --- | --- | --- |')
  for (const r of results) {
    console.log(`| ${r.name} | ${f(pct(r.still, 50))} / ${f(pct(r.still, 99))} | ${f(pct(r.moved, 50))} / ${f(pct(r.moved, 99))} | ${r.wastedStill.toFixed(0)} / ${r.wastedMoved.toFixed(0)} |`)
  }
  const verdict = (v: number, target: number) => `${(v / TTFT).toFixed(2)}× ${v <= target * TTFT ? 'met' : 'NOT met'}`
  console.log('\ntargets (p50, × one call\'s time to first token): no transition ≤ 1.3×, with a transition ≤ 2.3×')
  for (const r of results.slice(2)) console.log(`  ${r.name}: ${verdict(pct(r.still, 50), 1.3)} / ${verdict(pct(r.moved, 50), 2.3)}`)
}

main().catch((err) => { console.error(err); process.exit(1) })
