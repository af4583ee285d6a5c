// Benchmark scenarios: each prepares data through the public API and returns the request to load.
import type autocannon from 'autocannon'

export interface Scenario {
  name: string
  title: string
  targetRatio?: number
  env?: Record<string, string>
  setup: (baseUrl: string) => Promise<autocannon.Options>
}

async function post (url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** Registers a user and returns its token. */
export async function signUp (baseUrl: string): Promise<string> {
  const { token } = await post(`${baseUrl}/api/v1/auth/register`, { email: `bench${Date.now()}@example.com`, password: 'bench password' })
  return token
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
  }
]
