// OpenAPI shaping of incomplete operations: bodies and responses without JSON schemas, PATCH bodies, query names that look like headers, a declared 400.
import t from 'tap'
import { documentTransform } from '../../src/plugins/openapi-shape.ts'

const INFO = 'x-rapport-route'
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` })

const shape = (paths: Record<string, Record<string, object>>) =>
  documentTransform({ openapiObject: { info: { title: 'T' }, components: { schemas: { Thing: { type: 'object' } } }, paths } }).paths

t.test('a PATCH has a body: 400, 413 and 415 are documented as for POST and PUT', async (t) => {
  const paths = shape({ '/a': { patch: { [INFO]: { auth: 'none', limited: false }, responses: { 200: { description: 'Default Response' } } } } })
  t.same(Object.keys(paths['/a'].patch.responses), ['200', '400', '413', '415', '500', '503'])
})

t.test('request bodies without a JSON schema, or without content, are optional and do not break the shaping', async (t) => {
  const paths = shape({
    '/none': { post: { [INFO]: { auth: 'none', limited: false }, requestBody: {}, responses: {} } },
    '/text': { post: { [INFO]: { auth: 'none', limited: false }, requestBody: { content: { 'text/plain': { schema: { type: 'string' } } } }, responses: {} } },
    '/noschema': { post: { [INFO]: { auth: 'none', limited: false }, requestBody: { content: { 'application/json': {} } }, responses: {} } }
  })
  for (const p of ['/none', '/text', '/noschema']) t.equal(paths[p].post.requestBody.required, false, p)
})

t.test('success descriptions: streams and untyped arrays say the status; a list of refs under another status says Success', async (t) => {
  const paths = shape({
    '/stream': { get: { [INFO]: { auth: 'none', limited: false }, responses: { 200: { description: 'Default Response', content: { 'text/event-stream': { schema: { type: 'string' } } } } } } },
    '/array': { get: { [INFO]: { auth: 'none', limited: false }, responses: { 200: { description: 'Default Response', content: { 'application/json': { schema: { type: 'array' } } } } } } },
    '/accepted': { get: { [INFO]: { auth: 'none', limited: false }, responses: { 202: { description: 'Default Response', content: { 'application/json': { schema: { type: 'array', items: ref('schemas', 'Thing') } } } } } } }
  })
  t.equal(paths['/stream'].get.responses[200].description, 'OK')
  t.equal(paths['/array'].get.responses[200].description, 'OK')
  t.equal(paths['/accepted'].get.responses[202].description, 'Success: a list of Thing')
})

t.test('only header parameters become header references; a query parameter without a schema is kept', async (t) => {
  const params = [{ in: 'query', name: 'Idempotency-Key', required: false }, { in: 'query', name: 'q', required: true }]
  const paths = shape({ '/q': { get: { [INFO]: { auth: 'none', limited: false }, parameters: structuredClone(params), responses: {} } } })
  t.same(paths['/q'].get.parameters, params)
})

t.test('a 400 the route declares itself is documented by the shared response even without body or parameters', async (t) => {
  const paths = shape({ '/x': { get: { [INFO]: { auth: 'none', limited: false }, responses: { 200: { description: 'Done' }, 400: { description: 'own text' } } } } })
  t.same(paths['/x'].get.responses, { 200: { description: 'Done' }, 400: ref('responses', 'BadRequest'), 500: ref('responses', 'InternalServerError'), 503: ref('responses', 'ServiceUnavailable') })
})
