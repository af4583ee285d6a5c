// A reply in flight: its own abort, its deltas buffered until someone reads them, when its first token came and how many came.
import type { StepConfig, TextResult } from '../llm/client.ts'
import { replyPrompt, type ReplyInput } from './prompts.ts'
import type { Steps } from './steps.ts'

export interface RunningReply {
  /** The exact request the reply call sent (system prompt and messages), to compare replies by (built once, when first asked). */
  request: () => string
  /** Deltas from the first one on, whenever iteration starts (iterate once); throws when the reply fails. */
  textStream: AsyncIterable<string>
  /** The whole reply, trimmed. */
  final: Promise<TextResult>
  /** performance.now() of the first delta; null before it (or for a reply not streamed). */
  firstTokenAt: () => number | null
  /** Tokens so far: the provider's count once finished, else the deltas received (about one token each) and the prompt's estimate. */
  tokens: () => { in: number, out: number }
  /** Aborts the provider call; nothing more is buffered. */
  abort: () => void
}

/** The reply request as a comparable string: two replies are the same reply iff these are equal. */
export function replyRequest (step: StepConfig, input: ReplyInput): string {
  const prompt = replyPrompt(input)
  return JSON.stringify([step.model, prompt.system, prompt.messages])
}

function estimateTokens (text: string): number {
  return Math.ceil(text.length / 4)
}

/** replyRequest, built on first use: a turn that speculated nothing never compares requests. */
function lazyRequest (step: StepConfig, input: ReplyInput): () => string {
  let request: string | null = null
  return () => (request ??= replyRequest(step, input))
}

function linked (parent: AbortSignal | undefined) {
  const controller = new AbortController()
  return { controller, signal: parent ? AbortSignal.any([parent, controller.signal]) : controller.signal }
}

/** Starts a streamed reply and reads it into a buffer at once, so its deltas are counted and kept for a later reader. */
export function startStreamedReply (steps: Steps, step: StepConfig, input: ReplyInput, parent?: AbortSignal): RunningReply {
  const { controller, signal } = linked(parent)
  const request = lazyRequest(step, input)
  const stream = steps.streamReply(step, input, signal)
  const buffer: string[] = []
  let firstAt: number | null = null
  let deltas = 0
  let ended = false
  let failure: unknown = null
  let usage: TextResult['usage'] | null = null
  let wake: (() => void) | null = null
  const notify = () => {
    const w = wake
    wake = null
    w?.()
  }
  const pump = (async () => {
    try {
      for await (const delta of stream.textStream) {
        if (firstAt === null) firstAt = performance.now()
        deltas++
        buffer.push(delta)
        notify()
      }
    } catch (err) {
      failure = err
    } finally {
      ended = true
      notify()
    }
  })()
  const final = pump.then(async () => {
    const result = await stream.final
    usage = result.usage
    return { ...result, text: result.text.trim() }
  })
  final.catch(() => {})
  return {
    request,
    textStream: {
      async * [Symbol.asyncIterator] () {
        for (;;) {
          const next = buffer.shift()
          if (next !== undefined) yield next
          else if (ended) {
            if (failure !== null) throw failure
            return
          } else await new Promise<void>((resolve) => { wake = resolve })
        }
      }
    },
    final,
    firstTokenAt: () => firstAt,
    tokens: () => usage !== null
      ? { in: usage.inputTokens, out: usage.outputTokens }
      : { in: estimateTokens(request()), out: deltas },
    abort: () => controller.abort()
  }
}

/** Starts a reply generated whole (the non-streamed route's reply, speculated or not). */
export function startWholeReply (steps: Steps, step: StepConfig, input: ReplyInput, parent?: AbortSignal): RunningReply {
  const { controller, signal } = linked(parent)
  const final = steps.reply(step, input, signal)
  final.catch(() => {})
  let usage: TextResult['usage'] | null = null
  final.then((r) => { usage = r.usage }, () => {})
  const request = lazyRequest(step, input)
  return {
    request,
    textStream: { async * [Symbol.asyncIterator] () { yield (await final).text } },
    final,
    firstTokenAt: () => null,
    tokens: () => usage !== null ? { in: usage.inputTokens, out: usage.outputTokens } : { in: estimateTokens(request()), out: 0 },
    abort: () => controller.abort()
  }
}
