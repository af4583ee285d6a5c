// Chat test setup: the fake LLM scripted per role (evaluator, reply, summary, extraction), an owner with an API key and a saved example persona.
import type { Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import type { RapportApp } from '../../src/app.ts'
import { build, createKey, register, type Account } from './build.ts'
import { saveExample, type ExampleName } from './examples.ts'
import { startFakeLlm, type FakeLlm, type FakeRequest, type FakeScript } from './fake-llm.ts'

export const LLM_KEY = 'sk-test-caller-key-0123456789'

/** The LLM headers a game sends (a Foil SDK with an OpenAI key). */
export const llmHeaders = { 'x-llm-api-key': LLM_KEY, 'x-llm-model': 'gpt-4o-mini' }

export type Role = 'evaluate' | 'reply' | 'summary' | 'extract'

/** Which step of the engine a fake request belongs to, from its prompt. */
export function roleOf (req: FakeRequest): Role {
  if (req.system.startsWith('You are the referee')) return 'evaluate'
  if (req.system.startsWith('You read a finished conversation')) return 'extract'
  if (req.system.startsWith('You keep the running summary')) return 'summary'
  return 'reply'
}

export interface Scripted {
  fake: FakeLlm
  /** The evaluator's next answer: a transition (by from→to:decision, answered under its handle), a follow-up, no transition, or a raw fake script (faults). */
  evaluate: (answer: string | { follow_up: true } | null | FakeScript) => void
  /** The next reply (text, or a raw fake script). */
  reply: (answer: string | FakeScript) => void
  /** Every request of `role` answers `script` (a fault) until called again with null. */
  failing: (role: Role, script: FakeScript | null) => void
  /** Requests of one role so far. */
  requestsOf: (role: Role) => FakeRequest[]
  /** transition_id of `from->to:decision`. */
  tid: (spec: string) => string
}

export interface ChatSetup extends Scripted {
  app: RapportApp
  owner: Account
  key: string
  persona: { id: string, name: string, description: string, owner_id: string }
  saved: any
  machine: (key: string) => any
  /** SDK request with the API key and every X-LLM-* header. */
  sdk: (method: 'GET' | 'POST', path: string, payload?: object, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
}

/**
 * transition_id → the handle the evaluator sees it under (t1, t2, … among its state's outgoing
 * transitions by priority, ties in saved order), for every machine of a saved persona.
 */
export function transitionHandles (saved: { machines: Array<{ transitions: Array<{ transition_id: string, from_state_key: string, priority: number }> }> }): Map<string, string> {
  const handles = new Map<string, string>()
  for (const m of saved.machines) {
    const byState = new Map<string, typeof m.transitions>()
    for (const tr of m.transitions) byState.set(tr.from_state_key, [...(byState.get(tr.from_state_key) ?? []), tr])
    for (const list of byState.values()) {
      [...list].sort((a, b) => a.priority - b.priority).forEach((tr, i) => handles.set(tr.transition_id, `t${i + 1}`))
    }
  }
  return handles
}

/**
 * Reply scripts handed out so a turn gets its scripted reply under every pipeline: a reply request
 * for the same conversation as an earlier one but with another system prompt is the turn's reply
 * after a discarded speculative one, and gets the script the speculation took.
 */
export function replyPicker (next: () => FakeScript): (req: FakeRequest) => FakeScript {
  const seen = new Map<string, { system: string, script: FakeScript }>()
  return (req) => {
    // A greeting is never speculated: the greetings of two machines share their messages, not their script.
    if (req.system.includes('Open the conversation: greet')) return next()
    const key = JSON.stringify(req.messages)
    const earlier = seen.get(key)
    if (earlier !== undefined && earlier.system !== req.system) return earlier.script
    const script = next()
    seen.set(key, { system: req.system, script })
    return script
  }
}

/** Scripts the fake by role; unscripted evaluations answer "no transition", unscripted replies a fixed line. */
export function scriptFake (fake: FakeLlm, saved: any): Scripted {
  const evals: FakeScript[] = []
  const replies: FakeScript[] = []
  const transitions = new Map<string, string>()
  for (const m of saved.machines) {
    for (const tr of m.transitions) transitions.set(`${m.machine_key}:${tr.from_state_key}->${tr.to_state_key}:${tr.decision_type}`, tr.transition_id)
  }
  const handles = transitionHandles(saved)
  const pickReply = replyPicker(() => replies.shift() ?? { text: 'Fine words.' })
  const tid = (spec: string) => {
    const id = transitions.get(spec)
    if (id === undefined) throw new Error(`no transition ${spec}`)
    return id
  }
  const faults = new Map<Role, FakeScript>()
  fake.setDefault((req) => {
    const role = roleOf(req)
    const fault = faults.get(role)
    if (fault) return fault
    if (role === 'evaluate') return evals.shift() ?? { json: { transition_id: null, follow_up: false, reason: 'Nothing applies.' } }
    if (role === 'extract') return { json: { variables: {}, memory: 'They met.' } }
    if (role === 'summary') return { text: 'They talked.' }
    return pickReply(req)
  })
  return {
    fake,
    tid,
    evaluate (answer) {
      if (answer === null) evals.push({ json: { transition_id: null, follow_up: false, reason: 'Nothing applies.' } })
      else if (typeof answer === 'string') evals.push({ json: { transition_id: handles.get(tid(answer)), follow_up: false, reason: `Chose ${answer}.` } })
      else if ('follow_up' in answer) evals.push({ json: { transition_id: null, follow_up: true, reason: 'Unclear.' } })
      else evals.push(answer)
    },
    reply (answer) {
      replies.push(typeof answer === 'string' ? { text: answer } : answer)
    },
    failing (role, script) {
      if (script === null) faults.delete(role)
      else faults.set(role, script)
    },
    requestsOf: (role) => fake.requests.filter((r) => r.kind === 'chat' && roleOf(r) === role)
  }
}

/** Fake LLM + app pointed at it + owner, key and a published example persona. */
export async function chatSetup (t: Test, options: { example?: ExampleName, publish?: boolean, env?: Record<string, string>, logStream?: NodeJS.WritableStream } = {}): Promise<ChatSetup> {
  const fake = await startFakeLlm()
  const app = await build(t, { OPENAI_BASE_URL: `${fake.url}/openai/v1`, ANTHROPIC_BASE_URL: `${fake.url}/anthropic/v1`, ...options.env }, undefined, { logStream: options.logStream })
  // Registered after build's teardown, so it runs once the app (and its background work) has closed.
  t.teardown(() => fake.close())
  const owner = await register(app)
  const key = await createKey(app, owner)
  const saved = await saveExample(app, owner, options.example ?? 'vex-bouncer', { publish: options.publish ?? true })
  const scripted = scriptFake(fake, saved)
  return {
    ...scripted,
    app,
    owner,
    key,
    saved,
    persona: saved.persona,
    machine: (k) => saved.machines.find((m: { machine_key: string }) => m.machine_key === k),
    sdk: (method, path, payload, headers) => app.inject({
      method,
      url: `/api/v1/sdk${path}`,
      headers: { 'x-api-key': key, 'content-type': 'application/json', ...llmHeaders, ...headers },
      ...(payload === undefined ? {} : { payload })
    })
  }
}

/** A ChatResponse with the defaults of a plain turn in Vex's door machine, overridden by `fields`. */
export function chatResponse (sessionId: string, fields: Record<string, unknown>) {
  return {
    message: 'Fine words.',
    current_state: 'approach',
    score: 0,
    outcome: null,
    decision: null,
    follow_up: false,
    session_id: sessionId,
    scoring_mode: 'scoring',
    redirect_count: 0,
    machine_completed: false,
    unlocked_machines: null,
    ...fields
  }
}
