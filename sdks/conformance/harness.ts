// The conformance environment: two Rapport instances on loopback, a scripted fake LLM provider and a counters endpoint.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { startFakeLlm, type FakeRequest, type FakeScript } from '../../tools/fake-llm.ts'

/** What the launcher prints as its one JSON line (see README.md). */
export interface ConformanceInfo {
  base_url: string
  api_key: string
  persona_id: string
  persona_name: string
  llm_api_key: string
  llm_model: string
  bad_llm_api_key: string
  error_llm_api_key: string
  other_api_key: string
  bad_api_key: string
  limited_base_url: string
  limited_api_key: string
  limited_window_ms: number
  control_url: string
}

export interface ConformanceOptions {
  /** Browser origins both instances accept (CORS_ORIGINS); none by default. */
  corsOrigins?: string[]
}

export interface Conformance {
  info: ConformanceInfo
  close: () => Promise<void>
}

export const LLM_KEY = 'sk-conformance-good-0123456789'
export const BAD_LLM_KEY = 'sk-conformance-rejected-0123456789'
export const ERROR_LLM_KEY = 'sk-conformance-outage-0123456789'
export const GREETING = 'Evening. Name, and what brings you to my door?'
export const REPLY = 'Vex looks you over. Keep talking, friend.'
export const LIMITED_WINDOW_MS = 3000

const EXAMPLE = new URL('../../examples/vex-bouncer.json', import.meta.url)

/** The player's latest message as the evaluator or the reply model sees it. */
function latestPlayerMessage (req: FakeRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? ''
  const quoted = /<<<\n([\s\S]*)\n>>>\s*$/.exec(last)
  return quoted ? quoted[1] : last
}

/** Evaluator answer for a marker: the first offered transition of that decision type, a follow-up, or none. */
function evaluate (req: FakeRequest): FakeScript {
  const text = latestPlayerMessage(req)
  if (text.includes('[follow-up]')) return { json: { transition_id: null, follow_up: true, reason: 'The player was vague.' } }
  const marker = /\[(pass|redirect|reject|kick-out)\]/.exec(text)
  if (marker) {
    const decision = marker[1].replace('-', '_')
    const offered = [...req.system.matchAll(/^(t\d+) \| decision: (\w+)/gm)]
    const chosen = offered.find((m) => m[2] === decision)
    if (chosen) return { json: { transition_id: chosen[1], follow_up: false, reason: `The player asked for ${decision}.` } }
  }
  return { json: { transition_id: null, follow_up: false, reason: 'Nothing applies.' } }
}

/** The fake provider's script: keys decide 401 / 500, markers in the player's message decide the turn. */
function script (req: FakeRequest): FakeScript {
  const auth = String(req.headers.authorization ?? '')
  if (auth === `Bearer ${BAD_LLM_KEY}`) return { status: 401 }
  if (auth === `Bearer ${ERROR_LLM_KEY}`) return { status: 500 }
  if (req.kind !== 'chat') return {}
  if (req.system.startsWith('You are the referee')) return evaluate(req)
  if (req.system.startsWith('You read a finished conversation')) return { json: { variables: {}, memory: 'They met at the door.' } }
  if (req.system.startsWith('You keep the running summary')) return { text: 'They talked at the door.' }
  if (req.system.includes('Open the conversation')) return { text: GREETING, chunkDelayMs: 5 }
  // a short pause between chunks, so a browser sees deltas arrive before done
  if (latestPlayerMessage(req).includes('[stream-error]')) return { text: REPLY, cutAfterChunks: 2, chunkDelayMs: 5 }
  return { text: REPLY, chunkDelayMs: 5 }
}

async function json (res: Response) {
  const body = await res.json() as any
  if (!res.ok) throw new Error(`setup request failed: ${res.status} ${JSON.stringify(body)}`)
  return body
}

/** Registers an account over HTTP and returns its token and a new API key. */
async function account (base: string, email: string) {
  const post = (path: string, body: unknown, token?: string) => fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  }).then(json)
  const { token } = await post('/auth/register', { email, password: 'conformance-password', display_name: 'Conformance' })
  const { key } = await post('/sdk/api-keys', { name: 'conformance' }, token)
  return { token: token as string, key: key as string, post }
}

async function listen (server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Starts everything the scenario needs; `close` stops it all. */
export async function startConformance (options: ConformanceOptions = {}): Promise<Conformance> {
  const fake = await startFakeLlm()
  fake.setDefault(script)
  const env = {
    DATABASE_URL: ':memory:',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'conformance-secret-conformance-secret',
    OPENAI_BASE_URL: `${fake.url}/openai/v1`,
    ANTHROPIC_BASE_URL: `${fake.url}/anthropic/v1`,
    CORS_ORIGINS: (options.corsOrigins ?? []).join(','),
    // the turn limits stay out of the way of the scenario and of repeated test runs
    RATE_LIMIT_SDK_CHAT: '100000',
    RATE_LIMIT_SDK_GENERAL: '100000',
    RATE_LIMIT_CHAT: '100000',
    RATE_LIMIT_GENERAL: '100000',
    // no overload shedding: a busy CI machine must not turn the fixture's setup or a step into a 503
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0'
  }
  const main = await buildApp(loadConfig(env))
  const limited = await buildApp(loadConfig({ ...env, RATE_LIMIT_SDK_GENERAL: '1', RATE_LIMIT_SDK_CHAT: '1', RATE_LIMIT_WINDOW_MS: String(LIMITED_WINDOW_MS) }))

  // Counters of HTTP requests as Rapport received them (headers only; the body stays Fastify's).
  const counters = { limited_requests: 0, error_llm_requests: 0 }
  const isCall = (req: IncomingMessage) => req.method !== 'OPTIONS' && (req.url ?? '').startsWith('/api/v1/sdk/')
  main.server.on('request', (req: IncomingMessage) => {
    if (isCall(req) && req.headers['x-llm-api-key'] === ERROR_LLM_KEY) counters.error_llm_requests++
  })
  limited.server.on('request', (req: IncomingMessage) => { if (isCall(req)) counters.limited_requests++ })
  const control = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*')
    if (req.url === '/counters') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(counters))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'unknown control route' } }))
  })

  const closers: Array<() => Promise<unknown>> = []
  try {
    const baseUrl = await main.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => main.close())
    const limitedUrl = await limited.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => limited.close())
    const controlUrl = await listen(control)
    closers.push(async () => { control.closeAllConnections(); control.close() })
    closers.push(() => fake.close())

    const owner = await account(baseUrl, 'owner@conformance.example')
    const saved = await owner.post('/creator/save', JSON.parse(readFileSync(EXAMPLE, 'utf8')), owner.token)
    await owner.post(`/personas/${saved.persona.id}/publish`, {}, owner.token)
    const other = await account(baseUrl, 'other@conformance.example')
    const limitedOwner = await account(limitedUrl, 'limited@conformance.example')
    // the counters start after the setup requests
    counters.limited_requests = 0
    counters.error_llm_requests = 0

    return {
      info: {
        base_url: baseUrl,
        api_key: owner.key,
        persona_id: saved.persona.id,
        persona_name: saved.persona.name,
        llm_api_key: LLM_KEY,
        llm_model: 'gpt-4o-mini',
        bad_llm_api_key: BAD_LLM_KEY,
        error_llm_api_key: ERROR_LLM_KEY,
        other_api_key: other.key,
        bad_api_key: 'pk_live_00000000000000000000000000000000',
        limited_base_url: limitedUrl,
        limited_api_key: limitedOwner.key,
        limited_window_ms: LIMITED_WINDOW_MS,
        control_url: controlUrl
      },
      close: async () => { for (const close of closers.reverse()) await close() }
    }
  } catch (err) {
    for (const close of closers.reverse()) await close()
    throw err
  }
}
