// npm run demo [-- <example>]: against a running server, creates a demo user and API key, saves and publishes an example persona,
// plays a first streamed turn when the server runs the keyless mock provider (LLM_MOCK=true), prints curl commands.
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'

// The server's address: RAPPORT_URL, else the PORT and HOST the server itself reads (a wildcard HOST is reached on loopback).
const host = !process.env.HOST || ['0.0.0.0', '::'].includes(process.env.HOST) ? '127.0.0.1' : process.env.HOST
const base = (process.env.RAPPORT_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${process.env.PORT || '3000'}`).replace(/\/+$/, '')
const api = `${base}/api/v1`
const examplesDir = new URL('../examples/', import.meta.url)
const available = readdirSync(examplesDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length))
const name = process.argv[2] ?? 'vex-bouncer'

function fail (message: string): never {
  console.error(`demo: ${message}`)
  process.exit(1)
}

if (!available.includes(name)) fail(`unknown example "${name}"; choose one of: ${available.join(', ')}`)

/** Calls the API and returns the JSON body; exits with the server's error message on failure. */
async function call<T> (method: string, path: string, options: { token?: string, body?: unknown, headers?: Record<string, string>, raw?: boolean } = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined
    })
  } catch (err) {
    fail(`cannot reach ${base} (${(err as Error).cause ?? (err as Error).message}). Start the server with \`npm start\` or set RAPPORT_URL.`)
  }
  const text = await res.text()
  if (!res.ok) fail(`${method} ${path} answered ${res.status}: ${text}`)
  return (options.raw ? text : JSON.parse(text)) as T
}

const email = `demo-${randomBytes(4).toString('hex')}@example.com`
const password = randomBytes(12).toString('base64url')
const { token, user } = await call<{ token: string, user: { id: string } }>('POST', '/auth/register', {
  body: { email, password, display_name: 'Demo creator' }
})
const { key } = await call<{ key: string }>('POST', '/sdk/api-keys', { token, body: { name: 'demo' } })
const graph = JSON.parse(readFileSync(new URL(`${name}.json`, examplesDir), 'utf8'))
const saved = await call<{ persona: { id: string, name: string }, machines: Array<{ machine_id: string, machine_key: string, is_entry: boolean }>, warnings: unknown[] }>(
  'POST', '/creator/save', { token, body: graph })
await call('POST', `/personas/${saved.persona.id}/publish`, { token })

const personaId = saved.persona.id
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`
const sdk = `${api}/sdk`
const headers = `-H ${q(`X-API-Key: ${key}`)} -H 'Content-Type: application/json'`

// With LLM_MOCK=true the server answers mock/… models itself: play the greeting and a first streamed turn, no key needed.
const sdkHeaders = { 'x-api-key': key, 'x-llm-model': 'mock/npc' }
const mock = (await call<{ valid: boolean }>('POST', '/sdk/validate-llm-key', { headers: sdkHeaders, body: {} })).valid
const llm = mock ? "-H 'X-LLM-Model: mock/npc'" : '-H "X-LLM-API-Key: $OPENAI_API_KEY"'
let played = ''
if (mock) {
  const greeting = await call<{ message: string }>('POST', `/sdk/chat/${personaId}/init-session`, {
    headers: sdkHeaders, body: { user_session_id: 'demo-player', player_name: 'Sam', player_gender: 'non-binary' }
  })
  const said = 'I am on the guest list, Margo invited me'
  const stream = await call<string>('POST', `/sdk/chat/${personaId}/message/stream`, { headers: sdkHeaders, body: { user_session_id: 'demo-player', message: said }, raw: true })
  const done = /event: done\ndata: (.*)\n/.exec(stream)?.[1]
  if (!done) fail(`the streamed turn did not end with a done event:\n${stream}`)
  const turn = JSON.parse(done) as { message: string, current_state: string, score: number }
  const deltas = [...stream.matchAll(/event: text_delta\n/g)].length
  played = `
A first conversation, played with the keyless mock provider (X-LLM-Model: mock/npc):
  ${saved.persona.name}: ${greeting.message}
  player: ${said}
  ${saved.persona.name}: ${turn.message}   (streamed in ${deltas} text_delta events; now in state ${turn.current_state}, score ${turn.score})
`
}
const line = '-'.repeat(72)

console.log(`
Rapport demo — ${saved.persona.name} (${name}) is saved and published on ${base}

  user      ${email}  (password ${password}, id ${user.id})
  JWT       ${token}
  API key   ${key}   (shown once; only its hash is stored)
  persona   ${personaId}
${saved.machines.map((m) => `  machine   ${m.machine_id}  ${m.machine_key}${m.is_entry ? ' (entry)' : ' (unlocked by a link)'}`).join('\n')}

${played}${line}
SDK: list your published personas
  curl -s ${headers} ${sdk}/personas

Web: the full graph, and what the validator thinks of it
  curl -s -H ${q(`Authorization: Bearer ${token}`)} ${api}/personas/${personaId}/full
  curl -s ${api}/personas/${personaId}/validate

${line}
${mock
  ? 'SDK chat with the mock provider (no key; with a real provider send X-LLM-API-Key and X-LLM-Model instead, see README)'
  : 'SDK chat (needs an LLM key: set OPENAI_API_KEY, or start the server with LLM_MOCK=true and send X-LLM-Model: mock/npc, see README)'}
  curl -s -X POST ${headers} ${llm} ${sdk}/chat/${personaId}/init-session \\
    -d '{"user_session_id": "player-1", "player_name": "Sam", "player_gender": "non-binary"}'
  curl -s -X POST ${headers} ${llm} ${sdk}/chat/${personaId}/message \\
    -d '{"user_session_id": "player-1", "message": "Hi! Any chance I can come through tonight?"}'
  curl -sN -X POST ${headers} ${llm} ${sdk}/chat/${personaId}/message/stream \\
    -d '{"user_session_id": "player-1", "message": "I am happy to pay, and I will be no trouble."}'
  curl -s ${headers} '${sdk}/chat/${personaId}/session?user_session_id=player-1'
  curl -s ${headers} '${sdk}/chat/${personaId}/history?user_session_id=player-1'
  curl -s ${headers} '${sdk}/chat/${personaId}/machines?user_session_id=player-1'
  curl -s -X POST ${headers} '${sdk}/chat/${personaId}/reset?user_session_id=player-1'
`)
