// The OpenAPI shaping steps alone: what the route transform records and how the document transform writes parameters, security and responses.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { documentTransform, routeTransform } from '../../src/plugins/openapi-shape.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string, license: string, homepage: string }
const INFO = 'x-rapport-route'
const rate = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` })
const json = (schema: object) => ({ content: { 'application/json': { schema } } })

t.test('routeTransform records auth and whether the route is rate limited; hidden or schemaless routes pass through', async (t) => {
  t.same(routeTransform({ schema: { summary: 'a' }, url: '/a', route: {} }), { schema: { summary: 'a', [INFO]: { auth: 'none', limited: true } }, url: '/a' })
  t.same(routeTransform({ schema: { summary: 'b' }, url: '/b', route: { config: { auth: 'api-key', limit: 'sdkChat' } } }).schema[INFO], { auth: 'api-key', limited: true })
  t.same(routeTransform({ schema: { summary: 'c' }, url: '/c', route: { config: { auth: 'admin', limit: false } } }).schema[INFO], { auth: 'admin', limited: false })
  const hidden = { hide: true }
  t.equal(routeTransform({ schema: hidden, url: '/h', route: { config: { auth: 'jwt' } } }).schema, hidden)
  t.equal(routeTransform({ schema: undefined as never, url: '/n', route: {} }).schema, undefined)
})

function doc (paths: Record<string, Record<string, object>>) {
  return { info: { title: 'T', description: 'D' }, components: { schemas: { Body: { type: 'object', required: ['x'] }, Loose: { type: 'object' } } }, paths }
}

t.test('info carries the package version and license; shared parameters, headers and responses become components', async (t) => {
  const out = documentTransform({ openapiObject: doc({}) })
  t.same(out.info.title, 'T')
  t.equal(out.info.description, 'D')
  t.equal(out.info.version, pkg.version)
  t.same(out.info.license, { name: pkg.license, identifier: pkg.license })
  t.same(out.info.contact, { name: 'Rapport', url: pkg.homepage }, 'the project URL is package.json\'s homepage')
  t.match(pkg.homepage, /^https:\/\//)
  t.same(out.components.parameters.IdempotencyKey, { name: 'Idempotency-Key', in: 'header', required: false, description: out.components.parameters.IdempotencyKey.description, schema: { type: 'string' }, example: out.components.parameters.IdempotencyKey.example })
  t.match(out.components.parameters.IdempotencyKey.description, /unique string/)
  t.same(Object.keys(out.components.headers), ['RetryAfter', 'XRateLimitLimit', 'XRateLimitRemaining', 'XRateLimitReset'])
  t.same(out.components.responses.TooManyRequests.headers, Object.fromEntries(['Retry-After', ...rate].map((h) => [h, ref('headers', h.replace(/-/g, ''))])))
  t.same(out.components.responses.ServiceUnavailable.headers, { 'Retry-After': ref('headers', 'RetryAfter') })
  t.notOk('headers' in out.components.responses.NotFound)
  t.same(out.components.responses.NotFound.content, json(ref('schemas', 'ErrorResponse')).content)
  t.same(out.components.schemas.Body, { type: 'object', required: ['x'] }, 'schemas are kept')
})

t.test('an unauthenticated GET without parameters: no security, 500 and 503 only, success text from its status', async (t) => {
  const out = documentTransform({
    openapiObject: doc({
      '/api/v1/things': { get: { [INFO]: { auth: 'none', limited: false }, parameters: [], responses: { 200: { description: 'Default Response', ...json({ type: 'array', items: ref('schemas', 'Thing') }) } } } }
    })
  })
  const op = out.paths['/api/v1/things'].get
  t.notOk(INFO in op, 'the route record is removed')
  t.notOk('parameters' in op, 'an empty parameter list is removed')
  t.same(op.security, [])
  t.same(Object.keys(op.responses), ['200', '500', '503'])
  t.equal(op.responses[200].description, 'OK: a list of Thing')
  t.notOk('headers' in op.responses[200], 'not limited: no rate-limit headers')
  t.same(op.responses[500], ref('responses', 'InternalServerError'))
  t.same(op.responses[503], ref('responses', 'ServiceUnavailable'))
})

t.test('a limited POST with a body and auth: 400, 401, 413, 415, 429 too, rate headers on success, optional body when nothing is required', async (t) => {
  const out = documentTransform({
    openapiObject: doc({
      '/api/v1/items': {
        post: {
          [INFO]: { auth: 'jwt', limited: true },
          security: [{ bearerAuth: [] }],
          requestBody: json(ref('schemas', 'Loose')),
          responses: { 201: { description: 'Default Response', headers: { 'X-Other': { description: 'kept' } } }, 409: { description: 'Conflict here' }, 404: { description: 'route text' } }
        },
        put: { [INFO]: { auth: 'user', limited: false }, requestBody: json(ref('schemas', 'Body')), responses: { 204: { description: 'Default Response' } } },
        patch: { [INFO]: { auth: 'user', limited: false }, requestBody: json({ type: 'object', required: [] }), responses: { 202: { description: 'Default Response' } } },
        delete: { [INFO]: { auth: 'jwt-optional', limited: false }, responses: { 200: { description: 'Deleted it' } } }
      }
    })
  })
  const { post, put, patch, delete: del } = out.paths['/api/v1/items']
  t.same(Object.keys(post.responses), ['201', '400', '401', '404', '409', '413', '415', '429', '500', '503'])
  t.same(post.responses[404], ref('responses', 'NotFound'), 'a shared status points at the component')
  t.same(post.responses[409], { description: 'Conflict here' }, 'a status without a shared component is kept')
  t.equal(post.responses[201].description, 'Created')
  t.same(post.responses[201].headers, { 'X-Other': { description: 'kept' }, ...Object.fromEntries(rate.map((h) => [h, ref('headers', h.replace(/-/g, ''))])) })
  t.same(post.security, [{ bearerAuth: [] }], 'authenticated routes keep their security')
  t.equal(post.requestBody.required, false, 'no required field: the body may be left out')
  t.notOk('required' in put.requestBody, 'a body with required fields stays as it is')
  t.equal(patch.requestBody.required, false, 'an empty required list counts as none')
  t.same(Object.keys(put.responses), ['204', '400', '401', '413', '415', '500', '503'])
  t.equal(put.responses[204].description, 'No content')
  t.equal(patch.responses[202].description, 'Success', 'other statuses: Success')
  t.same(del.security, [{}, { bearerAuth: [] }], 'optional sign-in')
  t.same(Object.keys(del.responses), ['200', '401', '500', '503'], 'DELETE has no body: no 400, 413, 415')
  t.equal(del.responses[200].description, 'Deleted it', 'a written description is kept')
})

t.test('header parameters become shared references; a query parameter with a default is optional', async (t) => {
  const out = documentTransform({
    openapiObject: doc({
      '/api/v1/search': {
        get: {
          [INFO]: { auth: 'api-key', limited: true },
          parameters: [
            { in: 'header', name: 'X-LLM-API-Key', required: false },
            { in: 'header', name: 'x-llm-model', required: false },
            { in: 'header', name: 'X-Unknown', required: false },
            { in: 'query', name: 'limit', required: true, schema: { type: 'integer', default: 20 } },
            { in: 'query', name: 'q', required: true, schema: { type: 'string' } },
            { in: 'path', name: 'id', required: true, schema: { type: 'string', default: 'x' } }
          ],
          responses: { 200: { description: 'Default Response', ...json({ type: 'array', items: { type: 'string' } }) } }
        }
      }
    })
  })
  const op = out.paths['/api/v1/search'].get
  t.same(op.parameters, [
    ref('parameters', 'XLlmApiKey'),
    ref('parameters', 'XLlmModel'),
    { in: 'header', name: 'X-Unknown', required: false },
    { in: 'query', name: 'limit', required: false, schema: { type: 'integer', default: 20 } },
    { in: 'query', name: 'q', required: true, schema: { type: 'string' } },
    { in: 'path', name: 'id', required: true, schema: { type: 'string', default: 'x' } }
  ])
  t.same(Object.keys(op.responses), ['200', '400', '401', '429', '500', '503'], 'parameters alone bring a 400')
  t.equal(op.responses[200].description, 'OK', 'an array of plain items is no named list')
  t.notOk('security' in op)
})

t.test('health, readiness, docs, the document and admin routes never answer 503', async (t) => {
  const get = { responses: { 200: { description: 'Default Response' } } }
  const paths = ['/healthz', '/readyz', '/docs', '/docs/json', '/openapi.json', '/api/v1/admin/users', '/api/v1/administer', '/healthz2']
  const out = documentTransform({ openapiObject: doc(Object.fromEntries(paths.map((p) => [p, { get: structuredClone(get) }]))) })
  const with503 = paths.filter((p) => '503' in out.paths[p].get.responses)
  t.same(with503, ['/api/v1/administer', '/healthz2'])
  t.same(out.paths['/healthz'].get.security, [], 'a route without a record counts as unauthenticated')
  t.same(Object.keys(out.paths['/healthz'].get.responses), ['200', '500'], 'and not limited')
})
