// Personas repository lists: what each viewer sees (own, published, mine, public only), newest first, paged; the administrators' full list.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ListOptions } from '../../src/repositories/contract.ts'
import { toGraph } from '../../src/routes/web/creator.ts'
import { example } from '../helpers/examples.ts'
import { withUser } from '../helpers/repositories.ts'

t.test('list: own and published personas by viewer and filter, newest first, paged; listAll pages every persona', async (t) => {
  const { repos, user } = await withUser(t)
  const other = await repos.users.create({ email: 'b@example.com', passwordHash: null, displayName: null, role: 'user' })
  if (!other) throw new Error('no user')
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  const ids: Record<string, string> = {}
  // A: mine published, B: mine private, C: other's published, D: other's private; created in this order.
  for (const [name, owner, published] of [['A', user.id, true], ['B', user.id, false], ['C', other.id, true], ['D', other.id, false]] as const) {
    const { loaded } = await repos.personas.save(owner, null, { ...fields, name }, graph)
    if (published) await repos.personas.setPublished(loaded.persona.id, true)
    ids[loaded.persona.id] = name
    await sleep(3)
  }
  const cases: Array<[string, Partial<ListOptions>, string[]]> = [
    ['a signed-in viewer: published and own', { viewerId: user.id }, ['C', 'B', 'A']],
    ['a signed-in viewer, public only', { viewerId: user.id, publicOnly: true }, ['C', 'A']],
    ['mine', { viewerId: user.id, mine: true }, ['B', 'A']],
    ['mine, public only', { viewerId: user.id, mine: true, publicOnly: true }, ['A']],
    ['anonymous: published only', { viewerId: null }, ['C', 'A']],
    ['anonymous asking for mine: published only', { viewerId: null, mine: true }, ['C', 'A']],
    ['the other viewer: published and own', { viewerId: other.id }, ['D', 'C', 'A']],
    ['paged', { viewerId: user.id, limit: 1, offset: 1 }, ['B']]
  ]
  for (const [name, options, expected] of cases) {
    const list = await repos.personas.list({ viewerId: null, publicOnly: false, mine: false, limit: 10, offset: 0, ...options })
    t.same(list.map((p) => ids[p.id]), expected, name)
  }
  const all = await repos.personas.list({ viewerId: user.id, publicOnly: false, mine: true, limit: 10, offset: 0 })
  t.same(all[0], await repos.personas.findById(all[0].id), 'list items are persona views')
  t.same((await repos.personas.listAll(10, 0)).map((p) => ids[p.id]), ['D', 'C', 'B', 'A'])
  t.same((await repos.personas.listAll(2, 1)).map((p) => ids[p.id]), ['C', 'B'])
})
