// SDK rate limits on the real chat routes are counted per API key, for the Chat category (turns) as for General (the rest).
import t from 'tap'
import { createKey } from '../helpers/build.ts'
import { chatSetup, type ChatSetup } from '../helpers/chat.ts'

// Fresh apps and many requests against the fake LLM: more than the default file timeout on a loaded machine.
t.setTimeout(240_000)

type Call = (c: ChatSetup, key: string, ip: string) => Promise<{ statusCode: number, headers: Record<string, unknown> }>

const player = { user_session_id: 'p1', player_name: 'Sam', player_gender: 'male' }

const cases: Array<[string, Record<string, string>, Call]> = [
  ['SDK Chat (init-session)', { RATE_LIMIT_SDK_CHAT: '2', RATE_LIMIT_SDK_GENERAL: '50' },
    (c, key, ip) => c.app.inject({ method: 'POST', url: `/api/v1/sdk/chat/${c.persona.id}/init-session`, headers: { 'x-api-key': key, 'x-llm-api-key': 'sk-test-limit-0123456789' }, payload: player, remoteAddress: ip })],
  ['SDK Chat (message/stream)', { RATE_LIMIT_SDK_CHAT: '2', RATE_LIMIT_SDK_GENERAL: '50' },
    (c, key, ip) => c.app.inject({ method: 'POST', url: `/api/v1/sdk/chat/${c.persona.id}/message/stream`, headers: { 'x-api-key': key, 'x-llm-api-key': 'sk-test-limit-0123456789' }, payload: { user_session_id: 'nobody', message: 'hi' }, remoteAddress: ip })],
  ['SDK General (machines)', { RATE_LIMIT_SDK_CHAT: '50', RATE_LIMIT_SDK_GENERAL: '2' },
    (c, key, ip) => c.app.inject({ method: 'GET', url: `/api/v1/sdk/chat/${c.persona.id}/machines?user_session_id=p1`, headers: { 'x-api-key': key }, remoteAddress: ip })]
]

for (const [name, env, call] of cases) {
  t.test(`${name} is limited per API key, not per IP`, async (t) => {
    const c = await chatSetup(t, { env })
    const other = await createKey(c.app, c.owner, 'second game')
    for (let i = 1; i <= 2; i++) {
      const res = await call(c, c.key, '10.0.0.1')
      t.not(res.statusCode, 429, `request ${i} of the key passes`)
      t.equal(res.headers['x-ratelimit-limit'], '2')
    }
    t.equal((await call(c, c.key, '10.0.0.9')).statusCode, 429, 'the same key from another IP is still limited')
    const fresh = await call(c, other, '10.0.0.1')
    t.not(fresh.statusCode, 429, 'another key of the same owner from the same IP has its own bucket')
    t.equal(fresh.headers['x-ratelimit-remaining'], '1')
  })
}
