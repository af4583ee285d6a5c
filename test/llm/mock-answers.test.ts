// Unit tests of the mock language model: what it answers to each kind of prompt, its usage figures, its stream and its abort.
import t from 'tap'
import type { LanguageModelV3CallOptions, LanguageModelV3Prompt, LanguageModelV3StreamPart } from '@ai-sdk/provider'
import { contentWords, createMockModel, mockAnswer, mockEvaluate } from '../../src/llm/mock.ts'

function options (system: string, user = 'hello', extra: LanguageModelV3Prompt = []): LanguageModelV3CallOptions {
  return { prompt: [{ role: 'system', content: system }, ...extra, { role: 'user', content: [{ type: 'text', text: user }] }] }
}

const referee = (lines: string[], followUp = false) => [
  'You are the referee of a conversation game. Vex is a character; Ash is the player.',
  ...lines,
  ...(followUp ? ['Follow-up: when this holds — the player asks a question — set "follow_up" to true'] : [])
].join('\n')

t.test('contentWords keeps lowercase words of three letters or more, drops stop words, contractions and possessive s', async (t) => {
  t.same(contentWords('It\'s Bob\'s CAT, ab abc don\'t 42 123 the them'), new Set(['bob', 'cat', 'abc', '123']))
  t.same(contentWords(''), new Set())
})

t.test('mockEvaluate explains which words it shares, and a question needs trailing ? (spaces aside) and a follow-up condition', async (t) => {
  const transitions = [{ id: 't1', condition: 'The player mentions gold or silver' }, { id: 't2', condition: 'The player mentions gold and silver coins' }]
  t.same(mockEvaluate('gold silver coins please', transitions, false), { transition_id: 't2', follow_up: false, reason: 'mock: shares gold, silver, coins with the condition' })
  t.same(mockEvaluate('gold?  ', transitions, true), { transition_id: null, follow_up: true, reason: 'mock: the player asked a question' })
  t.same(mockEvaluate('gold? not really', transitions, true), { transition_id: 't1', follow_up: false, reason: 'mock: shares gold with the condition' })
  t.same(mockEvaluate('gold', [], false), { transition_id: null, follow_up: false, reason: 'mock: no condition shares a word with the message' })
})

t.test('the referee prompt: transitions are read from their lines and the message from between the markers', async (t) => {
  const system = referee(['t1 | decision: pass | condition: The player names the secret password', 't2 | decision: reject | condition: The player insults the guard',
    'x3 | decision: pass | condition: The player sings', 't4 | decision: pass | condition:'])
  const user = 'Ash\'s latest message:\n<<<\nI will sing, the password is swordfish\n>>>'
  t.same(JSON.parse(mockAnswer(options(system, user))), { transition_id: 't1', follow_up: false, reason: 'mock: shares password with the condition' })
  t.same(JSON.parse(mockAnswer(options(system, 'Ash sings password, without markers'))), { transition_id: null, follow_up: false, reason: 'mock: no condition shares a word with the message' })
  const multi = 'Ash\'s latest message:\n<<<\nfirst line\nthe guard is an oaf, I insult him\n>>>'
  t.equal(JSON.parse(mockAnswer(options(system, multi))).transition_id, 't2', 'the message may span lines')
  const asked = 'Ash\'s latest message:\n<<<\nwhat password?\n>>>'
  t.same(JSON.parse(mockAnswer(options(referee(['t1 | decision: pass | condition: password'], true), asked))), { transition_id: null, follow_up: true, reason: 'mock: the player asked a question' })
  t.equal(JSON.parse(mockAnswer(options(referee(['t1 | decision: pass | condition: password']), asked))).transition_id, 't1', 'no follow-up condition in the prompt')
})

t.test('the extraction prompt: every listed variable is unknown, with a fixed memory', async (t) => {
  const system = 'Read the conversation.\n- "mood": how the player feels\n- "favourite color": their colour\n  - "indented": not a variable line\nAnswer with one JSON object: {"variables": {<key>: <string>, …}, "memory": <string>}.'
  t.same(JSON.parse(mockAnswer(options(system))), { variables: { mood: 'unknown', 'favourite color': 'unknown' }, memory: 'The mock model remembers that this scene was played.' })
  t.equal(mockAnswer(options('Only "variables" here')), 'OK', 'both "variables" and "memory" must appear')
  t.equal(mockAnswer(options('Only "memory" here')), 'OK')
})

t.test('the summary, identity, scenario and polish prompts', async (t) => {
  t.equal(mockAnswer(options('You keep the running summary of a conversation')), 'The player and the character talked (mock summary).')
  t.equal(JSON.parse(mockAnswer(options('You design characters (NPCs) for games', 'Concept: a sly fox merchant'))).name, 'Sly Fox Merchant')
  t.equal(JSON.parse(mockAnswer(options('You design characters (NPCs) for games', 'no concept line'))).name, 'Mock Character')
  t.equal(JSON.parse(mockAnswer(options('You design conversation scenarios ("machines")', 'Persona: x\nScenario idea: buy a magic lamp\nmore'))).machine_key, 'buy_magic_lamp')
  t.equal(JSON.parse(mockAnswer(options('You design conversation scenarios ("machines")', 'Invent a scenario that fits this character.'))).machine_key, 'first_meeting')
  t.equal(mockAnswer(options('You are an editor for game-character authoring.', 'Instruction from the author: shorter\n\nText:\nsome  words\nand more')), 'Some words and more.')
  t.equal(mockAnswer(options('You are an editor for game-character authoring.', 'no label here')), 'No label here.', 'without "Text:" the whole message is polished')
})

t.test('the reply prompts answer from the state\'s labelled instruction, up to the next blank line', async (t) => {
  t.equal(mockAnswer(options('Persona.\n\nThe situation:  Ask where they got the ring. \n\nMore rules')), 'Hmm. Say that again, more plainly? (Ask where they got the ring.)')
  t.equal(mockAnswer(options('Persona.\n\nWhat happens now: Close the door.\nSlowly.\n\nOther')), 'Close the door.\nSlowly. That is all for now.')
  t.equal(mockAnswer(options('Persona.\n\nWhat you do now:\nOffer a drink.\n\nRules')), 'Offer a drink.')
  t.equal(mockAnswer(options('Persona.\n\nThe situation: A\n\nWhat happens now: B')), 'Hmm. Say that again, more plainly? (A)', 'the follow-up label wins')
  t.equal(mockAnswer(options('Persona.\n\nWhat happens now: B\n\nWhat you do now: C')), 'B That is all for now.', 'the closing label wins over the instruction')
  t.equal(mockAnswer(options('No label at all')), 'OK')
})

t.test('the prompt text joins every system message and only the user messages\' text parts', async (t) => {
  const prompt: LanguageModelV3Prompt = [
    { role: 'system', content: 'Persona.' },
    { role: 'assistant', content: [{ type: 'text', text: 'What you do now: from the assistant' }] },
    { role: 'user', content: [{ type: 'text', text: 'Ash\'s message' }] },
    { role: 'system', content: 'What you do now: Wave.' }
  ]
  t.equal(mockAnswer({ prompt }), 'Wave.', 'a later system message counts; an assistant message does not')
  const polish: LanguageModelV3Prompt = [
    { role: 'system', content: 'You are an editor for game-character authoring.' },
    { role: 'user', content: [{ type: 'text', text: 'Text:\nfirst' }, { type: 'file', data: 'x', mediaType: 'text/plain' }, { type: 'text', text: ' second' }] },
    { role: 'user', content: [{ type: 'text', text: 'third' }] }
  ]
  t.equal(mockAnswer({ prompt: polish }), 'First second third.', 'text parts joined, other parts skipped, one line per message')
})

t.test('doGenerate answers the whole text, stop, and usage of a quarter token per character rounded up', async (t) => {
  const model = createMockModel('npc')
  t.same([model.specificationVersion, model.provider, model.modelId, model.supportedUrls], ['v3', 'mock', 'npc', {}])
  const opts = options('What you do now: Hello there, friend.')
  const answer = await model.doGenerate(opts)
  const input = Math.ceil(JSON.stringify(opts.prompt).length / 4)
  t.same(answer, {
    content: [{ type: 'text', text: 'Hello there, friend.' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } },
    warnings: []
  })
})

async function readAll (stream: ReadableStream<LanguageModelV3StreamPart>) {
  const parts: LanguageModelV3StreamPart[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return parts
    parts.push(value)
  }
}

t.test('doStream sends the answer word by word between start and finish parts', async (t) => {
  const model = createMockModel('npc', 0)
  const opts = options('What you do now: Hello there friend')
  const { stream } = await model.doStream(opts)
  const input = Math.ceil(JSON.stringify(opts.prompt).length / 4)
  t.same(await readAll(stream), [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: 'Hello ' },
    { type: 'text-delta', id: 't', delta: 'there ' },
    { type: 'text-delta', id: 't', delta: 'friend' },
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } } }
  ])
})

t.test('doStream waits between words, and stops with an AbortError when aborted before or during the wait', async (t) => {
  const slow = createMockModel('npc', 10_000)
  const before = new AbortController()
  before.abort()
  const { stream: s1 } = await slow.doStream({ ...options('What you do now: a b'), abortSignal: before.signal })
  await t.rejects(readAll(s1), { name: 'AbortError', message: 'The mock call was aborted' })

  const during = new AbortController()
  const { stream: s2 } = await slow.doStream({ ...options('What you do now: a b'), abortSignal: during.signal })
  const reader = s2.getReader()
  t.same((await reader.read()).value, { type: 'stream-start', warnings: [] })
  t.same((await reader.read()).value, { type: 'text-start', id: 't' })
  const next = reader.read()
  const raced = await Promise.race([next.then(() => 'read'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 50))])
  t.equal(raced, 'waiting', 'the first word waits for its delay')
  during.abort()
  await t.rejects(next, { name: 'AbortError', message: 'The mock call was aborted' })

  const quick = createMockModel('npc', 1)
  const kept = new AbortController()
  const { stream: s3 } = await quick.doStream({ ...options('What you do now: a b c'), abortSignal: kept.signal })
  t.equal((await readAll(s3)).filter((p) => p.type === 'text-delta').length, 3, 'a signal that never fires changes nothing')
})
