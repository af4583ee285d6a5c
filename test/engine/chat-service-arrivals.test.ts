// How the chat service takes messages in, over stand-in repositories: the queue it is given, and arrivals kept apart per target.
import t from 'tap'
import { createChatService } from '../../src/engine/chat-service.ts'
import type { Viewer } from '../../src/engine/chat-types.ts'
import type { SessionQueue } from '../../src/engine/session-queue.ts'

const OWNER = 'owner-1'
const sdk: Viewer = { kind: 'sdk', ownerId: OWNER }
const persona = { id: 'p1', owner_id: OWNER, is_published: true }
const graph = { machines: [{ machine_id: 'm1', machine_key: 'intro', is_entry: true, states: [{ state_key: 'ask' }] }], machine_links: [] }

/** A service whose persona reads wait on `gates[personaId]` when one is set; there is never a session. */
function service (opts: { queue?: SessionQueue, gates?: Record<string, Promise<void>> } = {}) {
  const repos = {
    personas: {
      async loadGraph (id: string) {
        await opts.gates?.[id]
        return id === 'p1' ? { persona, graph } : null
      }
    },
    sessions: {
      async progress () { return { unlocked_machine_keys: [], completed: {}, memory_summary: '' } },
      async find () { return null }
    }
  }
  return createChatService({
    repos: repos as never,
    llm: {} as never,
    llm_config: { defaultModel: 'openai/gpt-4o-mini', serverKey: null, allowServerKeyForSdk: false } as never,
    log: { warn () {}, error () {} },
    ...(opts.queue ? { queue: opts.queue } : {})
  })
}

const message = (personaId: string, userSessionId = 'player-7') =>
  ({ viewer: sdk, personaId, machineId: null, userSessionId, headers: { 'x-llm-api-key': 'sk-test-0123456789' }, message: 'Hi' })

t.test('a message waits on the queue the service was given, under its session key, and releases it', async (t) => {
  const taken: string[] = []
  let released = 0
  const queue: SessionQueue = {
    async acquire (key) { taken.push(key); return () => { released++ } },
    async run (_key, task) { return await task() },
    size: 0
  }
  await t.rejects(service({ queue }).sendMessage(message('p1')), { statusCode: 404, message: 'Session not found: call init-session first' })
  t.same(taken, [`sdk:${OWNER}|p1|m1|player-7`])
  t.equal(released, 1, 'released once the turn failed')
})

t.test('a slow read for one target does not hold back messages to another', async (t) => {
  let open = () => {}
  const gate = new Promise<void>((resolve) => { open = resolve })
  const chat = service({ gates: { slow: gate } })
  const slow = chat.sendMessage(message('slow'))
  slow.catch(() => {})
  const other = chat.sendMessage(message('p2'))
  const settled = other.then(() => 'answered', () => 'answered')
  let timer: NodeJS.Timeout | undefined
  const waited = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('still waiting'), 1000) })
  t.equal(await Promise.race([settled, waited]), 'answered', 'the other persona is resolved while the slow read is pending')
  clearTimeout(timer)
  await t.rejects(other, { statusCode: 404, message: 'Persona not found' })
  open()
  await t.rejects(slow, { statusCode: 404, message: 'Persona not found' })
})
