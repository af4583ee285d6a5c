// Personas repository saves: the stored graph is the authored one, machines kept, changed and dropped, transition ids kept or reassigned, publish checks.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { PersonaGraph } from '../../src/engine/graph.ts'
import type { StoredGraph } from '../../src/repositories/contract.ts'
import { toGraph } from '../../src/routes/web/creator.ts'
import { example } from '../helpers/examples.ts'
import { withUser } from '../helpers/repositories.ts'

async function setup (t: Test) {
  const { repos, user } = await withUser(t)
  return { repo: repos.personas, ownerId: user.id }
}

const copy = <T> (value: T): T => JSON.parse(JSON.stringify(value)) as T

/** A graph without its machine and transition ids (the authored graph as toGraph gives it has none). */
function authored (graph: PersonaGraph | StoredGraph) {
  return copy({
    ...graph,
    machines: graph.machines.map(({ machine_id: _id, ...m }) => ({ ...m, transitions: m.transitions.map(({ transition_id: _t, ...tr }) => tr) }))
  })
}

t.test('a saved graph loads back as authored: every state, transition, output variable, link and variable', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  t.ok(graph.machines.every((m) => m.states.length > 0 && m.transitions.length > 0), 'both machines have states and transitions')
  t.ok(graph.machines.some((m) => m.output_variables.length > 0), 'a machine has output variables')
  const { loaded } = await repo.save(ownerId, null, fields, graph)
  t.same(authored(loaded.graph), authored(graph))
  t.same(authored((await repo.loadGraph(loaded.persona.id))!.graph), authored(graph))
})

t.test('a machine without states, transitions or output variables saves, and loads back empty', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const bare = { ...graph.machines[0], machine_key: 'bare', display_order: 9, states: [], transitions: [], output_variables: [] }
  const withBare = { ...graph, machines: [...graph.machines, bare] }
  const { loaded } = await repo.save(ownerId, null, fields, withBare)
  t.same(authored(loaded.graph), authored(withBare))
  const empty = { machines: [bare], machine_links: [], variables: [] }
  const again = await repo.save(ownerId, loaded.persona.id, fields, empty)
  t.same(authored(again.loaded.graph), authored(empty), 'a graph of one bare machine, no links, no variables')
})

t.test('a re-save updates kept machines in place (same ids), adds new ones and removes dropped ones', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const first = await repo.save(ownerId, null, fields, graph)
  t.equal(first.created, true)
  const [door] = first.loaded.graph.machines

  const changed = copy(graph)
  changed.machines = [{ ...changed.machines[0], name: 'Front door', pass_threshold: 7 }, { ...changed.machines[0], machine_key: 'back', name: 'Back door', display_order: 5 }]
  changed.machine_links = []
  const second = await repo.save(ownerId, first.loaded.persona.id, { ...fields, name: 'Renamed' }, changed)
  t.equal(second.created, false, 'a re-save does not create')
  t.equal(second.loaded.persona.name, 'Renamed')
  t.same(second.loaded.graph.machines.map((m) => m.machine_key), ['door', 'back'], 'vip is gone, back is new')
  t.equal(second.loaded.graph.machines[0].machine_id, door.machine_id, 'door keeps its id')
  t.equal(second.loaded.graph.machines[0].name, 'Front door', 'and takes its new fields')
  t.equal(second.loaded.graph.machines[0].pass_threshold, 7)
  t.not(second.loaded.graph.machines[1].machine_id, door.machine_id)
  t.same(authored(second.loaded.graph), authored(changed))
  t.same(await repo.loadGraph(first.loaded.persona.id), second.loaded)
})

t.test('transition ids: kept on a re-save of the same persona, reassigned when another persona holds them', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const first = (await repo.save(ownerId, null, fields, graph)).loaded
  const ids = first.graph.machines.flatMap((m) => m.transitions.map((tr) => tr.transition_id))
  const resaved = (await repo.save(ownerId, first.persona.id, fields, first.graph)).loaded
  t.same(resaved.graph.machines.flatMap((m) => m.transitions.map((tr) => tr.transition_id)), ids, 'the same persona keeps its ids')

  // A copy of the stored graph (ids included) saved as a second persona: every id is taken, so each is replaced.
  const other = (await repo.save(ownerId, null, fields, first.graph)).loaded
  const otherIds = other.graph.machines.flatMap((m) => m.transitions.map((tr) => tr.transition_id))
  t.equal(otherIds.length, ids.length)
  t.equal(otherIds.filter((id) => ids.includes(id)).length, 0, 'no id of the first persona is reused')
  t.same(authored(other.graph), authored(first.graph))
  t.same(await repo.loadGraph(first.persona.id), resaved, 'the first persona is untouched')
})

t.test('more than 500 taken transition ids are all found (the lookup runs in batches)', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('vex-bouncer'))
  const [door] = graph.machines
  const transitions = Array.from({ length: 620 }, (_, i) => ({ ...door.transitions[0], transition_id: randomUUID(), priority: i }))
  const big = { machines: [{ ...door, transitions }], machine_links: [], variables: [] }
  const first = (await repo.save(ownerId, null, fields, big)).loaded
  t.same(first.graph.machines[0].transitions.map((tr) => tr.transition_id), transitions.map((tr) => tr.transition_id), 'free UUIDs are kept')
  const second = (await repo.save(ownerId, null, fields, big)).loaded
  const reused = second.graph.machines[0].transitions.filter((tr) => transitions.some((given) => given.transition_id === tr.transition_id))
  t.equal(reused.length, 0, 'every one of the 620 taken ids is replaced')
  t.equal(second.graph.machines[0].transitions.length, 620)
})

t.test('saving over a persona that does not exist throws and writes nothing', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  const missing = randomUUID()
  await t.rejects(repo.save(ownerId, missing, fields, graph), { message: `persona ${missing} vanished during save` })
  t.equal(await repo.count(), 0)
})

t.test('save runs its check on the stored persona inside the write; a throwing check writes nothing', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  const { loaded } = await repo.save(ownerId, null, fields, graph)
  const seen: unknown[] = []
  await repo.save(ownerId, loaded.persona.id, { ...fields, name: 'Checked' }, graph, (current) => { seen.push(current) })
  t.same(seen, [loaded.persona], 'the check sees the persona as stored before the save')
  await t.rejects(repo.save(ownerId, loaded.persona.id, { ...fields, name: 'Refused' }, graph, () => { throw new Error('no') }), { message: 'no' })
  t.equal((await repo.findById(loaded.persona.id))?.name, 'Checked')
})

t.test('setPublished runs its check on the stored graph; a throwing check publishes nothing; an unknown persona is null', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  const { loaded } = await repo.save(ownerId, null, fields, graph)
  await t.rejects(repo.setPublished(loaded.persona.id, true, () => { throw new Error('not publishable') }), { message: 'not publishable' })
  t.equal((await repo.findById(loaded.persona.id))?.is_published, false)
  const seen: unknown[] = []
  t.equal((await repo.setPublished(loaded.persona.id, true, (g) => { seen.push(g) }))?.is_published, true)
  t.same(seen, [loaded])
  let called = false
  t.equal(await repo.setPublished(randomUUID(), true, () => { called = true }), null)
  t.equal(called, false, 'no check without a persona')
})

t.test('count counts the personas', async (t) => {
  const { repo, ownerId } = await setup(t)
  const { fields, graph } = toGraph(example('tam-toll-keeper'))
  t.equal(await repo.count(), 0)
  await repo.save(ownerId, null, fields, graph)
  await repo.save(ownerId, null, fields, graph)
  t.equal(await repo.count(), 2)
})
