// Request headers the routes read (X-LLM-* keys and models, Idempotency-Key, X-Rapport-Speculative-Reply), declared once and shared by the routes and the OpenAPI components.
import { Type, type TObject, type TOptional, type TString } from '@sinclair/typebox'

interface HeaderSpec {
  /** Canonical spelling, as documented. */
  name: string
  /** OpenAPI component name under components.parameters. */
  component: string
  description: string
  example: string
  /** The only values accepted, when restricted. */
  values?: string[]
}

const key = (step: string | null): HeaderSpec => ({
  name: step ? `X-LLM-${step}-API-Key` : 'X-LLM-API-Key',
  component: step ? `XLlm${step}ApiKey` : 'XLlmApiKey',
  description: step
    ? `Provider key for the ${step.toLowerCase()} step only; wins over X-LLM-API-Key for that step. Used for this request only: never stored or logged.`
    : 'Your LLM provider key (OpenAI, Anthropic, Groq, …), used for this request only: never stored or logged. ' +
      'Each step may use its own key (`X-LLM-<Step>-API-Key`). Not needed for `mock/…` models or when the server has a default key for the route.',
  example: 'sk-proj-your-provider-key'
})

const model = (step: string | null, what: string): HeaderSpec => ({
  name: step ? `X-LLM-${step}-Model` : 'X-LLM-Model',
  component: step ? `XLlm${step}Model` : 'XLlmModel',
  description: step
    ? `Model of the ${step.toLowerCase()} step (${what}); wins over X-LLM-Model for that step.`
    : 'Model for every step, as `provider/model` (`openai/gpt-4o-mini`, `anthropic/claude-3-5-haiku-latest`, `groq/…`, `ollama/…`, ' +
      '`mock/npc` when the server runs with LLM_MOCK=true) or a bare OpenAI / Claude / Gemini name. Default: the server\'s DEFAULT_LLM_MODEL.',
  example: step ? 'openai/gpt-4o-mini' : 'mock/npc'
})

/** Every documented request header, by its lowercase name. */
export const HEADER_SPECS: Record<string, HeaderSpec> = Object.fromEntries([
  key(null),
  model(null, ''),
  key('Eval'),
  key('Response'),
  key('Summarization'),
  model('Eval', 'judges the player\'s message against the transitions'),
  model('Response', 'writes the NPC\'s reply'),
  model('Summarization', 'folds old messages into the rolling summary'),
  {
    name: 'Idempotency-Key',
    component: 'IdempotencyKey',
    description: 'Any unique string (a UUID is fine). Within 24 h the same key with the same body from the same API key or user returns the ' +
      'stored result without a second turn or LLM call (a repeated stream replays metadata, one text_delta with the whole message, done); ' +
      'the same key with a different body answers 400; a duplicate arriving while the first runs waits for it.',
    example: '6f1c2d9e-2b7a-4c55-9d0e-3f8a1b2c4d5e'
  },
  {
    name: 'X-Rapport-Speculative-Reply',
    component: 'XRapportSpeculativeReply',
    description: 'on: start the reply the turn gets if its state does not change while the evaluation runs (aborted, never shown, when the ' +
      'decision changes it); off: start the reply only after the decision. Default: the server setting SPECULATIVE_REPLY.',
    example: 'on',
    values: ['on', 'off']
  }
].map((h) => [h.name.toLowerCase(), h]))

function headers (names: string[]): TObject<Record<string, TOptional<TString>>> {
  const props: Record<string, TOptional<TString>> = {}
  for (const n of names) {
    const spec = HEADER_SPECS[n.toLowerCase()]
    props[n.toLowerCase()] = Type.Optional(Type.String({ description: spec.description, ...(spec.values ? { enum: spec.values } : {}) }))
  }
  return Type.Object(props)
}

const STEP_HEADERS = [
  'X-LLM-API-Key', 'X-LLM-Model',
  'X-LLM-Eval-Model', 'X-LLM-Response-Model', 'X-LLM-Summarization-Model',
  'X-LLM-Eval-API-Key', 'X-LLM-Response-API-Key', 'X-LLM-Summarization-API-Key'
]

/** Turn routes (init-session, message, message/stream): keys and models per step, and Idempotency-Key. */
export const TurnHeaders = headers([...STEP_HEADERS, 'Idempotency-Key'])

/** The two routes that play a turn (message, message/stream): the turn headers and X-Rapport-Speculative-Reply. */
export const MessageHeaders = headers([...STEP_HEADERS, 'Idempotency-Key', 'X-Rapport-Speculative-Reply'])

/** Routes that make one LLM call (validate-llm-key, AI-assisted authoring). */
export const SingleCallHeaders = headers(['X-LLM-API-Key', 'X-LLM-Model'])

/** Routes that only replay on a repeated key (reset, creator/save). */
export const IdempotencyHeaders = headers(['Idempotency-Key'])
