// The chat resolver over stand-in repositories: access per viewer, the machine a target names, locks, the session's state, in the documented order.
import t from 'tap'
import { createResolver, playerOf, scopeOf, SESSION_NOT_FOUND, toChat, type Context } from '../../src/engine/chat-context.ts'
import type { Viewer } from '../../src/engine/chat-types.ts'

const OWNER = 'owner-1'
const sdk: Viewer = { kind: 'sdk', ownerId: OWNER }
const machine = (key: string, extra: Record<string, unknown> = {}) => ({
  machine_id: `id-${key}`, machine_key: key, is_entry: false, states: [{ state_key: 'ask' }, { state_key: 'done' }], ...extra
})

function resolverFor (opts: { published?: boolean, machines?: Array<ReturnType<typeof machine>>, unlocked?: string[], session?: Record<string, unknown> | null }) {
  const persona = { id: 'p1', owner_id: OWNER, is_published: opts.published ?? true }
  const graph = { machines: opts.machines ?? [machine('intro', { is_entry: true }), machine('later')], machine_links: [] }
  const asked: string[] = []
  const repos = {
    personas: { async loadGraph (id: string) { asked.push(`persona ${id}`); return id === 'p1' ? { persona, graph } : null } },
    sessions: {
      async progress (scope: string) { asked.push(`progress ${scope}`); return { unlocked_machine_keys: opts.unlocked ?? [], completed: [] } },
      async find () { return opts.session === undefined ? { outcome: null, current_state: 'ask' } : opts.session }
    }
  }
  const resolver = createResolver({ repos: repos as never, llm_config: { defaultModel: 'openai/gpt-4o-mini', serverKey: 'sk-server-0123456789', allowServerKeyForSdk: false } })
  return { resolver, asked }
}

const target = (machineId: string | null, viewer: Viewer = sdk, personaId = 'p1') => ({ viewer, personaId, machineId, userSessionId: 'player-7' })

t.test('scopes, players and chat messages', async (t) => {
  t.equal(scopeOf(sdk), `sdk:${OWNER}`, 'every API key of an owner shares its sessions')
  t.equal(scopeOf({ kind: 'web', userId: 'u9', role: 'user' }), 'user:u9')
  t.same(playerOf({ player_name: 'Ada', player_gender: 'female' } as never), { name: 'Ada', gender: 'female' })
  t.same(toChat([{ role: 'user', content: 'Hi', seq: 1, created_at: 'x' }, { role: 'assistant', content: 'Coin?', seq: 2 }] as never), [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Coin?' }])
})

t.test('a target without a machine gets the entry machine; a named one gets itself', async (t) => {
  const { resolver, asked } = resolverFor({ machines: [machine('later'), machine('intro', { is_entry: true })], unlocked: ['later'] })
  const entry = await resolver.resolve(target(null))
  t.equal(entry.machine.machine_key, 'intro')
  t.same(entry.key, { scope: `sdk:${OWNER}`, personaId: 'p1', machineId: 'id-intro', userSessionId: 'player-7' })
  t.equal(entry.queueKey, `sdk:${OWNER}|p1|id-intro|player-7`)
  t.same(asked, ['persona p1', `progress sdk:${OWNER}`])
  t.equal((await resolver.resolve(target('id-later'))).machine.machine_key, 'later', 'a named machine, not the entry one')
})

t.test('each refusal, with its status and message', async (t) => {
  // The message exactly (t.rejects would match a longer message that contains it).
  const refuses = async (opts: Parameters<typeof resolverFor>[0], tg: ReturnType<typeof target>, statusCode: number, message: string) => {
    const err = await resolverFor(opts).resolver.resolve(tg).then(() => null, (e: { statusCode: number, message: string }) => e)
    t.same(err === null ? null : { statusCode: err.statusCode, message: err.message }, { statusCode, message }, message)
  }
  await refuses({}, target(null, sdk, 'p2'), 404, 'Persona not found')
  await refuses({}, target(null, { kind: 'sdk', ownerId: 'someone-else' }), 403, 'This persona belongs to another account')
  await refuses({ published: false }, target(null), 403, 'Persona is not published')
  await refuses({ published: false }, target(null, { kind: 'web', userId: 'u9', role: 'user' }), 403, 'Persona is not published')
  await refuses({ published: false }, target(null, { kind: 'web', userId: OWNER, role: 'guest' }), 403, 'Persona is not published')
  await refuses({ machines: [machine('later')] }, target(null), 404, 'Machine not found: the persona has no entry machine')
  await refuses({}, target('id-nowhere'), 404, 'Machine not found')
  await refuses({}, target('id-later'), 403, 'Machine is locked for this player')
  await t.resolves(resolverFor({ published: false }).resolver.resolve(target(null, { kind: 'web', userId: OWNER, role: 'user' })), 'the owner previews an unpublished persona on the web')
  await t.resolves(resolverFor({}).resolver.resolve(target(null, { kind: 'web', userId: 'u9', role: 'guest' })), 'anyone may chat with a published persona on the web')
})

t.test('the session and its state', async (t) => {
  const ctx = async (session: Record<string, unknown> | null) => {
    const { resolver } = resolverFor({ session })
    return { resolver, ctx: await resolver.resolve(target(null)) as Context }
  }
  const none = await ctx(null)
  await t.rejects(none.resolver.existing(none.ctx), { statusCode: 404, message: SESSION_NOT_FOUND })
  await t.rejects(none.resolver.activeSession(none.ctx), { statusCode: 404, message: SESSION_NOT_FOUND })
  const ended = await ctx({ outcome: 'ACCEPT', current_state: 'done' })
  t.match(await ended.resolver.existing(ended.ctx), { outcome: 'ACCEPT' }, 'an ended session still exists')
  await t.rejects(ended.resolver.activeSession(ended.ctx), { statusCode: 400, message: 'The conversation has ended; start a new session' })
  const open = await ctx({ outcome: null, current_state: 'ask' })
  t.match(await open.resolver.activeSession(open.ctx), { current_state: 'ask' })

  t.same(open.resolver.stateOf(open.ctx.machine, 'done'), { state_key: 'done' }, 'the state with that key, not the first one')
  t.throws(() => open.resolver.stateOf(open.ctx.machine, 'gone'), { statusCode: 400, message: 'The session\'s state "gone" no longer exists in this machine; start a new session' })
})

t.test('the server key serves web chat always and SDK chat only when allowed', async (t) => {
  const { resolver } = resolverFor({})
  const web = await resolver.resolve(target(null, { kind: 'web', userId: OWNER, role: 'user' }))
  t.equal(resolver.stepConfigs(web, {}).eval.apiKey, 'sk-server-0123456789')
  const game = await resolver.resolve(target(null))
  t.throws(() => resolver.stepConfigs(game, {}), { statusCode: 400, code: 'RAPPORT_LLM_KEY_MISSING' })
  t.equal(resolver.stepConfigs(game, { 'x-llm-api-key': 'sk-caller-0123456789' }).response.apiKey, 'sk-caller-0123456789')
})
