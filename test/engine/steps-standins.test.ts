// The LLM steps over a scripted stand-in client: when a streamed decision may be taken (follow-up or not), traces summed over the repair, reply and extraction shaping.
import t from 'tap'
import { blankMachine } from '../helpers/machines.ts'
import { createSteps } from '../../src/engine/steps.ts'
import { outgoingTransitions } from '../../src/engine/core.ts'
import type { GraphMachine, GraphState } from '../../src/engine/graph.ts'
import type { EvaluationInput, ReplyInput } from '../../src/engine/prompts.ts'
import type { JsonRequest, JsonResult, LlmClient, TextRequest, TextResult, TextStream } from '../../src/llm/client.ts'

const STEP = { model: 'gpt-4o-mini', apiKey: 'sk-test' }
const state = (key: string, followUp: string | null): GraphState =>
  ({ state_key: key, label: key, prompt_instruction: 'Ask for a coin.', is_initial_state: key === 'ask', is_terminal_state: false, terminal_outcome: null, follow_up_condition: followUp, display_order: 0 })

const machine: GraphMachine = blankMachine({
  states: [state('ask', null), state('done', null)],
  transitions: [
    { transition_id: 'id-haggle', from_state_key: 'ask', to_state_key: 'ask', decision_type: 'redirect', condition: 'Haggles', score_delta: -1, priority: 2 },
    { transition_id: 'id-pay', from_state_key: 'ask', to_state_key: 'done', decision_type: 'pass', condition: 'Pays', score_delta: 3, priority: 1 }
  ],
  output_variables: [{ key: 'coin', extraction_prompt: '' }, { key: 'mood', extraction_prompt: '' }]
})

/** Evaluation input in the state 'ask' with the given follow-up condition (t1 = id-pay, t2 = id-haggle). */
const evalInput = (followUp: string | null, transitions = outgoingTransitions(machine, 'ask')): EvaluationInput => ({
  persona: { name: 'Tam', persona_identity_prompt: 'You are Tam.' },
  machine,
  state: state('ask', followUp),
  transitions,
  player: { name: 'Robin', gender: 'female' },
  conversation: { summary: '', recent: [] },
  message: 'Here is a coin.'
})

const PAUSE = Symbol('pause')
type Script = Array<string | typeof PAUSE>
interface Answer { script: Script, usage?: { inputTokens: number, outputTokens: number }, latencyMs?: number, cutAtLimit?: true }

/** A client answering from queues; a streamed answer stops at PAUSE until `release()`. Records every request. */
function standIn (answers: Answer[]) {
  const requests: Array<JsonRequest | TextRequest> = []
  const releases: Array<() => void> = []
  const result = (a: Answer, text: string): TextResult => ({ text, model: STEP.model, usage: a.usage ?? { inputTokens: 1, outputTokens: 1 }, latencyMs: a.latencyMs ?? 1 })
  const llm = {
    async generateJson (_step: unknown, req: JsonRequest): Promise<JsonResult> {
      requests.push(req)
      const a = answers.shift()!
      const text = a.script.join('')
      let value: unknown = null
      try { value = JSON.parse(text) } catch {}
      return { ...result(a, text), value, errors: value === null ? ['/: not JSON'] : [] }
    },
    async generateText (_step: unknown, req: TextRequest): Promise<TextResult> {
      requests.push(req)
      const a = answers.shift()!
      return result(a, a.script.join(''))
    },
    streamJson (_step: unknown, req: JsonRequest): TextStream {
      requests.push(req)
      const a = answers.shift()!
      let done!: (r: TextResult) => void
      const final = new Promise<TextResult>((resolve) => { done = resolve })
      async function * deltas () {
        let text = ''
        for (const part of a.script) {
          if (part === PAUSE) await new Promise<void>((resolve) => releases.push(resolve))
          else { text += part; yield part }
        }
        done({ ...result(a, text), ...(a.cutAtLimit ? { cutAtLimit: true as const } : {}) })
      }
      return { textStream: deltas(), final }
    }
  }
  return { steps: createSteps(llm as unknown as LlmClient), requests, release: () => releases.shift()?.() }
}

/** 'settled' when `p` settled once everything already queued ran. */
async function stateOf (p: Promise<unknown>): Promise<'settled' | 'pending'> {
  let settled = false
  p.then(() => { settled = true }, () => { settled = true })
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  return settled ? 'settled' : 'pending'
}

t.test('an evaluation is needed for transitions or a follow-up condition; a blank condition is none', async (t) => {
  const { steps } = standIn([])
  t.equal(steps.needsEvaluation(evalInput('Mentions a coin', [])), true)
  t.equal(steps.needsEvaluation(evalInput('  \n', [])), false)
  t.equal(steps.needsEvaluation(evalInput(null, [])), false)
  t.equal(steps.needsEvaluation(evalInput(null)), true)
})

for (const followUp of [null, ' \t ']) {
  t.test(`without a follow-up condition (${JSON.stringify(followUp)}) transition_id decides alone; a later follow_up changes nothing`, async (t) => {
    const { steps, release } = standIn([{ script: ['{"transition_id": "t2", ', PAUSE, '"follow_up": true, "reason": "Haggles."}'] }])
    const evaluation = steps.evaluateStreamed(STEP, evalInput(followUp))
    t.equal(await stateOf(evaluation.decision), 'settled', 'decided before follow_up arrived')
    t.same(await evaluation.decision, { transition_id: 'id-haggle', follow_up: false, fallback: false })
    release()
    t.same(await evaluation.result, { transition_id: 'id-haggle', follow_up: false, fallback: false, reason: 'Haggles.', trace: { model: STEP.model, tokens_in: 1, tokens_out: 1, latency_ms: 1 } },
      'the result is the decision the turn acted on')
  })
}

t.test('with a follow-up condition the decision waits for follow_up and carries it', async (t) => {
  const { steps, release } = standIn([{ script: ['{"transition_id": "t1", ', PAUSE, '"follow_up": true, "reason": "Shows no coin."}'] }])
  const evaluation = steps.evaluateStreamed(STEP, evalInput('Mentions a coin without showing it'))
  t.equal(await stateOf(evaluation.decision), 'pending', 'transition_id alone is not enough')
  release()
  t.same(await evaluation.decision, { transition_id: 'id-pay', follow_up: true, fallback: false })
  t.match(await evaluation.result, { transition_id: 'id-pay', follow_up: true, reason: 'Shows no coin.' })
})

t.test('a follow_up that is not a boolean is not acted on early, even where follow-ups do not count: the repair decides', async (t) => {
  const { steps, requests } = standIn([
    { script: ['{"transition_id": "t1", "follow_up": "yes", "reason": "Pays."}'] },
    { script: ['{"transition_id": "t2", "follow_up": false, "reason": "Haggles."}'] }
  ])
  const evaluation = steps.evaluateStreamed(STEP, evalInput(null))
  t.same(await evaluation.decision, { transition_id: 'id-haggle', follow_up: false, fallback: false })
  t.equal(requests.length, 2)
})

t.test('an answer the early reader cannot follow (prose with braces before a fenced answer) decides once parsed whole', async (t) => {
  const answer = 'Options {t1, t2} considered.\n```json\n{"transition_id": "t1", "follow_up": false, "reason": "Pays."}\n```'
  const { steps, requests } = standIn([{ script: [answer.slice(0, 20), answer.slice(20)] }])
  const evaluation = steps.evaluateStreamed(STEP, evalInput(null))
  t.same(await evaluation.decision, { transition_id: 'id-pay', follow_up: false, fallback: false })
  t.same(await evaluation.result, { transition_id: 'id-pay', follow_up: false, fallback: false, reason: 'Pays.', trace: { model: STEP.model, tokens_in: 1, tokens_out: 1, latency_ms: 1 } })
  t.equal(requests.length, 1, 'no repair')
})

t.test('a repaired evaluation sums tokens and latency of both attempts and quotes the first answer exactly', async (t) => {
  const bad = ' {"transition_id": "t7", "follow_up": false, "reason": "?"}'
  const good = '{"transition_id": null, "follow_up": false, "reason": "Nothing."}'
  const answers = (): Answer[] => [
    { script: [bad], usage: { inputTokens: 10, outputTokens: 5 }, latencyMs: 30 },
    { script: [good], usage: { inputTokens: 7, outputTokens: 3 }, latencyMs: 12 }
  ]
  const trace = { model: STEP.model, tokens_in: 17, tokens_out: 8, latency_ms: 42 }
  const whole = standIn(answers())
  t.same(await whole.steps.evaluate(STEP, evalInput(null)), { transition_id: null, follow_up: false, reason: 'Nothing.', fallback: false, trace })
  const streamed = standIn(answers())
  t.same(await streamed.steps.evaluateStreamed(STEP, evalInput(null)).result, { transition_id: null, follow_up: false, reason: 'Nothing.', fallback: false, trace })
  for (const { requests } of [whole, streamed]) {
    t.equal(requests.length, 2)
    t.equal(requests[1].messages.at(-2)?.content, bad, 'the invalid answer as given')
  }
})

t.test('reply: the reply prompt and the caller\'s signal go to the model; the text comes back trimmed', async (t) => {
  const { steps, requests } = standIn([{ script: ['\n  Welcome, traveller.  \n'] }])
  const input: ReplyInput = { ...evalInput(null), mode: { kind: 'continue' }, memory: '' }
  const signal = new AbortController().signal
  const reply = await steps.reply(STEP, input, signal)
  t.equal(reply.text, 'Welcome, traveller.')
  t.equal(reply.model, STEP.model)
  t.equal(requests[0].signal, signal)
  t.match(requests[0].system, /You are Tam\./)
  t.match(requests[0].messages.at(-1)?.content, /Here is a coin\./)
})

t.test('extract keeps only the machine\'s keys the answer gave as strings, and trims the memory', async (t) => {
  const answer = { variables: { coin: 'a silver piece', extra: 'dropped' }, memory: '\n Robin paid the toll.  ' }
  const { steps } = standIn([{ script: [JSON.stringify(answer)] }])
  const input = { persona: { name: 'Tam', persona_identity_prompt: '' }, machine, player: { name: 'Robin', gender: 'female' as const }, outcome: 'ACCEPT' as const, conversation: { summary: '', recent: [] } }
  const result = await steps.extract(STEP, input)
  t.same(Object.keys(result?.variables ?? {}), ['coin'], 'mood was not given, extra is not the machine\'s')
  t.equal(result?.variables.coin, 'a silver piece')
  t.equal(result?.memory, 'Robin paid the toll.')
})

t.test('a decision once taken stands when the answer later names another transition_id: no repair, reason null', async (t) => {
  const { steps, requests } = standIn([
    { script: ['{"transition_id": "t1", ', '"transition_id": "t9", "follow_up": false, "reason": "Changed my mind."}'] },
    { script: ['{"transition_id": "t2", "follow_up": false, "reason": "Haggles."}'] }
  ])
  const evaluation = steps.evaluateStreamed(STEP, evalInput(null))
  t.same(await evaluation.decision, { transition_id: 'id-pay', follow_up: false, fallback: false })
  t.same(await evaluation.result, { transition_id: 'id-pay', follow_up: false, fallback: false, reason: null, trace: { model: STEP.model, tokens_in: 1, tokens_out: 1, latency_ms: 1 } },
    'the whole answer ends up naming t9, which is not offered')
  t.equal(requests.length, 1)
})

t.test('an answer cut at the output limit is invalid even when its text parses: repaired, or kept without its reason once decided', async (t) => {
  const fenced = 'Options {t1, t2}.\n```json\n{"transition_id": "t1", "follow_up": false, "reason": "Pays."}\n```'
  const repaired = standIn([
    { script: [fenced], cutAtLimit: true },
    { script: ['{"transition_id": "t2", "follow_up": false, "reason": "Haggles."}'] }
  ])
  t.same(await repaired.steps.evaluateStreamed(STEP, evalInput(null)).result,
    { transition_id: 'id-haggle', follow_up: false, fallback: false, reason: 'Haggles.', trace: { model: STEP.model, tokens_in: 2, tokens_out: 2, latency_ms: 2 } })
  t.equal(repaired.requests.length, 2)
  t.match(repaired.requests[1].messages.at(-1)?.content, /That answer is invalid/)
  const decided = standIn([{ script: ['{"transition_id": "t1", "follow_up": false, "reason": "Pays."}'], cutAtLimit: true }])
  t.same(await decided.steps.evaluateStreamed(STEP, evalInput(null)).result,
    { transition_id: 'id-pay', follow_up: false, fallback: false, reason: null, trace: { model: STEP.model, tokens_in: 1, tokens_out: 1, latency_ms: 1 } })
  t.equal(decided.requests.length, 1)
})

t.test('onLikely hears each likely transition once, however many pieces arrive before the decision', async (t) => {
  const { steps } = standIn([{ script: ['{"transition_id": "t1", ', '"follow', '_up"', ': false, "reason": "Pays."}'] }])
  const likely: string[] = []
  const evaluation = steps.evaluateStreamed(STEP, evalInput('Mentions a coin'), undefined, (id) => likely.push(id))
  t.same(await evaluation.decision, { transition_id: 'id-pay', follow_up: false, fallback: false })
  t.same(likely, ['id-pay'])
})

t.test('with a single transition offered, onLikely waits for the first character of its handle', async (t) => {
  const only = outgoingTransitions(machine, 'ask').filter((tr) => tr.transition_id === 'id-haggle')
  const { steps, release } = standIn([{ script: ['{"transition_id": "', PAUSE, 't', PAUSE, '1", "follow_up": false, "reason": "Haggles."}'] }])
  const likely: string[] = []
  const evaluation = steps.evaluateStreamed(STEP, evalInput('Mentions a coin', only), undefined, (id) => likely.push(id))
  await stateOf(evaluation.decision)
  t.same(likely, [], 'an empty handle so far is no guess, even with one handle on offer')
  release()
  await stateOf(evaluation.decision)
  t.same(likely, ['id-haggle'], '"t" begins the only handle')
  release()
  t.same(await evaluation.decision, { transition_id: 'id-haggle', follow_up: false, fallback: false })
  const wrong = standIn([{ script: ['{"transition_id": "', 'x', '", "follow_up": false, "reason": "?"}'] }, { script: ['{"transition_id": null, "follow_up": false, "reason": "None."}'] }])
  const none: string[] = []
  await wrong.steps.evaluateStreamed(STEP, evalInput('Mentions a coin', only), undefined, (id) => none.push(id)).result
  t.same(none, [], 'an answer that never begins the handle is never heard')
})
