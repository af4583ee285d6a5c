// A published persona's graph stays valid even when a save and a publish interleave: each is checked inside its write.
import t from 'tap'
import { bearer, build, register } from '../helpers/build.ts'
import { example, save, saveExample } from '../helpers/examples.ts'

/** The tam example with no initial state: savable, not publishable. */
function invalidBody () {
  const body = example('tam-toll-keeper')
  body.machines[0].states[0].is_initial_state = false
  return body
}

t.test('a publish landing after the save\'s reads, just before its write, refuses the invalid save', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const saved = await saveExample(app, owner)
  const personaId: string = saved.persona.id
  const personas = app.repos.personas
  const realSave = personas.save.bind(personas)
  // Everything the route read says "unpublished"; another request publishes before the write.
  personas.save = async (...args) => {
    personas.save = realSave
    const published = await app.inject({ method: 'POST', url: `/api/v1/personas/${personaId}/publish`, headers: bearer(owner) })
    t.equal(published.statusCode, 200, 'the interleaved publish succeeds')
    return realSave(...args)
  }

  const res = await save(app, owner, invalidBody(), personaId)
  t.equal(res.statusCode, 400)
  t.match(res.json().error.message, /^This persona is published, so its graph must stay valid/)
  const full = await app.inject({ method: 'GET', url: `/api/v1/personas/${personaId}/full`, headers: bearer(owner) })
  t.equal(full.json().persona.is_published, true)
  t.equal(full.json().machines[0].states[0].is_initial_state, true, 'the stored graph is unchanged')
  const validation = await app.inject({ method: 'GET', url: `/api/v1/personas/${personaId}/validate`, headers: bearer(owner) })
  t.strictSame(validation.json().errors, [], 'the published persona is still publishable')
})

t.test('a save landing after the publish\'s reads, just before its write, refuses the publish', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const saved = await saveExample(app, owner)
  const personaId: string = saved.persona.id
  const personas = app.repos.personas
  const realSetPublished = personas.setPublished.bind(personas)
  // Everything the route read says "valid"; another request saves an invalid graph before the write.
  personas.setPublished = async (...args) => {
    personas.setPublished = realSetPublished
    t.equal((await save(app, owner, invalidBody(), personaId)).statusCode, 200, 'the interleaved save of the unpublished persona succeeds')
    return realSetPublished(...args)
  }

  const res = await app.inject({ method: 'POST', url: `/api/v1/personas/${personaId}/publish`, headers: bearer(owner) })
  t.equal(res.statusCode, 400)
  t.match(res.json().error.message, /^Cannot publish: 1 validation error: /)
  const full = await app.inject({ method: 'GET', url: `/api/v1/personas/${personaId}/full`, headers: bearer(owner) })
  t.equal(full.json().persona.is_published, false, 'the invalid graph was not published')
})

t.test('publishing a persona deleted just before the write answers 404', async (t) => {
  const app = await build(t)
  const owner = await register(app)
  const saved = await saveExample(app, owner)
  const personas = app.repos.personas
  const realSetPublished = personas.setPublished.bind(personas)
  personas.setPublished = async (...args) => {
    personas.setPublished = realSetPublished
    t.equal(await personas.delete(saved.persona.id), true)
    return realSetPublished(...args)
  }
  const res = await app.inject({ method: 'POST', url: `/api/v1/personas/${saved.persona.id}/publish`, headers: bearer(owner) })
  t.equal(res.statusCode, 404)
  t.strictSame(res.json(), { error: { message: 'Persona not found' } })
})
