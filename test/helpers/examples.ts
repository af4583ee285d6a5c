// Example personas from examples/ and shortcuts to save, publish and strip them in tests.
import { readFileSync } from 'node:fs'
import type { RapportApp } from '../../src/app.ts'
import { bearer, type Account } from './build.ts'

export type ExampleName = 'vex-bouncer' | 'tam-toll-keeper'

/** A fresh copy of an example's save body. */
export function example (name: ExampleName) {
  return JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'))
}

/** Saves a body (new persona, or replaces persona_id) and returns the response. */
export function save (app: RapportApp, account: Account, body: unknown, personaId?: string) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/creator/save${personaId ? `?persona_id=${personaId}` : ''}`,
    headers: bearer(account),
    payload: body as object
  })
}

/** Saves an example as a new persona (optionally published) and returns the saved body. */
export async function saveExample (app: RapportApp, account: Account, name: ExampleName = 'tam-toll-keeper', options: { publish?: boolean, rename?: string } = {}) {
  const body = example(name)
  if (options.rename) body.persona.name = options.rename
  const res = await save(app, account, body)
  if (res.statusCode !== 201) throw new Error(`save failed: ${res.statusCode} ${res.body}`)
  const saved = res.json()
  if (options.publish) {
    const pub = await app.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/publish`, headers: bearer(account) })
    if (pub.statusCode !== 200) throw new Error(`publish failed: ${pub.statusCode} ${pub.body}`)
    saved.persona = pub.json()
  }
  return saved
}

/** A graph body without the ids the server assigns (machine_id, transition_id), for comparing with an example. */
export function withoutIds (graph: { machines: Array<Record<string, unknown> & { transitions: Array<Record<string, unknown>> }> }) {
  return graph.machines.map(({ machine_id: _m, transitions, ...machine }) => ({
    ...machine,
    transitions: transitions.map(({ transition_id: _t, ...t }) => t)
  }))
}
