// The docs plugin alone: the document's header matches the published openapi/openapi.json, schemas are named by $id, /docs points "Try it out" at this server.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import docs from '../../src/plugins/docs.ts'

const published = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))

async function docsApp (t: Test) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(docs)
  app.addSchema({ $id: 'Thing', type: 'object', properties: { name: { type: 'string' } } })
  app.get('/api/v1/things', { schema: { tags: ['personas'], response: { 200: { type: 'array', items: { $ref: 'Thing#' } } } } }, async () => [])
  app.get('/hidden', { schema: { hide: true } }, async () => ({}))
  await app.ready()
  return app
}

t.test('the document header is the published one: OpenAPI version, info, servers, security schemes, tags', async (t) => {
  const app = await docsApp(t)
  const doc = app.swagger() as Record<string, any>
  t.equal(doc.openapi, published.openapi)
  t.same(doc.info, published.info)
  t.same(doc.servers, published.servers)
  t.same(doc.components.securitySchemes, published.components.securitySchemes)
  t.same(doc.tags, published.tags)
})

t.test('schemas with an $id are components under that name; /openapi.json serves the document; hidden routes stay out', async (t) => {
  const app = await docsApp(t)
  const res = await app.inject('/openapi.json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.same(doc.components.schemas.Thing, { type: 'object', properties: { name: { type: 'string' } } })
  t.same(doc.paths['/api/v1/things'].get.responses[200].content['application/json'].schema, { type: 'array', items: { $ref: '#/components/schemas/Thing' } })
  t.notOk('/hidden' in doc.paths)
  t.notOk('/openapi.json' in doc.paths, 'the document route itself is hidden')
})

t.test('Swagger UI\'s copy (/docs/try) of the document points at the server that served it', async (t) => {
  const app = await docsApp(t)
  const res = await app.inject({ url: '/docs/try/json', headers: { host: 'games.example:8080' } })
  t.equal(res.statusCode, 200)
  t.same(res.json().servers, [{ url: 'http://games.example:8080', description: 'This server' }])
  t.same(res.json().info, published.info)
})
