// Personas repository: loadGraph shape, transactional save (rollback on a failure mid-write), SDK list.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { toGraph } from '../../src/routes/web/creator.ts'
import { example } from '../helpers/examples.ts'
import { withUser } from '../helpers/repositories.ts'

async function setup (t: Test) {
  const { db, repos, user } = await withUser(t)
  return { db, repo: repos.personas, ownerId: user.id }
}

t.test('loadGraph returns null for an unknown persona', async (t) => {
  const { repo } = await setup(t)
  t.equal(await repo.loadGraph(randomUUID()), null)
  t.equal(await repo.findById(randomUUID()), null)
})

t.test('loadGraph returns the persona and the graph with every machine_id and transition_id filled', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const { created, loaded } = await repo.save(ownerId, null, fields, graph)
  t.equal(created, true)
  const again = await repo.loadGraph(loaded.persona.id)
  t.strictSame(again, loaded)
  t.equal(again?.persona.owner_id, ownerId)
  t.strictSame(again?.graph.machines.map((m) => m.machine_key), ['door', 'vip'])
  for (const m of again?.graph.machines ?? []) {
    t.type(m.machine_id, 'string')
    for (const tr of m.transitions) t.type(tr.transition_id, 'string')
  }
  t.strictSame(again?.graph.machine_links, graph.machine_links)
  t.strictSame(again?.graph.variables, graph.variables)
})

t.test('a save that fails half-way (a constraint the route would have caught) rolls back completely', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const { loaded: before } = await repo.save(ownerId, null, fields, graph)

  const broken = toGraph(example('vex-bouncer'))
  broken.fields.name = 'Changed'
  broken.graph.machines[0].name = 'Changed door'
  // Written after door's update: vip's duplicate state key violates the (machine_id, state_key) key.
  broken.graph.machines[1].states.push({ ...broken.graph.machines[1].states[0] })
  await t.rejects(() => repo.save(ownerId, before.persona.id, broken.fields, broken.graph))
  t.strictSame(await repo.loadGraph(before.persona.id), before, 'persona, machines and states exactly as before')
})

t.test('updated_at strictly increases on every save, even within one millisecond', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  let previous = (await repo.save(ownerId, null, fields, graph)).loaded.persona
  for (let i = 0; i < 5; i++) {
    const next = (await repo.save(ownerId, previous.id, fields, graph)).loaded.persona
    t.ok(next.updated_at > previous.updated_at, `save ${i + 1}`)
    t.equal(next.created_at, previous.created_at)
    previous = next
  }
})

t.test('listPublishedByOwner, setPublished and delete', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  const { loaded } = await repo.save(ownerId, null, fields, graph)
  t.strictSame(await repo.listPublishedByOwner(ownerId), [])
  t.equal((await repo.setPublished(loaded.persona.id, true))?.is_published, true)
  t.strictSame(await repo.listPublishedByOwner(ownerId), [{
    id: loaded.persona.id, name: 'Old Tam', description: fields.description, created_at: loaded.persona.created_at, updated_at: loaded.persona.updated_at
  }])
  t.equal(await repo.setPublished(randomUUID(), true), null)
  t.equal(await repo.delete(loaded.persona.id), true)
  t.equal(await repo.delete(loaded.persona.id), false)
  t.strictSame(await repo.listPublishedByOwner(ownerId), [])
  t.equal(await repo.count(), 0)
})
