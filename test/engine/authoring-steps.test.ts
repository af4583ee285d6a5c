// The authoring steps over a recording stand-in LLM client: what each prompt says, the one repair round, the failures, the schema helpers.
import t from 'tap'
import { Type, Kind } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { createAuthoring, GeneratedIdentity, inlineRefs, machineSchema, type PolishField } from '../../src/engine/authoring.ts'
import type { ChatMessage, JsonResult, LlmClient, TextResult } from '../../src/llm/client.ts'

const STEP = { model: 'gpt-4o-mini', apiKey: 'sk-test' }
interface Call { kind: 'json' | 'text', system?: string, messages: ChatMessage[], temperature?: number, schema?: unknown }

/** A client answering from a queue of JSON values (undefined = invalid JSON with errors) or texts, recording each request. */
function fakeLlm (answers: unknown[]) {
  const calls: Call[] = []
  const usage = { inputTokens: 1, outputTokens: 1 }
  const llm = {
    async generateJson (_step: unknown, req: { system?: string, messages: ChatMessage[], schema: unknown }): Promise<JsonResult> {
      calls.push({ kind: 'json', system: req.system, messages: structuredClone(req.messages), schema: req.schema })
      const next = answers.shift()
      if (next === undefined) return { text: 'not json', value: null, errors: ['/: is not JSON'], model: 'm', usage, latencyMs: 1 } as unknown as JsonResult
      return { text: JSON.stringify(next), value: next, errors: [], model: 'm', usage, latencyMs: 1 } as unknown as JsonResult
    },
    async generateText (_step: unknown, req: { system?: string, messages: ChatMessage[], temperature?: number }): Promise<TextResult> {
      calls.push({ kind: 'text', system: req.system, messages: structuredClone(req.messages), temperature: req.temperature })
      return { text: String(answers.shift()), model: 'm', usage, latencyMs: 1 } as unknown as TextResult
    }
  }
  return { llm: llm as unknown as LlmClient, calls }
}

const IDENTITY = { name: 'Tam', description: 'A toll-keeper.', persona_identity_prompt: 'You are Tam.' }

t.test('generateIdentity: the concept, one repair quoting the errors, then a clear failure', async (t) => {
  const ok = fakeLlm([IDENTITY])
  t.same(await createAuthoring(ok.llm).generateIdentity(STEP, 'a grumpy bridge keeper'), IDENTITY)
  t.same(ok.calls[0].messages, [{ role: 'user', content: 'Concept: a grumpy bridge keeper' }])
  t.match(ok.calls[0].system, /^You design characters \(NPCs\)/)

  const repaired = fakeLlm([undefined, IDENTITY])
  t.same(await createAuthoring(repaired.llm).generateIdentity(STEP, 'x'), IDENTITY)
  t.same(repaired.calls[1].messages, [
    { role: 'user', content: 'Concept: x' },
    { role: 'assistant', content: 'not json' },
    { role: 'user', content: 'That answer cannot be used:\n- /: is not JSON\nAnswer again with the corrected JSON only.' }
  ])
  t.equal(repaired.calls[1].system, repaired.calls[0].system)

  const failed = fakeLlm([undefined, undefined, IDENTITY])
  await t.rejects(createAuthoring(failed.llm).generateIdentity(STEP, 'x'), { statusCode: 500, message: 'Identity generation failed: the model did not produce valid JSON. Try again', code: 'RAPPORT_LLM_PROVIDER_ERROR' })
  t.equal(failed.calls.length, 2, 'one repair only')
})

const Machine = Type.Object({ machine_key: Type.String({ pattern: '^[a-z_]+$' }), states: Type.Array(Type.Ref('State')) }, { $id: 'Machine' })
const State = Type.Object({ state_key: Type.String() }, { $id: 'State' })
const persona = { name: 'Tam', description: 'A toll-keeper.', persona_identity_prompt: 'You are Tam.' }

t.test('generateScenario: the request names the character and idea; the system shows the schema', async (t) => {
  const schema = machineSchema<{ machine_key: string }>(Machine, { State })
  const good = { machine_key: 'gate', states: [{ state_key: 'ask' }] }
  const { llm, calls } = fakeLlm([good])
  t.same(await createAuthoring(llm).generateScenario(STEP, persona, 'paying the toll', schema, () => []), good)
  t.same(calls[0].messages, [{ role: 'user', content: 'Character: Tam\nDescription: A toll-keeper.\nIdentity: You are Tam.\nScenario idea: paying the toll' }])
  t.ok(calls[0].system?.startsWith('You design conversation scenarios'))
  t.ok(calls[0].system?.endsWith(`\n\nThe JSON Schema of a machine:\n${JSON.stringify(schema.jsonSchema)}`))
  t.same(calls[0].schema, Type.Object({}, { additionalProperties: true, description: 'A machine, as described in the system prompt' }))

  const bare = fakeLlm([good])
  await createAuthoring(bare.llm).generateScenario(STEP, { name: 'Tam', description: '', persona_identity_prompt: '' }, null, schema, () => [])
  t.same(bare.calls[0].messages[0].content, 'Character: Tam\nInvent a scenario that fits this character.')
})

t.test('generateScenario: schema problems, then validator issues, are quoted in the one repair round; then it fails', async (t) => {
  const schema = machineSchema<{ machine_key: string }>(Machine, { State })
  const badShape = { machine_key: 'Not Snake', states: [] }
  const badGraph = { machine_key: 'gate', states: [] }
  const good = { machine_key: 'gate', states: [{ state_key: 'a' }] }
  const validate = (m: { machine_key: string, states?: unknown[] }) => (m as { states: unknown[] }).states.length === 0 ? [{ path: 'states', message: 'needs a state', severity: 'error' as const }] : []
  const repaired = fakeLlm([badShape, good])
  t.same(await createAuthoring(repaired.llm).generateScenario(STEP, persona, null, schema, validate as never), good)
  t.same(repaired.calls[1].messages.slice(1), [
    { role: 'assistant', content: JSON.stringify(badShape) },
    { role: 'user', content: 'That answer cannot be used:\n- /machine_key: must match pattern "^[a-z_]+$"\nAnswer again with the corrected JSON only.' }
  ])
  const invalid = fakeLlm([badGraph, undefined, good])
  await t.rejects(createAuthoring(invalid.llm).generateScenario(STEP, persona, null, schema, validate as never), {
    statusCode: 500, code: 'RAPPORT_LLM_PROVIDER_ERROR', message: 'Scenario generation failed: the model did not produce a valid machine after one repair round. Try again or rephrase the idea'
  })
  t.equal(invalid.calls.length, 2)
  t.match(invalid.calls[1].messages[2].content, /\n- states: needs a state\n/, 'validator issues as path: message')
})

t.test('machineSchema.check: null when valid; otherwise at most 20 "path: message" lines, / for the root', async (t) => {
  const schema = machineSchema(Type.Object({ list: Type.Array(Type.Integer()) }, { additionalProperties: false }), {})
  t.equal(schema.check({ list: [1, 2] }), null)
  t.same(schema.check('nope'), ['/: must be object'])
  const many = schema.check({ list: Array.from({ length: 30 }, () => 'x') })
  t.equal(many?.length, 20)
  t.equal(many?.[0], '/list/0: must be integer')
})

t.test('inlineRefs replaces known $refs (without their $id), keeps arrays, unknown refs and TypeBox kinds', async (t) => {
  const schema = Type.Object({ a: Type.Ref('State'), b: Type.Array(Type.Ref('State')), c: Type.Ref('Missing') }, { $id: 'Top' })
  const out = inlineRefs(schema, { State }) as Record<string | symbol, any>
  t.notOk('$id' in out, 'the $id is dropped')
  t.same(JSON.parse(JSON.stringify(out.properties.a)), { type: 'object', properties: { state_key: { type: 'string' } }, required: ['state_key'] })
  t.notOk('$id' in out.properties.a)
  t.same(JSON.parse(JSON.stringify(out.properties.b.items.properties)), { state_key: { type: 'string' } })
  t.ok(Array.isArray(out.required))
  t.equal(out.properties.c.$ref, 'Missing')
  t.equal(out[Kind], 'Object', 'symbol-keyed kind markers survive')
  t.equal(out.properties.a[Kind], 'Object')
})

t.test('polish: guidance for the field, the author\'s instruction, quotes and blanks trimmed, empty answers fail', async (t) => {
  const { llm, calls } = fakeLlm(['  "Sharper text."  ', 'plain', '"a "quoted" word"', '  ""  '])
  const authoring = createAuthoring(llm)
  t.equal(await authoring.polish(STEP, 'old text', 'condition', null), 'Sharper text.')
  t.same(calls[0].messages, [{ role: 'user', content: 'Text:\nold text' }])
  t.equal(calls[0].temperature, 0.4)
  t.match(calls[0].system, /^You are an editor for game-character authoring\. .* It is a transition condition judged by an evaluator .* Answer with the rewritten text only, without quotes or commentary\.$/)
  t.equal(await authoring.polish(STEP, 'old', 'general', 'shorter'), 'plain')
  t.same(calls[1].messages, [{ role: 'user', content: 'Instruction from the author: shorter\n\nText:\nold' }])
  t.match(calls[1].system, /Keep its purpose and register\./)
  t.equal(await authoring.polish(STEP, 'old', 'description', null), 'a "quoted" word', 'only the outer quotes go')
  await t.rejects(authoring.polish(STEP, 'old', 'general', null), { statusCode: 500, message: 'Polish failed: the model returned no text. Try again', code: 'RAPPORT_LLM_PROVIDER_ERROR' })
})

t.test('a generated identity must have a name (1–100), a description (1–500) and an identity prompt (1–8000)', async (t) => {
  const ok = (over: Partial<typeof IDENTITY>) => Value.Check(GeneratedIdentity, { ...IDENTITY, ...over })
  t.ok(ok({ name: 'n'.repeat(100), description: 'd'.repeat(500), persona_identity_prompt: 'p'.repeat(8000) }), 'every maximum is allowed')
  for (const [field, max] of [['name', 100], ['description', 500], ['persona_identity_prompt', 8000]] as const) {
    t.notOk(ok({ [field]: '' }), `an empty ${field} is refused`)
    t.notOk(ok({ [field]: 'x'.repeat(max + 1) }), `a ${field} over ${max} characters is refused`)
  }
  const { llm, calls } = fakeLlm([IDENTITY])
  await createAuthoring(llm).generateIdentity(STEP, 'x')
  t.equal(calls[0].schema, GeneratedIdentity, 'the answer is checked against it')
})

t.test('polish: each field has its own guidance', async (t) => {
  const guidance: Record<PolishField, string> = {
    persona_identity_prompt: 'It is a character identity prompt in the second person ("You are …"): keep every fact, sharpen voice, manner and boundaries.',
    prompt_instruction: 'It is the instruction for one state of a conversation: say plainly what the character does and aims for in that state.',
    condition: 'It is a transition condition judged by an evaluator against the player\'s message: make it one unambiguous, checkable sentence.',
    description: 'It is a short public description shown to players: one or two vivid sentences in the third person.',
    chat_system_prompt: 'It is the scenario part of the character\'s system prompt: clear guidance on behaviour during the scenario.',
    general: 'Keep its purpose and register.'
  }
  for (const [field, text] of Object.entries(guidance) as Array<[PolishField, string]>) {
    const { llm, calls } = fakeLlm(['new'])
    await createAuthoring(llm).polish(STEP, 'old', field, null)
    t.equal(calls[0].system, 'You are an editor for game-character authoring. Rewrite the text you are given in place: same meaning, same language, same facts, ' +
      `better wording. ${text} Answer with the rewritten text only, without quotes or commentary.`, field)
  }
})

t.test('polish strips only quotes around the whole answer, then the blanks inside them', async (t) => {
  const { llm } = fakeLlm(['"  Spaced out.  "', 'He said "hi"', '"Hi" she said'])
  const authoring = createAuthoring(llm)
  t.equal(await authoring.polish(STEP, 'old', 'general', null), 'Spaced out.')
  t.equal(await authoring.polish(STEP, 'old', 'general', null), 'He said "hi"', 'a quote at the end only is kept')
  t.equal(await authoring.polish(STEP, 'old', 'general', null), '"Hi" she said', 'a quote at the start only is kept')
})

t.test('generateScenario: an answer that is no JSON is repaired with the parse errors; the repair lists at most 20 problems', async (t) => {
  const schema = machineSchema<{ machine_key: string }>(Machine, { State })
  const good = { machine_key: 'gate', states: [{ state_key: 'a' }] }
  const notJson = fakeLlm([undefined, good])
  t.same(await createAuthoring(notJson.llm).generateScenario(STEP, persona, null, schema, () => []), good)
  t.same(notJson.calls[1].messages.slice(1), [
    { role: 'assistant', content: 'not json' },
    { role: 'user', content: 'That answer cannot be used:\n- /: is not JSON\nAnswer again with the corrected JSON only.' }
  ])
  const issues = Array.from({ length: 25 }, (_, i) => ({ path: `states[${i}]`, message: 'is wrong', severity: 'error' as const, code: 'X' }))
  const many = fakeLlm([good, good])
  let first = true
  await createAuthoring(many.llm).generateScenario(STEP, persona, null, schema, () => { const out = first ? issues : []; first = false; return out })
  const lines = Array.from({ length: 20 }, (_, i) => `- states[${i}]: is wrong`)
  t.equal(many.calls[1].messages[2].content, `That answer cannot be used:\n${lines.join('\n')}\nAnswer again with the corrected JSON only.`)
})

t.test('inlineRefs keeps null values (defaults, consts) as they are', async (t) => {
  const out = inlineRefs({ type: 'object', properties: { a: { type: ['string', 'null'], default: null } } } as never, {}) as any
  t.same(out, { type: 'object', properties: { a: { type: ['string', 'null'], default: null } } })
})
