// The LLM steps of a turn: evaluation (schema, one repair, recorded fallback), reply, greeting, summary, extraction.
import { Type, type Static } from '@sinclair/typebox'
import type { LlmClient, StepConfig, TextResult, TextStream, TokenUsage } from '../llm/client.ts'
import type { StepTrace } from './chat-types.ts'
import {
  bound,
  evaluationPrompt,
  extractionPrompt,
  greetingPrompt,
  MAX_SUMMARY_CHARS,
  repairPrompt,
  replyPrompt,
  summaryPrompt,
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
    /**
     * Evaluation: offers only `input.transitions`. An answer naming another transition is invalid
     * like a schema violation. Without transitions or a follow-up condition nothing is asked.
     */
    async evaluate (step: StepConfig, input: EvaluationInput, signal?: AbortSignal): Promise<EvaluationResult> {
      const followUp = (input.state.follow_up_condition?.trim() ?? '') !== ''
      if (input.transitions.length === 0 && !followUp) {
        return { transition_id: null, follow_up: false, reason: null, fallback: false, trace: null }
      }
      const ids = input.transitions.map((t) => t.transition_id)
      const check = (v: EvaluationAnswer) => v.transition_id === null || ids.includes(v.transition_id)
        ? []
        : [`/transition_id: "${v.transition_id}" is not one of the listed transition_id values (${ids.map((id) => `"${id}"`).join(', ')}) or null`]
      const { value, trace } = await jsonWithRepair<EvaluationAnswer>(step, evaluationPrompt(input), EvaluationSchema, check, signal, 300)
      if (value === null) return { transition_id: null, follow_up: false, reason: null, fallback: true, trace }
      return { transition_id: value.transition_id, follow_up: value.follow_up, reason: value.reason, fallback: false, trace }
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
