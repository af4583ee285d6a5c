// The keyless mock provider (`mock/…` models with LLM_MOCK=true): an in-process AI SDK language model that reads Rapport's own prompts and answers deterministically.
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider'
import { mockIdentity, mockPolish, mockScenario } from './mock-authoring.ts'

/** Delay between two streamed words, in milliseconds. */
export const MOCK_WORD_DELAY_MS = 15

/** Shared words a condition needs with the player's message before its transition is taken. */
export const MOCK_MIN_SHARED_WORDS = 1

const STOP_WORDS = new Set(('the a an and or but if then of to in on at by for with from into about as is are was were be been being ' +
  'it its this that these those there here i you he she they we me my your his her their our them him us do does did ' +
  'not no so can could would should will just than too very what who whom which when where why how player says').split(' '))

/** The meaningful words of a text: lowercase, three letters or more, no stop words, no contractions ("'s" is dropped). */
export function contentWords (text: string): Set<string> {
  const words = (text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? []).map((w) => w.replace(/'s$/, ''))
  return new Set(words.filter((w) => w.length >= 3 && !w.includes("'") && !STOP_WORDS.has(w)))
}

interface Transition { id: string, condition: string }

export interface MockEvaluation { transition_id: string | null, follow_up: boolean, reason: string }

/**
 * The mock evaluator. When the state has a follow-up condition and the player's message ends with a
 * question mark, it asks for a follow-up. Otherwise it takes the transition whose condition shares the
 * most content words with the message (the earliest on a tie), if it shares at least MOCK_MIN_SHARED_WORDS.
 */
export function mockEvaluate (message: string, transitions: Transition[], hasFollowUp: boolean): MockEvaluation {
  if (hasFollowUp && message.trim().endsWith('?')) return { transition_id: null, follow_up: true, reason: 'mock: the player asked a question' }
  const said = contentWords(message)
  let best: { t: Transition, shared: string[] } | null = null
  for (const t of transitions) {
    const shared = [...contentWords(t.condition)].filter((w) => said.has(w))
    if (shared.length >= MOCK_MIN_SHARED_WORDS && (best === null || shared.length > best.shared.length)) best = { t, shared }
  }
  if (best === null) return { transition_id: null, follow_up: false, reason: 'mock: no condition shares a word with the message' }
  return { transition_id: best.t.id, follow_up: false, reason: `mock: shares ${best.shared.join(', ')} with the condition` }
}

function promptText (options: LanguageModelV3CallOptions): { system: string, user: string } {
  let system = ''
  let user = ''
  for (const m of options.prompt) {
    if (m.role === 'system') system += `${m.content}\n`
    else if (m.role === 'user') user += m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') + '\n'
  }
  return { system, user }
}

const after = (text: string, label: string): string | null => {
  const i = text.indexOf(label)
  if (i === -1) return null
  return text.slice(i + label.length).split('\n\n')[0].trim()
}

/** What the mock answers to one of Rapport's prompts. */
export function mockAnswer (options: LanguageModelV3CallOptions): string {
  const { system, user } = promptText(options)
  if (system.includes('You are the referee of a conversation game')) {
    const transitions = [...system.matchAll(/^(t\d+) \| decision: \S+ \| condition: (.*)$/gm)].map((m) => ({ id: m[1], condition: m[2] }))
    const message = /<<<\n([\s\S]*?)\n>>>/.exec(user)?.[1] ?? ''
    return JSON.stringify(mockEvaluate(message, transitions, system.includes('Follow-up: when this holds')))
  }
  if (system.includes('"variables"') && system.includes('"memory"')) {
    const keys = [...system.matchAll(/^- "([^"]+)":/gm)].map((m) => m[1])
    return JSON.stringify({ variables: Object.fromEntries(keys.map((k) => [k, 'unknown'])), memory: 'The mock model remembers that this scene was played.' })
  }
  if (system.includes('You keep the running summary')) return 'The player and the character talked (mock summary).'
  if (system.includes('You design characters (NPCs)')) return JSON.stringify(mockIdentity(/^Concept: (.*)$/m.exec(user)?.[1] ?? ''))
  if (system.includes('You design conversation scenarios')) return JSON.stringify(mockScenario(/^Scenario idea: (.*)$/m.exec(user)?.[1] ?? null))
  if (system.includes('You are an editor for game-character authoring')) return mockPolish(/Text:\n([\s\S]*)$/.exec(user)?.[1] ?? user)
  const followUp = after(system, 'The situation:')
  if (followUp !== null) return `Hmm. Say that again, more plainly? (${followUp})`
  const closing = after(system, 'What happens now:')
  if (closing !== null) return `${closing} That is all for now.`
  const instruction = after(system, 'What you do now:')
  if (instruction !== null) return instruction
  return 'OK'
}

function usage (input: string, output: string): LanguageModelV3Usage {
  const inputTokens = Math.ceil(input.length / 4)
  const outputTokens = Math.ceil(output.length / 4)
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 }
  }
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) return reject(new DOMException('The mock call was aborted', 'AbortError'))
  const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
  const onAbort = () => { clearTimeout(timer); reject(new DOMException('The mock call was aborted', 'AbortError')) }
  signal?.addEventListener('abort', onAbort, { once: true })
})

/** The mock language model for `mock/<modelId>`: the same AI SDK path as a real provider, no network. */
export function createMockModel (modelId: string, wordDelayMs = MOCK_WORD_DELAY_MS): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'mock',
    modelId,
    supportedUrls: {},
    async doGenerate (options) {
      const text = mockAnswer(options)
      return {
        content: [{ type: 'text', text }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usage(JSON.stringify(options.prompt), text),
        warnings: []
      }
    },
    async doStream (options) {
      const text = mockAnswer(options)
      const words = text.split(/(?<= )/)
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async start (controller) {
          try {
            controller.enqueue({ type: 'stream-start', warnings: [] })
            controller.enqueue({ type: 'text-start', id: 't' })
            for (const word of words) {
              await sleep(wordDelayMs, options.abortSignal)
              controller.enqueue({ type: 'text-delta', id: 't', delta: word })
            }
            controller.enqueue({ type: 'text-end', id: 't' })
            controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(JSON.stringify(options.prompt), text) })
            controller.close()
          } catch (err) {
            controller.error(err)
          }
        }
      })
      return { stream }
    }
  }
}
