// The caller's own LLM key is scrubbed from provider messages whatever its shape, on every path that passes one on (not only `sk-`-shaped keys).
import t from 'tap'
import { bearer } from '../helpers/build.ts'
import { chatSetup, type ChatSetup } from '../helpers/chat.ts'
import type { FakeScript } from '../helpers/fake-llm.ts'
import { parseSse } from '../helpers/sse.ts'

// Fresh apps and many requests against the fake LLM: more than the default file timeout on a loaded machine.
t.setTimeout(240_000)

// Key shapes: OpenAI-style (also caught by pattern), Mistral-style (32 alphanumerics), Together-style (64 hex), a gateway token.
const KEYS: Array<[string, string]> = [
  ['sk- prefixed', 'sk-proj-Zq8x2Lm4Nv6Bc0Df9Gh1Jk3'],
  ['Mistral-style', 'Qm7XrT2pLw9ZkV4sNb8HcY1dFg6JuE3a'],
  ['Together-style', '3f9a1c7e5b2d8f4a6c0e9b7d5f3a1c8e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a'],
  ['gateway token', 'acme.gw.7c1e-99ab-team-blue']
]

interface Path {
  name: string
  /** Runs the request with `fault` answering the step under test, and returns the text the caller receives. */
  run: (c: ChatSetup, headers: Record<string, string>, fault: FakeScript) => Promise<string>
}

const player = { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' }

async function started (c: ChatSetup, headers: Record<string, string>) {
  const res = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, player, headers)
  if (res.statusCode !== 200) throw new Error(res.body)
}

const send = (c: ChatSetup, h: Record<string, string>, stream = false) =>
  c.sdk('POST', `/chat/${c.persona.id}/message${stream ? '/stream' : ''}`, { user_session_id: 'p1', message: 'hi' }, h)

const PATHS: Path[] = [
  {
    name: 'SDK message, evaluation (JSON call)',
    run: async (c, h, fault) => { await started(c, h); c.evaluate(fault); return (await send(c, h)).body }
  },
  {
    name: 'SDK message, reply (text call)',
    run: async (c, h, fault) => { await started(c, h); c.reply(fault); return (await send(c, h)).body }
  },
  {
    name: 'SDK stream, reply (streamed call)',
    run: async (c, h, fault) => {
      await started(c, h)
      c.reply(fault)
      const res = await send(c, h, true)
      if (!parseSse(res.body).some((e) => e.event === 'error')) throw new Error(`no error event in ${res.body}`)
      return res.body
    }
  },
  {
    name: 'SDK init-session greeting',
    run: async (c, h, fault) => { c.reply(fault); return (await c.sdk('POST', `/chat/${c.persona.id}/init-session`, player, h)).body }
  },
  {
    name: 'SDK validate-llm-key',
    run: async (c, h, fault) => { c.reply(fault); return (await c.sdk('POST', '/validate-llm-key', {}, h)).body }
  },
  {
    name: 'web message, evaluation',
    run: async (c, h, fault) => {
      const headers = { ...bearer(c.owner), ...h }
      await c.app.inject({ method: 'POST', url: `/api/v1/chat/${c.persona.id}/init-session`, headers, payload: player })
      c.evaluate(fault)
      return (await c.app.inject({ method: 'POST', url: `/api/v1/chat/${c.persona.id}/message`, headers, payload: { user_session_id: 'p1', message: 'hi' } })).body
    }
  }
]

for (const path of PATHS) {
  t.test(`${path.name}: a provider echoing the caller's key never passes it on`, async (t) => {
    const c = await chatSetup(t)
    for (const [shape, key] of KEYS) {
      c.fake.requests.length = 0
      const headers = { 'x-llm-api-key': key, 'x-llm-model': 'gpt-4o-mini' }
      const body = await path.run(c, headers, { status: 400, errorMessage: `Invalid model for key ${key} (see docs)` })
      t.ok(c.fake.requests.some((r) => r.headers.authorization === `Bearer ${key}`), `${shape}: the key reached the provider`)
      t.match(body, /The LLM provider rejected the request: .*\[redacted\]/, `${shape}: the provider's message is passed on, scrubbed`)
      t.notMatch(body, key, `${shape}: the key is not in the answer`)
    }
  })
}
