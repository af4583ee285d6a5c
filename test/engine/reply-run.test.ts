// A reply in flight over a scripted stand-in for the steps: buffering for a late reader, first token, token counts, failure, abort, the comparable request.
import t from 'tap'
import { blankMachine } from '../helpers/machines.ts'
import { replyRequest, startStreamedReply, startWholeReply } from '../../src/engine/reply-run.ts'
import { replyPrompt, type ReplyInput } from '../../src/engine/prompts.ts'
import type { Steps } from '../../src/engine/steps.ts'
import type { TextResult } from '../../src/llm/client.ts'

const STEP = { model: 'gpt-4o-mini', apiKey: 'sk-test' }
const machine = blankMachine({
  states: [{ state_key: 'ask', label: 'Asking', prompt_instruction: 'Ask for a coin.', is_initial_state: true, is_terminal_state: false, terminal_outcome: null, follow_up_condition: null, display_order: 0 }],
  transitions: [],
  output_variables: []
})
const input: ReplyInput = {
  persona: { name: 'Tam', persona_identity_prompt: 'You are Tam.' },
  machine,
  state: machine.states[0],
  mode: { kind: 'continue' },
  player: { name: 'Robin', gender: 'female' },
  memory: '',
  conversation: { summary: '', recent: [] },
  message: 'Here is a coin.'
}
const USAGE = { inputTokens: 120, outputTokens: 7 }

const PAUSE = Symbol('pause')
type Piece = string | typeof PAUSE | Error

/** Steps whose streamed reply yields `pieces` (stopping at PAUSE until `release()`, throwing an Error) and whose whole reply answers `whole`. */
function standIn (pieces: Piece[], whole: Promise<TextResult> = Promise.resolve({ text: ' Whole. ', model: STEP.model, usage: USAGE, latencyMs: 5 })) {
  const signals: AbortSignal[] = []
  const releases: Array<() => void> = []
  const steps = {
    streamReply (_step: unknown, _input: ReplyInput, signal: AbortSignal) {
      signals.push(signal)
      let done!: (r: TextResult) => void
      let fail!: (err: unknown) => void
      const final = new Promise<TextResult>((resolve, reject) => { done = resolve; fail = reject })
      final.catch(() => {})
      async function * deltas () {
        let text = ''
        for (const piece of pieces) {
          if (piece === PAUSE) await new Promise<void>((resolve) => releases.push(resolve))
          else if (piece instanceof Error) { fail(piece); throw piece } else { text += piece; yield piece }
        }
        done({ text, model: STEP.model, usage: USAGE, latencyMs: 5 })
      }
      return { textStream: deltas(), final }
    },
    async reply (_step: unknown, _input: ReplyInput, signal: AbortSignal) {
      signals.push(signal)
      return await whole
    }
  }
  return { steps: steps as unknown as Steps, signals, release: () => releases.shift()?.() }
}

const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)) }

async function readAll (stream: AsyncIterable<string>): Promise<string[]> {
  const seen: string[] = []
  for await (const d of stream) seen.push(d)
  return seen
}

t.test('replyRequest is the model, system prompt and messages: equal for the same reply, different for another model', async (t) => {
  const prompt = replyPrompt(input)
  t.equal(replyRequest(STEP, input), JSON.stringify([STEP.model, prompt.system, prompt.messages]))
  t.equal(replyRequest(STEP, { ...input }), replyRequest(STEP, input))
  t.not(replyRequest({ ...STEP, model: 'gpt-4o' }, input), replyRequest(STEP, input))
})

t.test('a streamed reply buffers its deltas for a reader that comes late, and counts them until the provider\'s usage arrives', async (t) => {
  const { steps, release } = standIn(['Hello', ' there', PAUSE, ', Robin.  '])
  const before = performance.now()
  const reply = startStreamedReply(steps, STEP, input)
  t.equal(reply.firstTokenAt(), null, 'no delta yet')
  await flush()
  const at = reply.firstTokenAt()
  t.ok(at !== null && at >= before && at <= performance.now(), 'the first delta\'s time')
  t.same(reply.tokens(), { in: Math.ceil(reply.request().length / 4), out: 2 }, 'two deltas so far, the prompt estimated at four characters a token')
  t.equal(reply.request(), replyRequest(STEP, input))
  release()
  const result = await reply.final
  t.equal(result.text, 'Hello there, Robin.', 'the whole reply, trimmed')
  t.equal(reply.firstTokenAt(), at, 'the first delta\'s time stays')
  t.same(reply.tokens(), { in: 120, out: 7 }, 'the provider\'s count once finished')
  t.same(await readAll(reply.textStream), ['Hello', ' there', ', Robin.  '], 'every delta, from the first, after the end')
})

t.test('a reader that starts early waits for each delta as it comes', async (t) => {
  const { steps, release } = standIn([PAUSE, 'a', PAUSE, 'b', PAUSE, 'c'])
  const reply = startStreamedReply(steps, STEP, input)
  const seen: string[] = []
  const reading = (async () => { for await (const d of reply.textStream) seen.push(d) })()
  await flush()
  t.same(seen, [])
  release()
  await flush()
  t.same(seen, ['a'])
  release()
  await flush()
  t.same(seen, ['a', 'b'])
  release()
  await reading
  t.same(seen, ['a', 'b', 'c'])
})

t.test('a failing stream gives its buffered deltas, then throws its error; final rejects with it', async (t) => {
  const boom = new Error('provider down')
  const { steps } = standIn(['Hel', boom])
  const reply = startStreamedReply(steps, STEP, input)
  await t.rejects(reply.final, boom)
  const seen: string[] = []
  await t.rejects((async () => { for await (const d of reply.textStream) seen.push(d) })(), boom)
  t.same(seen, ['Hel'])
  t.same(reply.tokens(), { in: Math.ceil(reply.request().length / 4), out: 1 }, 'no usage from a failed reply')
})

t.test('abort aborts the provider call\'s signal; so does the parent\'s abort', async (t) => {
  const own = standIn(['a'])
  const reply = startStreamedReply(own.steps, STEP, input)
  t.equal(own.signals[0].aborted, false)
  reply.abort()
  t.equal(own.signals[0].aborted, true)

  const parent = new AbortController()
  const linked = standIn(['a'])
  startStreamedReply(linked.steps, STEP, input, parent.signal)
  t.equal(linked.signals[0].aborted, false)
  parent.abort()
  t.equal(linked.signals[0].aborted, true, 'the parent aborts the call')

  const whole = standIn([])
  const wholeParent = new AbortController()
  const a = startWholeReply(whole.steps, STEP, input, wholeParent.signal)
  const b = startWholeReply(whole.steps, STEP, input)
  t.equal(whole.signals[0].aborted, false)
  wholeParent.abort()
  t.equal(whole.signals[0].aborted, true)
  t.equal(whole.signals[1].aborted, false)
  b.abort()
  t.equal(whole.signals[1].aborted, true)
  await a.final
})

t.test('a whole reply: one delta, the whole text; no first token; estimated tokens until it answers, then the provider\'s', async (t) => {
  let answer!: (r: TextResult) => void
  const { steps } = standIn([], new Promise<TextResult>((resolve) => { answer = resolve }))
  const reply = startWholeReply(steps, STEP, input)
  t.same(reply.tokens(), { in: Math.ceil(replyRequest(STEP, input).length / 4), out: 0 })
  t.equal(reply.request(), replyRequest(STEP, input))
  answer({ text: 'Whole.', model: STEP.model, usage: USAGE, latencyMs: 5 })
  t.same(await readAll(reply.textStream), ['Whole.'])
  t.equal(reply.firstTokenAt(), null)
  t.same(reply.tokens(), { in: 120, out: 7 })
  t.equal((await reply.final).text, 'Whole.')
})

t.test('a failed whole reply rejects final and the stream, and keeps the estimate', async (t) => {
  const boom = new Error('provider down')
  const { steps } = standIn([], Promise.reject(boom))
  const reply = startWholeReply(steps, STEP, input)
  await t.rejects(reply.final, boom)
  await t.rejects(readAll(reply.textStream), boom)
  t.same(reply.tokens(), { in: Math.ceil(replyRequest(STEP, input).length / 4), out: 0 })
})
