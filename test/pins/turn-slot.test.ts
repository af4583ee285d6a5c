// A turn holds its session's slot until its commit, streamed or not: a second turn sent meanwhile waits and sees the first.
import t from 'tap'
import { asc } from 'drizzle-orm'
import { tablesOf } from '../helpers/db.ts'
import { chatSetup, llmHeaders, type ChatSetup } from '../helpers/chat.ts'
import type { ChatResponse } from '../../src/engine/chat-types.ts'

// Fresh apps and many requests against the fake LLM: more than the default file timeout on a loaded machine.
t.setTimeout(240_000)

type Kind = 'plain' | 'stream'

/** Starts a turn; resolves once it holds the slot (stream) or was sent (plain), with its committed response still to come. */
async function start (c: ChatSetup, kind: Kind, message: string): Promise<{ committed: Promise<ChatResponse> }> {
  const target = { viewer: { kind: 'sdk' as const, ownerId: c.owner.id }, personaId: c.persona.id, machineId: null, userSessionId: 'p1', headers: llmHeaders, message }
  if (kind === 'plain') return { committed: c.app.chat.sendMessage(target) }
  const turn = await c.app.chat.streamMessage(target)
  // Consume the text as a client would; the committed response comes with `done`.
  const committed = (async () => {
    let text = ''
    for await (const delta of turn.textStream) text += delta
    const done = await turn.done
    if (text !== done.message) throw new Error(`streamed "${text}" but committed "${done.message}"`)
    return done
  })()
  return { committed }
}

/** Waits until the fake saw `count` requests of the reply step. */
async function replyRequested (c: ChatSetup, count: number) {
  while (c.requestsOf('reply').length < count) await new Promise((resolve) => setTimeout(resolve, 2))
}

const cases: Array<[Kind, Kind]> = [['stream', 'plain'], ['stream', 'stream'], ['plain', 'stream'], ['plain', 'plain']]

for (const [first, second] of cases) {
  t.test(`a ${first} turn keeps the slot until its commit; a ${second} turn sent while it replies waits for it`, async (t) => {
    const c = await chatSetup(t)
    const init = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' })
    t.equal(init.statusCode, 200)
    c.evaluate('door:approach->approach:redirect')
    // The first reply is slow, so the second turn arrives while it is being produced.
    c.reply({ chunks: ['Not ', 'tonight, ', 'friend.'], delayMs: 600, chunkDelayMs: 100 })
    c.evaluate('door:approach->approach:redirect')
    c.reply('Still no.')

    const one = await start(c, first, 'Let me in.')
    await replyRequested(c, 2)
    const two = await start(c, second, 'Please?')
    const [r1, r2] = await Promise.all([one.committed, two.committed])

    t.match(r1, { message: 'Not tonight, friend.', redirect_count: 1, score: -1 }, 'the first turn committed')
    t.match(r2, { message: 'Still no.', redirect_count: 2, score: -2 }, 'the second turn ran on top of the first')
    const secondEvaluation = c.requestsOf('evaluate').at(-1)!
    t.match(secondEvaluation.messages[0].content, /Not tonight, friend\./, 'the second evaluation saw the first reply')
    const messagesTable = tablesOf(c.app).messages
    const rows = await c.app.db.select().from(messagesTable).orderBy(asc(messagesTable.seq))
    t.same(rows.map((r) => [r.seq, r.content]), [
      [1, rows[0].content],
      [2, 'Let me in.'],
      [3, 'Not tonight, friend.'],
      [4, 'Please?'],
      [5, 'Still no.']
    ], 'both turns stored, in order, nothing lost')
  })
}
