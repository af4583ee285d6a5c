// The OpenAPI document: valid 3.x, named components, every operation documented, committed file current.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import { build } from './helpers/build.ts'

t.test('the served document is complete and matches the committed file', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.match(doc.openapi, /^3\.\d+\.\d+$/)
  const validation = await new Validator().validate(doc)
  t.ok(validation.valid, `valid OpenAPI ${doc.openapi}: ${JSON.stringify(validation.errors)?.slice(0, 2000)}`)
  t.ok(doc.components.securitySchemes.bearerAuth && doc.components.securitySchemes.apiKeyAuth)
  t.ok(doc.components.schemas.ErrorResponse, 'one named ErrorResponse component')
  for (const name of Object.keys(doc.components.schemas)) t.notMatch(name, /^def-\d+$/, `component ${name} has a real name`)

  const ids = new Set<string>()
  for (const [path, item] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`
      t.type(op.operationId, 'string', `${where} has an operationId`)
      t.notOk(ids.has(op.operationId as string), `${where} operationId is unique`)
      ids.add(op.operationId as string)
      t.ok(Array.isArray(op.tags) && (op.tags as string[]).length > 0, `${where} has tags`)
      t.type(op.summary, 'string', `${where} has a summary`)
      const responses = op.responses as Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>
      for (const [status, r] of Object.entries(responses)) {
        if (Number(status) >= 400) t.equal(r.content?.['application/json'].schema.$ref, '#/components/schemas/ErrorResponse', `${where} ${status} references ErrorResponse`)
      }
      if (path.startsWith('/api/v1/sdk/') && !path.startsWith('/api/v1/sdk/api-keys')) t.same(op.security, [{ apiKeyAuth: [] }], `${where} uses X-API-Key`)
    }
  }
  t.ok(doc.paths['/api/v1/auth/me'].get.security, 'JWT routes declare bearer security')

  const committed = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
  t.same(committed, doc, 'openapi/openapi.json is current (npm run openapi)')

  const ui = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})
