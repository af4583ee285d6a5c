// Rolling summaries over time: one summary call per fold (not per turn), and prompts that keep the newest unsummarized messages while summaries fail or lag.
import t from 'tap'
import { chatSetup, llmHeaders, type ChatSetup } from '../helpers/chat.ts'

// Fresh apps and many requests against the fake LLM: more than the default file timeout on a loaded machine.
t.setTimeout(240_000)

type Kind = 'plain' | 'stream'

async function init (c: ChatSetup) {
  const res = await c.sdk('POST', `/chat/${c.persona.id}/init-session`, { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' })
  if (res.statusCode !== 200) throw new Error(res.body)
}

/** One committed turn through the service, plain or streamed, then its background work. */
async function turn (c: ChatSetup, kind: Kind, message: string) {
  const a = { viewer: { kind: 'sdk' as const, ownerId: c.owner.id }, personaId: c.persona.id, machineId: null, userSessionId: 'p1', headers: llmHeaders, message }
  if (kind === 'plain') {
    await c.app.chat.sendMessage(a)
  } else {
    const streamed = await c.app.chat.streamMessage(a)
    let text = ''
    for await (const delta of streamed.textStream) text += delta
    if ((await streamed.done).message !== text) throw new Error('the committed reply is not the streamed one')
  }
  await c.app.chat.drain()
}

async function session (c: ChatSetup) {
  return (await c.app.repos.sessions.find({ scope: `sdk:${c.owner.id}`, personaId: c.persona.id, machineId: c.machine('toll').machine_id, userSessionId: 'p1' }))!
}

for (const kind of ['plain', 'stream'] as const) {
  t.test(`${kind} turns: one summary call per fold, each leaving the 8 newest messages unsummarized (window 16, keep 8)`, async (t) => {
    const c = await chatSetup(t, { example: 'tam-toll-keeper' })
    await init(c)
    const foldedAt: number[] = []
    for (let n = 1; n <= 30; n++) {
      const before = c.requestsOf('summary').length
      await turn(c, kind, `player line ${n}`)
      const s = await session(c)
      if (c.requestsOf('summary').length > before) {
        foldedAt.push(n)
        t.equal(s.message_count - s.summarized_count, 8, `turn ${n}: the fold kept the 8 newest messages`)
      } else {
        t.ok(s.message_count - s.summarized_count <= 16, `turn ${n}: no call while the unsummarized messages fit the window`)
      }
    }
    // Greeting + 2 per turn: 17 messages after turn 8, then 18 unsummarized (10 new after a fold to 8) every 5 turns.
    t.same(foldedAt, [8, 13, 18, 23, 28], 'five folds in 30 turns')
    t.equal(c.requestsOf('summary').length, 5)
  })
}

/** The transcript lines of an evaluation prompt's "Recent conversation" section. */
function recentLines (content: string): string[] {
  const section = /Recent conversation:\n([\s\S]*?)\n\n/.exec(content)
  return section === null ? [] : section[1].split('\n')
}

for (const kind of ['plain', 'stream'] as const) {
  t.test(`${kind} turns: while summaries fail, then lag, the prompts keep the newest 16 unsummarized messages`, async (t) => {
    const c = await chatSetup(t, { example: 'tam-toll-keeper' })
    await init(c)
    c.failing('summary', { status: 500 })
    for (let n = 1; n <= 12; n++) {
      c.reply(`npc line ${n}`)
      await turn(c, kind, `player line ${n}`)
    }
    t.equal((await session(c)).summarized_count, 0, 'nothing summarized: every summary failed')
    t.ok(c.requestsOf('summary').length > 0, 'summaries were attempted')

    // 25 messages stored; the next prompts see seq 10..25: player line 5 … npc line 12, then the new message.
    const expected = [5, 6, 7, 8, 9, 10, 11, 12].flatMap((n) => [`player line ${n}`, `npc line ${n}`])
    c.reply('npc line 13')
    await turn(c, kind, 'player line 13')
    const reply = c.requestsOf('reply').at(-1)!
    t.same(reply.messages.map((m) => m.content), [...expected, 'player line 13'], 'the reply prompt holds the newest messages, oldest first')
    const evaluation = c.requestsOf('evaluate').at(-1)!
    t.same(recentLines(evaluation.messages[0].content), expected.map((line) => `${line.startsWith('player') ? 'Sam' : c.persona.name}: ${line}`),
      'the evaluation prompt holds the same newest messages')

    // A fold that lands late (after 29 messages) still leaves the prompt on the newest unsummarized messages.
    c.failing('summary', null)
    c.reply('npc line 14')
    await turn(c, kind, 'player line 14')
    t.equal((await session(c)).summarized_count, 21, 'the late fold kept the 8 newest of 29')
    c.failing('summary', { status: 500 })
    for (let n = 15; n <= 20; n++) {
      c.reply(`npc line ${n}`)
      await turn(c, kind, `player line ${n}`)
    }
    t.equal((await session(c)).summarized_count, 21, 'the summary lags again')
    c.reply('npc line 21')
    await turn(c, kind, 'player line 21')
    // Unsummarized now seq 22..41; the newest 16 are seq 26..41: player line 13 … npc line 20.
    const newest = [13, 14, 15, 16, 17, 18, 19, 20].flatMap((n) => [`player line ${n}`, `npc line ${n}`])
    t.same(c.requestsOf('reply').at(-1)!.messages.map((m) => m.content), [...newest, 'player line 21'])
  })
}
