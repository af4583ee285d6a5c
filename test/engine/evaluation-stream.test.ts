// The streamed evaluation: the decision as soon as its fields are complete, the reason after, repair and fallback kept; the partial-JSON reader.
import t, { type Test } from 'tap'
import { blankMachine } from '../helpers/machines.ts'
import { createLlmClient } from '../../src/llm/client.ts'
import { createSteps } from '../../src/engine/steps.ts'
import { arrivingFields } from '../../src/engine/json-fields.ts'
import { outgoingTransitions } from '../../src/engine/core.ts'
import type { GraphMachine } from '../../src/engine/graph.ts'
import type { EvaluationInput } from '../../src/engine/prompts.ts'
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.ts'

const STEP = { model: 'gpt-4o-mini', apiKey: 'sk-test-0123456789abcdef' }

const machine: GraphMachine = blankMachine({
  states: [
    { state_key: 'ask', label: 'Asking', prompt_instruction: 'Ask for a coin.', is_initial_state: true, is_terminal_state: false, terminal_outcome: null, follow_up_condition: null, display_order: 0 },
    { state_key: 'done', label: 'Done', prompt_instruction: 'Open the gate.', is_initial_state: false, is_terminal_state: true, terminal_outcome: null, follow_up_condition: null, display_order: 1 }
  ],
  transitions: [
    { transition_id: 'id-haggle', from_state_key: 'ask', to_state_key: 'ask', decision_type: 'redirect', condition: 'Haggles', score_delta: -1, priority: 2 },
    { transition_id: 'id-pay', from_state_key: 'ask', to_state_key: 'done', decision_type: 'pass', condition: 'Pays', score_delta: 3, priority: 1 }
  ],
  output_variables: []
})

const input: EvaluationInput = {
  persona: { name: 'Tam', persona_identity_prompt: 'You are Tam.' },
  machine,
  state: machine.states[0],
  transitions: outgoingTransitions(machine, 'ask'),
  player: { name: 'Robin', gender: 'female' },
  conversation: { summary: '', recent: [] },
  message: 'Here is a coin.'
}

let fake: FakeLlm
let steps: ReturnType<typeof createSteps>
t.before(async () => {
  fake = await startFakeLlm()
  steps = createSteps(createLlmClient({ baseUrls: { openai: `${fake.url}/openai/v1` }, timeoutMs: 10_000 }))
})
t.beforeEach(() => { fake.reset() })
t.teardown(() => fake.close())

/** 'pending' when `p` has not settled by the time already-queued callbacks ran. */
async function stateOf (p: Promise<unknown>): Promise<'settled' | 'pending'> {
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))])
}

t.test('the decision comes from the first complete fields while the reason is still arriving; the reason lands in the result', async (t) => {
  // The reason's chunks come much later than the decision's: the decision must not wait for them.
  fake.enqueue({ chunks: ['{"transition_id": "t1", "follow_up": false, ', '"reason": "Paid ', 'the toll."}'], chunkDelayMs: 1500, usage: { prompt_tokens: 40, completion_tokens: 12 } })
  const evaluation = steps.evaluateStreamed(STEP, input)
  t.same(await evaluation.decision, { transition_id: 'id-pay', follow_up: false, fallback: false })
  t.equal(await stateOf(evaluation.result), 'pending', 'the answer is still streaming when the decision is taken')
  t.match(await evaluation.result, { transition_id: 'id-pay', follow_up: false, reason: 'Paid the toll.', fallback: false, trace: { model: 'gpt-4o-mini', tokens_in: 40, tokens_out: 12 } })
  t.equal(fake.requests.length, 1)
  t.equal(fake.requests[0].stream, true)
  t.equal(fake.requests[0].jsonMode, true)
})

t.test('an invalid handle waits for the end of the answer, gets one repair, and the repaired answer decides', async (t) => {
  fake.enqueue({ json: { transition_id: 't9', follow_up: false, reason: 'Guess.' } })
  fake.enqueue({ json: { transition_id: 't2', follow_up: false, reason: 'Haggles.' } })
  const evaluation = steps.evaluateStreamed(STEP, input)
  t.same(await evaluation.decision, { transition_id: 'id-haggle', follow_up: false, fallback: false })
  t.match(await evaluation.result, { reason: 'Haggles.', fallback: false })
  t.equal(fake.requests.length, 2)
  t.match(fake.requests[1].messages.at(-1)!.content, /"t9" is not one of the listed handles \(t1, t2\) or null/)
})

t.test('two invalid answers: the fallback decides "no transition" and the result records it', async (t) => {
  fake.enqueue({ text: 'I would let them pass' })
  fake.enqueue({ json: { transition_id: 'id-pay', follow_up: false, reason: 'Paid.' } })
  const evaluation = steps.evaluateStreamed(STEP, input)
  t.same(await evaluation.decision, { transition_id: null, follow_up: false, fallback: true })
  t.match(await evaluation.result, { transition_id: null, reason: null, fallback: true, trace: { model: 'gpt-4o-mini' } })
  t.equal(fake.requests.length, 2)
})

t.test('valid decision fields are kept when the rest of the answer is invalid: no repair, reason null', async (t) => {
  fake.enqueue({ text: '{"transition_id": null, "follow_up": false}' })
  const evaluation = steps.evaluateStreamed(STEP, input)
  t.same(await evaluation.decision, { transition_id: null, follow_up: false, fallback: false })
  t.match(await evaluation.result, { transition_id: null, reason: null, fallback: false })
  t.equal(fake.requests.length, 1)
})

t.test('a provider failure before the decision rejects both; nothing is asked when there is nothing to decide', async (t) => {
  fake.enqueue({ status: 401 })
  const evaluation = steps.evaluateStreamed(STEP, input)
  await t.rejects(evaluation.decision, { name: 'LlmError', statusCode: 401 })
  await t.rejects(evaluation.result, { name: 'LlmError', statusCode: 401 })
  const none = steps.evaluateStreamed(STEP, { ...input, state: machine.states[1], transitions: [] })
  t.same(await none.decision, { transition_id: null, follow_up: false, reason: null, fallback: false, trace: null })
  t.equal(fake.requests.length, 1)
})

t.test('arrivingFields reads only the fields whose values are complete', async (t) => {
  const completeFields = (text: string) => arrivingFields(text).fields
  t.same(completeFields(''), {})
  t.same(completeFields('```json\n{"transition_id": "t'), {})
  t.same(completeFields('{"transition_id": "t2"'), { transition_id: 't2' })
  t.same(completeFields('{"transition_id": null, "follow_up": tr'), { transition_id: null })
  t.same(completeFields('{"transition_id": null, "follow_up": true'), { transition_id: null, follow_up: true })
  t.same(completeFields('{"a": 12'), {}, 'a number may still grow')
  t.same(completeFields('{"a": 12, "b": {"c": [1, "}"]}, "d": "x\\"y'), { a: 12, b: { c: [1, '}'] } })
  t.same(completeFields('{"a": "x\\"y", "b": false}'), { a: 'x"y', b: false })
  t.same(completeFields('{"a": nope, "b": 1}'), {}, 'stops at what is not JSON')
  t.same(completeFields('{"reason": "say \\"transition_id\\": \\"t1\\"", "transition_id": "t2", '), { reason: 'say "transition_id": "t1"', transition_id: 't2' })
})

t.test('arrivingFields also gives the string value still arriving after the complete fields', async (t) => {
  t.same(arrivingFields('{"transition_id": "t1'), { fields: {}, open: { key: 'transition_id', prefix: 't1' } })
  t.same(arrivingFields('{"transition_id": "'), { fields: {}, open: { key: 'transition_id', prefix: '' } })
  t.same(arrivingFields('{"transition_id": "t1", "reason": "Pai'), { fields: { transition_id: 't1' }, open: { key: 'reason', prefix: 'Pai' } })
  t.same(arrivingFields('{"transition_id": nu'), { fields: {}, open: null }, 'a literal is not a string')
  t.same(arrivingFields('{"transition_id": "t1", "follow_up": '), { fields: { transition_id: 't1' }, open: null }, 'no value started yet')
  t.same(arrivingFields('{"a": "x\\'), { fields: {}, open: null }, 'an escape may be cut in half: no prefix')
  t.same(arrivingFields('{"transit'), { fields: {}, open: null }, 'a key still arriving is no value')
})

// A state with a follow-up condition: the decision waits for follow_up, which takes precedence over a transition.
const withFollowUp: EvaluationInput = { ...input, state: { ...machine.states[0], follow_up_condition: 'The player mumbles' } }
const twelve: EvaluationInput = {
  ...input,
  transitions: Array.from({ length: 12 }, (_, i) => ({ ...input.transitions[0], transition_id: `id-${i + 1}`, condition: `Says ${i + 1}`, priority: i + 1 }))
}

/** Runs a streamed evaluation of `chunks` (1 s apart) and records what onLikely heard before the decision, and after. */
async function heard (t: Test, evaluationInput: EvaluationInput, chunks: string[]) {
  fake.enqueue({ chunks, chunkDelayMs: 1000 })
  const likely: string[] = []
  const evaluation = steps.evaluateStreamed(STEP, evaluationInput, undefined, (id) => likely.push(id))
  const decision = await evaluation.decision
  const before = [...likely]
  await evaluation.result
  t.same(likely, before, 'nothing is heard after the decision')
  return { decision, before }
}

t.test('onLikely hears a handle while follow_up, which could still overrule it, is arriving', async (t) => {
  const { decision, before } = await heard(t, withFollowUp, ['{"transition_id": "t1", ', '"follow_up": false, ', '"reason": "Paid."}'])
  t.same(before, ['id-pay'])
  t.same(decision, { transition_id: 'id-pay', follow_up: false, fallback: false })
  const overruled = await heard(t, withFollowUp, ['{"transition_id": "t1", ', '"follow_up": true, ', '"reason": "Mumbled."}'])
  t.same(overruled.before, ['id-pay'], 'the guess is only a guess')
  t.same(overruled.decision, { transition_id: 'id-pay', follow_up: true, fallback: false })
})

t.test('onLikely hears a handle still arriving once only one offered handle begins with it', async (t) => {
  const { before } = await heard(t, input, ['{"transition_id": "', 't2', '", "follow_up": false, "reason": "Haggles."}'])
  t.same(before, ['id-haggle'], 't2 among t1, t2: heard before its closing quote')
  const ambiguous = await heard(t, twelve, ['{"transition_id": "', 't1', '1', '", "follow_up": false, "reason": "Eleven."}'])
  t.same(ambiguous.before, ['id-11'], '"t1" begins t1, t10, t11, t12: nothing until "t11"')
  t.same(ambiguous.decision, { transition_id: 'id-11', follow_up: false, fallback: false })
  const none = await heard(t, withFollowUp, ['{"transition_id": ', 'null, ', '"follow_up": false, "reason": "Nothing."}'])
  t.same(none.before, [], 'null is no transition to speculate on')
  const unknown = await heard(t, withFollowUp, ['{"transition_id": "x', '", "follow_up": false, "reason": "?"}'])
  t.same(unknown.before, [], 'no handle begins with "x"')
})

t.test('a connection cut before the decision starts the answer over once; after the decision it fails the evaluation', async (t) => {
  fake.enqueue({ chunks: ['{"transition_id": ', '"t', '2", "follow_up": false'], cutAfterChunks: 2, chunkDelayMs: 100 })
  fake.enqueue({ json: { transition_id: 't1', follow_up: false, reason: 'Paid.' } })
  const retried = steps.evaluateStreamed(STEP, input)
  t.same(await retried.decision, { transition_id: 'id-pay', follow_up: false, fallback: false }, 'decided from the second answer alone')
  t.match(await retried.result, { reason: 'Paid.', fallback: false })
  t.equal(fake.requests.length, 2)

  fake.reset()
  fake.enqueue({ chunks: ['{"transition_id": "t1", "follow_up": false, ', '"reason": "Pa', 'id."}'], cutAfterChunks: 2, chunkDelayMs: 100 })
  const late = steps.evaluateStreamed(STEP, input)
  t.same(await late.decision, { transition_id: 'id-pay', follow_up: false, fallback: false })
  await t.rejects(late.result, { name: 'LlmError', statusCode: 500 }, 'the turn acted on the first answer: no second one')
  t.equal(fake.requests.length, 1)
})
