// Replays sdks/conformance/scenario.json through an adapter: variables, fresh clients, matchers, stream rules, counters.
import { readFileSync } from 'node:fs'

export interface StepClient {
  base_url: string
  api_key: string
  llm_api_key?: string
  llm_model?: string
  max_retries?: number
}

export interface StreamEvent { type: string, data: any }

/** How one SDK runs the scenario's operations. */
export interface Adapter {
  /** Runs a non-stream op (and chat.stream_message_final); resolves to the result as wire JSON or throws the SDK's error. */
  call: (op: string, client: StepClient, args: Record<string, any>) => Promise<unknown>
  /** Runs chat.stream_message and collects its events. */
  stream: (client: StepClient, args: Record<string, any>) => Promise<StreamEvent[]>
  /** The SDK error as the scenario sees it, or null when `err` is not an SDK error. */
  describeError: (err: unknown) => { type: string, status_code: number, message: string, retry_after?: number | null } | null
}

export interface Step {
  id: string
  op: string
  client?: Partial<StepClient>
  args: Record<string, unknown>
  expect: Record<string, any>
  save?: Record<string, string>
}

export interface Scenario { version: number, default_client: StepClient, steps: Step[] }

export function loadScenario (): Scenario {
  return JSON.parse(readFileSync(new URL('../../conformance/scenario.json', import.meta.url), 'utf8'))
}

/** Replaces every string that is exactly "${name}" by vars[name]. */
export function substitute (value: unknown, vars: Record<string, unknown>): any {
  if (typeof value === 'string') {
    const m = /^\$\{([a-z0-9_]+)\}$/.exec(value)
    if (!m) return value
    if (!(m[1] in vars)) throw new Error(`unknown scenario variable ${m[1]}`)
    return vars[m[1]]
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]))
  }
  return value
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  nonempty_string: (v) => typeof v === 'string' && v.length > 0,
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  timestamp: (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v))
}

/** Mismatches of `actual` against a scenario matcher, each naming its path; empty when it matches. */
export function match (matcher: unknown, actual: unknown, path = '$'): string[] {
  const fail = (why: string) => [`${path}: ${why} (got ${JSON.stringify(actual)})`]
  if (matcher === null || typeof matcher !== 'object') {
    return matcher === actual ? [] : fail(`expected ${JSON.stringify(matcher)}`)
  }
  if (Array.isArray(matcher)) {
    if (!Array.isArray(actual)) return fail('expected an array')
    if (actual.length !== matcher.length) return fail(`expected ${matcher.length} elements`)
    return matcher.flatMap((m, i) => match(m, actual[i], `${path}[${i}]`))
  }
  const m = matcher as Record<string, any>
  if ('$absent' in m) return actual === undefined || actual === null ? [] : fail('expected absent or null')
  if ('$type' in m) return TYPES[m.$type]?.(actual) ? [] : fail(`expected ${m.$type}`)
  if ('$gte' in m) return typeof actual === 'number' && actual >= m.$gte ? [] : fail(`expected >= ${m.$gte}`)
  if ('$between' in m) return typeof actual === 'number' && actual >= m.$between[0] && actual <= m.$between[1] ? [] : fail(`expected between ${m.$between}`)
  if ('$length' in m) {
    if (!Array.isArray(actual)) return fail('expected an array')
    if (actual.length !== m.$length) return fail(`expected ${m.$length} elements`)
    return [
      ...('$first' in m ? match(m.$first, actual[0], `${path}[0]`) : []),
      ...('$last' in m ? match(m.$last, actual.at(-1), `${path}[-1]`) : [])
    ]
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return fail('expected an object')
  return Object.entries(m).flatMap(([k, v]) => match(v, (actual as Record<string, unknown>)[k], `${path}.${k}`))
}

/** The stream rules every stream step checks, plus its `events` matcher. */
export function checkEvents (expect: Record<string, any>, events: StreamEvent[]): string[] {
  const problems: string[] = []
  const types = events.map((e) => e.type)
  if (types[0] !== 'metadata') problems.push(`first event is ${types[0]}, not metadata`)
  if (types.filter((t) => t === 'metadata').length !== 1) problems.push('not exactly one metadata event')
  const last = events.at(-1)
  if (last?.type !== expect.last) problems.push(`last event is ${last?.type}, not ${expect.last}`)
  const middle = types.slice(1, -1)
  if (middle.some((t) => t !== 'text_delta')) problems.push(`unexpected events between metadata and the end: ${middle.join(',')}`)
  const deltas = events.filter((e) => e.type === 'text_delta')
  if (deltas.length < expect.min_text_deltas) problems.push(`${deltas.length} text_delta events, expected at least ${expect.min_text_deltas}`)
  const metadata = events.find((e) => e.type === 'metadata')?.data
  if (last?.type === 'done') {
    const text = deltas.map((d) => d.data.text).join('')
    if (text !== last.data.message) problems.push(`deltas join to ${JSON.stringify(text)}, done.message is ${JSON.stringify(last.data.message)}`)
    const { message: _message, ...rest } = last.data
    problems.push(...match(rest, metadata, '$.metadata(=done without message)'))
    if (metadata && 'message' in metadata) problems.push('metadata carries a message')
  }
  if (expect.metadata) problems.push(...match(expect.metadata, metadata, '$.metadata'))
  if (expect.done) problems.push(...match(expect.done, last?.type === 'done' ? last.data : undefined, '$.done'))
  if (expect.error) problems.push(...match(expect.error, last?.type === 'error' ? last.data : undefined, '$.error'))
  return problems
}

function pick (value: any, path: string): unknown {
  return path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), value)
}

async function counters (controlUrl: string): Promise<Record<string, number>> {
  return (await fetch(`${controlUrl}/counters`)).json() as Promise<Record<string, number>>
}

/** Runs one step; resolves to its mismatches (empty: the step passed). Saves variables into `vars`. */
export async function runStep (step: Step, scenario: Scenario, vars: Record<string, unknown>, adapter: Adapter): Promise<string[]> {
  const client = substitute({ ...scenario.default_client, ...step.client }, vars) as StepClient
  const args = substitute(step.args, vars)
  const expect = substitute(step.expect, vars)
  const before = expect.counters ? await counters(String(vars.control_url)) : null
  const started = performance.now()
  let result: unknown
  let events: StreamEvent[] | undefined
  let error: unknown
  try {
    if (step.op === 'chat.stream_message') events = await adapter.stream(client, args)
    else result = await adapter.call(step.op, client, args)
  } catch (err) {
    error = err
  }
  const elapsed = performance.now() - started
  const problems: string[] = []
  if (expect.error) {
    const described = error === undefined ? null : adapter.describeError(error)
    if (error === undefined) problems.push(`expected ${expect.error.type}, got a result ${JSON.stringify(result)}`)
    else if (described === null) problems.push(`expected ${expect.error.type}, got ${String(error)}`)
    else problems.push(...match(expect.error, described, '$.error'))
  } else if (error !== undefined) {
    const described = adapter.describeError(error)
    problems.push(`unexpected error ${described ? JSON.stringify(described) : String(error)}`)
  } else if (events) {
    problems.push(...checkEvents(expect.events, events))
  } else {
    problems.push(...match(expect.result, result))
  }
  if (before) {
    const after = await counters(String(vars.control_url))
    for (const [name, delta] of Object.entries(expect.counters as Record<string, number>)) {
      if (after[name] - before[name] !== delta) problems.push(`counter ${name} grew by ${after[name] - before[name]}, expected ${delta}`)
    }
  }
  if (expect.elapsed_ms) problems.push(...match(expect.elapsed_ms, elapsed, '$.elapsed_ms'))
  if (problems.length === 0 && step.save) {
    for (const [name, path] of Object.entries(step.save)) vars[name] = pick(result, path)
  }
  return problems
}
