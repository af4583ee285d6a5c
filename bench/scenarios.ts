// Benchmark scenarios: each prepares data through the public API and returns the request to load.
import { readFileSync } from 'node:fs'
import type autocannon from 'autocannon'

export interface Scenario {
  name: string
  title: string
  targetRatio?: number
  /** A bare Fastify route answering the same body, reported as a second reference. */
  sameBodyBare?: string
  env?: Record<string, string>
  setup: (baseUrl: string) => Promise<autocannon.Options>
}

async function post (url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  return res.json()
}

interface SavedTransition { from_state_key: string, to_state_key: string, decision_type: string, priority: number }

/**
 * For each [from, to, decision]: from → the handle the evaluator is offered that transition under
 * (t1, t2, … by priority among the state's outgoing transitions, ties in saved order).
 */
export function handlesFor (machine: { transitions: SavedTransition[] }, ...picks: Array<[string, string, string]>): Record<string, string> {
  const byState: Record<string, string> = {}
  for (const [from, to, decision] of picks) {
    const outgoing = machine.transitions.filter((x) => x.from_state_key === from).sort((a, b) => a.priority - b.priority)
    const i = outgoing.findIndex((x) => x.to_state_key === to && x.decision_type === decision)
    if (i === -1) throw new Error(`no transition ${from}->${to}:${decision} in the example`)
    byState[from] = `t${i + 1}`
  }
  return byState
}

/** Registers a user and returns its token. */
export async function signUp (baseUrl: string): Promise<string> {
  const { token } = await post(`${baseUrl}/api/v1/auth/register`, { email: `bench${Date.now()}@example.com`, password: 'bench password' })
  return token
}

/** Creates an API key for the token's user. */
export async function apiKey (baseUrl: string, token: string): Promise<string> {
  const { key } = await post(`${baseUrl}/api/v1/sdk/api-keys`, { name: 'bench' }, { authorization: `Bearer ${token}` })
  return key
}

/** Saves and publishes an example persona `count` times; returns the persona ids. */
export async function publishExamples (baseUrl: string, token: string, count: number, file = 'vex-bouncer.json'): Promise<string[]> {
  const graph = JSON.parse(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8'))
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const saved = await post(`${baseUrl}/api/v1/creator/save`, { ...graph, persona: { ...graph.persona, name: `${graph.persona.name} ${i + 1}` } }, { authorization: `Bearer ${token}` })
    await post(`${baseUrl}/api/v1/personas/${saved.persona.id}/publish`, {}, { authorization: `Bearer ${token}` })
    ids.push(saved.persona.id)
  }
  return ids
}

export const scenarios: Scenario[] = [
  {
    name: 'auth-me',
    title: 'GET /api/v1/auth/me (JWT + limit + SQLite)',
    targetRatio: 0.6,
    async setup (baseUrl) {
      const token = await signUp(baseUrl)
      return { url: `${baseUrl}/api/v1/auth/me`, headers: { authorization: `Bearer ${token}` } }
    }
  },
  {
    name: 'sdk-personas',
    title: 'GET /api/v1/sdk/personas (key + limit + SQLite, 20)',
    targetRatio: 0.6,
    sameBodyBare: '/bare-personas',
    async setup (baseUrl) {
      const token = await signUp(baseUrl)
      await publishExamples(baseUrl, token, 20)
      const key = await apiKey(baseUrl, token)
      return { url: `${baseUrl}/api/v1/sdk/personas`, headers: { 'x-api-key': key } }
    }
  }
]
