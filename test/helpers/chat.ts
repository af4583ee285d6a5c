// Chat test setup: the fake LLM scripted per role (evaluator, reply, summary, extraction), an owner with an API key and a saved example persona.
import type { Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import type { RapportApp } from '../../src/app.ts'
import type { Config } from '../../src/config.ts'
import { build, createKey, register, testConfig, type Account } from './build.ts'
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
  /** Requests of one role so far (aborted ones included). */
  requestsOf: (role: Role) => FakeRequest[]
  /** Requests of one role the client did not abort: the calls whose answer the engine took. */
  answeredOf: (role: Role) => FakeRequest[]
  /** Resolves once every request so far has closed (so `aborted` is final for each). */
  settled: () => Promise<void>
  /** transition_id of `from->to:decision`. */
  tid: (spec: string) => string
}

export interface ChatSetup extends Scripted {
  app: RapportApp
  /** The turn pipeline the app runs (the default, RAPPORT_TEST_PIPELINE or the test's env). */
  pipeline: Config['chat']
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

/** Event-loop turns a reply waits, after the last evaluation closed, for the client to act on it (abort a discarded speculation, ask for a repair). */
const SETTLE_TURNS = 20

export interface ReplyPicker {
  /** Notes an evaluation request (every one, on arrival): replies wait while evaluations are open. */
  evaluation: (req: FakeRequest) => void
  /** The script of a reply request, once it is known to be a reply the turn uses. */
  reply: (req: FakeRequest, script: () => FakeScript) => Promise<FakeScript>
}

/**
 * Reply scripts handed out so a turn gets its scripted reply under every pipeline. A reply request
 * takes its script only once no evaluation is open and the client has had a few event-loop turns to
 * act on the last one's answer. A speculative reply the decision discards is aborted while it waits,
 * so it never takes a script (nor any fault), and the reply started in its place takes the turn's
 * script. The app and the fake share one process, so those turns are not wall-clock time.
 */
export function replyPicker (): ReplyPicker {
  const open = new Set<FakeRequest>()
  let changes = 0
  return {
    evaluation (req) {
      open.add(req)
      changes++
      req.closed.then(() => { open.delete(req); changes++ }, () => {})
    },
    async reply (req, script) {
      let seen = -1
      for (let quiet = 0; quiet < SETTLE_TURNS;) {
        if (open.size > 0) await Promise.race([...open].map((r) => r.closed))
        await new Promise((resolve) => setImmediate(resolve))
        if (req.aborted) return { text: '' }
        quiet = seen === changes && open.size === 0 ? quiet + 1 : 0
        seen = changes
      }
      return script()
    }
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
  const picker = replyPicker()
  const tid = (spec: string) => {
    const id = transitions.get(spec)
    if (id === undefined) throw new Error(`no transition ${spec}`)
    return id
  }
  const faults = new Map<Role, FakeScript>()
  const scriptOf = (role: Role, req: FakeRequest): FakeScript => {
    const fault = faults.get(role)
    if (fault) return fault
    if (role === 'evaluate') return evals.shift() ?? { json: { transition_id: null, follow_up: false, reason: 'Nothing applies.' } }
    if (role === 'extract') return { json: { variables: {}, memory: 'They met.' } }
    if (role === 'summary') return { text: 'They talked.' }
    return replies.shift() ?? { text: 'Fine words.' }
  }
  fake.setDefault((req) => {
    const role = roleOf(req)
    if (role === 'evaluate') picker.evaluation(req)
    // A reply's fault too waits until the reply is the turn's: a discarded speculation meets neither.
    return role === 'reply' ? picker.reply(req, () => scriptOf(role, req)) : scriptOf(role, req)
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
    requestsOf: (role) => fake.requests.filter((r) => r.kind === 'chat' && roleOf(r) === role),
    answeredOf: (role) => fake.requests.filter((r) => r.kind === 'chat' && roleOf(r) === role && !r.aborted),
    settled: async () => { await Promise.all(fake.requests.map((r) => r.closed)) }
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
    pipeline: testConfig(options.env).chat,
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
