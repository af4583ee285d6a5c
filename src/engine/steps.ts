// The LLM steps of a turn: evaluation, whole or streamed (schema, handles, one repair, recorded fallback), reply, greeting, summary, extraction.
import { Type, type Static } from '@sinclair/typebox'
import { LENGTH_JSON_ERROR, parseJsonOutput, type LlmClient, type StepConfig, type TextResult, type TextStream, type TokenUsage } from '../llm/client.ts'
import type { StepTrace } from './chat-types.ts'
import { arrivingFields, type ArrivingFields } from './json-fields.ts'
import {
  bound,
  evaluationPrompt,
  extractionPrompt,
  greetingPrompt,
  MAX_SUMMARY_CHARS,
  repairPrompt,
  replyPrompt,
  summaryPrompt,
  transitionHandle,
  type EvaluationInput,
  type ExtractionInput,
  type GreetingInput,
  type Prompt,
  type ReplyInput,
  type SummaryInput
} from './prompts.ts'

/** What the evaluator must answer (SPEC §6.1). */
export const EvaluationSchema = Type.Object({
  transition_id: Type.Union([Type.String(), Type.Null()]),
  follow_up: Type.Boolean(),
  reason: Type.String()
})
export type EvaluationAnswer = Static<typeof EvaluationSchema>

/** What extraction must answer. */
export const ExtractionSchema = Type.Object({
  variables: Type.Record(Type.String(), Type.String()),
  memory: Type.String()
})

export interface EvaluationResult {
  transition_id: string | null
  follow_up: boolean
  /** The evaluator's reason; null when no evaluation ran or it failed. */
  reason: string | null
  /** True when the answer was still invalid after the repair retry: the turn runs as "no transition". */
  fallback: boolean
  /** Both attempts together; null when no call was needed. */
  trace: StepTrace | null
}

export interface ExtractionResult {
  variables: Record<string, string>
  memory: string
  trace: StepTrace
}

/** What the turn acts on: the evaluator's answer mapped back to a transition id, or the fallback. */
export interface EvaluationDecision {
  transition_id: string | null
  follow_up: boolean
  fallback: boolean
}

/** A streamed evaluation: the decision as soon as it is known, the whole result when the answer has ended. */
export interface StreamedEvaluation {
  decision: Promise<EvaluationDecision>
  result: Promise<EvaluationResult>
}

const EVAL_MAX_TOKENS = 300
const NOTHING_TO_ASK: EvaluationResult = { transition_id: null, follow_up: false, reason: null, fallback: false, trace: null }
const FALLBACK = { transition_id: null, follow_up: false, reason: null, fallback: true }

function needsEvaluation (input: EvaluationInput): boolean {
  return input.transitions.length > 0 || (input.state.follow_up_condition?.trim() ?? '') !== ''
}

/** The transitions offered under handles: the answer's check, its mapping back to ids, the early read. */
function offered (input: EvaluationInput) {
  const ids = new Map(input.transitions.map((t, i) => [transitionHandle(i), t.transition_id]))
  const handles = [...ids.keys()]
  const followUp = (input.state.follow_up_condition?.trim() ?? '') !== ''
  const decision = (v: Pick<EvaluationAnswer, 'transition_id' | 'follow_up'>) =>
    ({ transition_id: v.transition_id === null ? null : ids.get(v.transition_id) ?? null, follow_up: v.follow_up })
  return {
    check: (v: EvaluationAnswer) => v.transition_id === null || ids.has(v.transition_id)
      ? []
      : [`/transition_id: "${v.transition_id}" is not one of the listed handles (${handles.join(', ')}) or null`],
    decision,
    /**
     * The decision from the fields complete so far, when they are there and valid. follow_up counts
     * only in a state with a follow-up condition (SPEC §6.2), so elsewhere transition_id decides alone.
     */
    early (fields: Record<string, unknown>): EvaluationDecision | null {
      const id = fields.transition_id
      if (!(id === null || (typeof id === 'string' && ids.has(id)))) return null
      if (typeof fields.follow_up !== 'boolean' && (followUp || 'follow_up' in fields)) return null
      return { ...decision({ transition_id: id, follow_up: fields.follow_up === true }), fallback: false }
    },
    /**
     * The transition (its id) the answer is heading for before it decides: its complete handle while
     * follow_up, which would take precedence, is still to come; or the one handle that the handle
     * arriving so far is the beginning of ("t1" among t1–t9, not among t1–t12). Null otherwise. Only a
     * guess to speculate on: the decision is still read from the complete fields.
     */
    likely ({ fields, open }: ArrivingFields): string | null {
      if ('transition_id' in fields) return typeof fields.transition_id === 'string' ? ids.get(fields.transition_id) ?? null : null
      if (open?.key !== 'transition_id' || open.prefix === '') return null
      const matching = handles.filter((h) => h.startsWith(open.prefix))
      return matching.length === 1 ? ids.get(matching[0]) ?? null : null
    }
  }
}

/** Step cost as recorded in traces. */
export function stepTrace (model: string, usage: TokenUsage, latencyMs: number): StepTrace {
  return { model, tokens_in: usage.inputTokens, tokens_out: usage.outputTokens, latency_ms: latencyMs }
}

function addTrace (a: StepTrace, b: StepTrace): StepTrace {
  return { model: a.model, tokens_in: a.tokens_in + b.tokens_in, tokens_out: a.tokens_out + b.tokens_out, latency_ms: a.latency_ms + b.latency_ms }
}

/** The steps over one LLM client. Each takes its step config (model and key) per call. */
export function createSteps (llm: LlmClient) {
  /**
   * Runs a JSON step; an invalid answer (schema, or `check`) gets one repair call quoting the errors.
   * Returns null as value when the repaired answer is still invalid. Provider errors propagate.
   */
  async function jsonWithRepair<T> (step: StepConfig, prompt: Prompt, schema: typeof EvaluationSchema | typeof ExtractionSchema,
    check: (value: T) => string[], signal: AbortSignal | undefined, maxOutputTokens: number): Promise<{ value: T | null, trace: StepTrace }> {
    let current = prompt
    let trace: StepTrace | null = null
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await llm.generateJson(step, { ...current, schema, signal, temperature: 0, maxOutputTokens })
      const t = stepTrace(result.model, result.usage, result.latencyMs)
      trace = trace === null ? t : addTrace(trace, t)
      const errors = result.value === null ? result.errors : check(result.value as T)
      if (errors.length === 0) return { value: result.value as T, trace }
      current = repairPrompt(prompt, result.text, errors)
    }
    return { value: null, trace: trace as StepTrace }
  }

  return {
    /** False when there is nothing to ask: no transitions and no follow-up condition. */
    needsEvaluation,

    /**
     * Evaluation, whole (the sequential pipeline): offers only `input.transitions`, under handles. An
     * answer naming anything else is invalid like a schema violation. Without a question nothing is asked.
     */
    async evaluate (step: StepConfig, input: EvaluationInput, signal?: AbortSignal): Promise<EvaluationResult> {
      if (!needsEvaluation(input)) return NOTHING_TO_ASK
      const offer = offered(input)
      const { value, trace } = await jsonWithRepair<EvaluationAnswer>(step, evaluationPrompt(input), EvaluationSchema, offer.check, signal, EVAL_MAX_TOKENS)
      if (value === null) return { ...FALLBACK, trace }
      return { ...offer.decision(value), reason: value.reason, fallback: false, trace }
    },

    /**
     * Evaluation, streamed: `decision` resolves as soon as the answer's transition_id and follow_up are
     * complete and valid (transition_id alone where follow_up cannot count; else after the repair or as the fallback); `result` once the answer has ended,
     * with the reason. A provider failure rejects both. An answer whose decision fields were valid is
     * kept even when the rest turns out invalid (its reason is then null): the turn already acted on it.
     * Before the decision, `onLikely` hears each transition the answer seems to be heading for (once each,
     * never after the decision), so its reply can be speculated.
     */
    evaluateStreamed (step: StepConfig, input: EvaluationInput, signal?: AbortSignal, onLikely?: (transitionId: string) => void): StreamedEvaluation {
      if (!needsEvaluation(input)) return { decision: Promise.resolve(NOTHING_TO_ASK), result: Promise.resolve(NOTHING_TO_ASK) }
      const offer = offered(input)
      const prompt = evaluationPrompt(input)
      let decide!: (d: EvaluationDecision) => void
      let fail!: (err: unknown) => void
      const decision = new Promise<EvaluationDecision>((resolve, reject) => { decide = resolve; fail = reject })
      const result = (async (): Promise<EvaluationResult> => {
        let current = prompt
        let trace: StepTrace | null = null
        let early: EvaluationDecision | null = null
        const heard = new Set<string>()
        for (let attempt = 1; attempt <= 2; attempt++) {
          let text = ''
          // A failure worth a retry (a dropped connection) before the decision starts the answer over; after
          // it, the turn has acted on the answer and fails instead.
          const restart = () => {
            if (early !== null) return false
            text = ''
            return true
          }
          const stream = llm.streamJson(step, { ...current, schema: EvaluationSchema, signal, temperature: 0, maxOutputTokens: EVAL_MAX_TOKENS, restart })
          for await (const delta of stream.textStream) {
            text += delta
            if (early === null) {
              const arriving = arrivingFields(text)
              early = offer.early(arriving.fields)
              if (early !== null) {
                decide(early)
              } else if (onLikely !== undefined) {
                const likely = offer.likely(arriving)
                if (likely !== null && !heard.has(likely)) {
                  heard.add(likely)
                  onLikely(likely)
                }
              }
            }
          }
          const final = await stream.final
          const t = stepTrace(final.model, final.usage, final.latencyMs)
          trace = trace === null ? t : addTrace(trace, t)
          const parsed = final.cutAtLimit ? { value: null, errors: [LENGTH_JSON_ERROR] } : parseJsonOutput(EvaluationSchema, text)
          const errors = parsed.value === null ? parsed.errors : offer.check(parsed.value as EvaluationAnswer)
          const reason = errors.length === 0 ? (parsed.value as EvaluationAnswer).reason : null
          if (early !== null) return { ...early, reason, trace }
          if (errors.length === 0) {
            const decided = { ...offer.decision(parsed.value as EvaluationAnswer), fallback: false }
            decide(decided)
            return { ...decided, reason, trace }
          }
          current = repairPrompt(prompt, text, errors)
        }
        decide({ transition_id: null, follow_up: false, fallback: true })
        return { ...FALLBACK, trace }
      })()
      result.catch(fail)
      return { decision, result }
    },

    /** The reply, whole. */
    async reply (step: StepConfig, input: ReplyInput, signal?: AbortSignal): Promise<TextResult> {
      const result = await llm.generateText(step, { ...replyPrompt(input), signal })
      return { ...result, text: result.text.trim() }
    },

    /** The reply, streamed as the provider produces it. */
    streamReply (step: StepConfig, input: ReplyInput, signal?: AbortSignal): TextStream {
      return llm.streamText(step, { ...replyPrompt(input), signal })
    },

    /** The greeting at init. */
    async greeting (step: StepConfig, input: GreetingInput, signal?: AbortSignal): Promise<TextResult> {
      const result = await llm.generateText(step, { ...greetingPrompt(input), signal })
      return { ...result, text: result.text.trim() }
    },

    /** The updated rolling summary, bounded to MAX_SUMMARY_CHARS. */
    async summarize (step: StepConfig, input: SummaryInput, signal?: AbortSignal): Promise<{ summary: string, trace: StepTrace }> {
      const result = await llm.generateText(step, { ...summaryPrompt(input), signal, temperature: 0, maxOutputTokens: 500 })
      return { summary: bound(result.text, MAX_SUMMARY_CHARS), trace: stepTrace(result.model, result.usage, result.latencyMs) }
    },

    /**
     * Output variables (only the machine's keys are kept) and a memory paragraph; null when the
     * answer stays invalid after the repair.
     */
    async extract (step: StepConfig, input: ExtractionInput, signal?: AbortSignal): Promise<ExtractionResult | null> {
      const keys = input.machine.output_variables.map((v) => v.key)
      const { value, trace } = await jsonWithRepair<Static<typeof ExtractionSchema>>(step, extractionPrompt(input), ExtractionSchema, () => [], signal, 600)
      if (value === null) return null
      const variables: Record<string, string> = {}
      for (const key of keys) if (typeof value.variables[key] === 'string') variables[key] = value.variables[key]
      return { variables, memory: value.memory.trim(), trace }
    }
  }
}

export type Steps = ReturnType<typeof createSteps>
