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
      const responses = op.responses as Record<string, { $ref?: string, description?: string }>
      for (const [status, r] of Object.entries(responses)) {
        if (Number(status) >= 400) t.match(r.$ref, /^#\/components\/responses\/[A-Za-z]+$/, `${where} ${status} is a shared error response`)
        else t.not(r.description, 'Default Response', `${where} ${status} has a real description`)
      }
      t.ok(responses['500'], `${where} declares 500`)
      if (path.startsWith('/api/v1/sdk/') && !path.startsWith('/api/v1/sdk/api-keys')) t.same(op.security, [{ apiKeyAuth: [] }], `${where} uses X-API-Key`)
    }
  }
  t.ok(doc.paths['/api/v1/auth/me'].get.security, 'JWT routes declare bearer security')

  const committed = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
  t.same(committed, doc, 'openapi/openapi.json is current (npm run openapi)')

  const ui = await app.inject({ method: 'GET', url: '/docs/try' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})

t.test('the document declares headers, optional parameters, security and stream events as clients read them', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const op = (path: string, method = 'post') => doc.paths[`/api/v1${path}`][method]
  const refs = (o: { parameters?: Array<{ $ref?: string }> }) => (o.parameters ?? []).map((p) => p.$ref).filter(Boolean)

  for (const path of ['/sdk/chat/{persona_id}/message', '/chat/{persona_id}/message/stream', '/sdk/chat/{persona_id}/init-session']) {
    // the two turn routes also read X-Rapport-Speculative-Reply
    const speculative = path.endsWith('init-session') ? [] : ['XRapportSpeculativeReply']
    t.same(refs(op(path)).sort(), [
      'IdempotencyKey', 'XLlmApiKey', 'XLlmEvalApiKey', 'XLlmEvalModel', 'XLlmModel',
      'XLlmResponseApiKey', 'XLlmResponseModel', 'XLlmSummarizationApiKey', 'XLlmSummarizationModel', ...speculative
    ].map((n) => `#/components/parameters/${n}`), `${path} declares the X-LLM-* headers and Idempotency-Key`)
  }
  t.same(refs(op('/sdk/validate-llm-key')), ['#/components/parameters/XLlmApiKey', '#/components/parameters/XLlmModel'])
  t.same(refs(op('/creator/save')), ['#/components/parameters/IdempotencyKey'])
  t.same(refs(op('/chat/{persona_id}/reset')), ['#/components/parameters/IdempotencyKey'])
  t.equal(doc.components.parameters.XLlmApiKey.name, 'X-LLM-API-Key')

  const list = op('/personas', 'get').parameters as Array<{ name: string, required?: boolean }>
  for (const name of ['limit', 'offset', 'my_personas']) t.equal(list.find((p) => p.name === name)?.required, false, `${name} is optional`)
  t.equal(op('/sdk/validate-llm-key').requestBody.required, false, 'a body with only optional fields is optional')
  t.equal(op('/creator/save').requestBody.required, true)
  for (const [name, schema] of Object.entries<Record<string, unknown>>(doc.components.schemas)) {
    if (name.endsWith('Body')) t.not(schema.additionalProperties, false, `${name} accepts unknown fields`)
  }

  t.same(op('/auth/register').security, [], 'public routes say so')
  t.same(op('/personas', 'get').security, [{}, { bearerAuth: [] }], 'optional auth: anonymous or bearer')
  t.same(op('/sdk/chat/{persona_id}/message').security, [{ apiKeyAuth: [] }])

  t.equal(op('/sdk/chat/{persona_id}/message').responses['503'].$ref, '#/components/responses/ServiceUnavailable')
  t.notOk(op('/admin/stats', 'get').responses['503'], 'admin routes stay up in maintenance')
  t.notOk(doc.paths['/healthz'].get.responses['503'], 'the liveness probe never answers 503')
  t.ok(doc.components.responses.TooManyRequests.headers['Retry-After'])
  t.ok(doc.components.responses.ServiceUnavailable.headers['Retry-After'])
  t.ok(op('/sdk/chat/{persona_id}/message').responses['200'].headers['X-RateLimit-Remaining'], 'limited routes document the rate-limit headers')
  t.notOk(doc.paths['/healthz'].get.responses['200'].headers, 'unlimited routes do not')
  t.ok(op('/auth/login').responses['415'] && op('/auth/login').responses['413'])

  const stream = op('/sdk/chat/{persona_id}/message/stream').responses['200'].content['text/event-stream']
  t.same(stream.schema, { $ref: '#/components/schemas/ChatStreamEvent' })
  t.equal(stream['x-stream-item-schema'], true)
  t.same(Object.keys(doc.components.schemas.ChatStreamEvent.discriminator.mapping), ['metadata', 'text_delta', 'done', 'error'])

  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  t.equal(doc.info.version, pkg.version)
  t.equal(doc.info.license.identifier, pkg.license)
  t.notOk(doc.servers.some((s: { url: string }) => s.url.startsWith('/')), 'no relative server URL')
})

t.test('every request body and every 2xx JSON or event-stream response carries an example', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const hasExample = (media: Record<string, any>) => media.example !== undefined || Object.keys(media.examples ?? {}).length > 0
  const missing: string[] = []
  let checked = 0
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<Record<string, any>>(item)) {
      if (!op?.responses) continue
      for (const [type, media] of Object.entries<Record<string, any>>(op.requestBody?.content ?? {})) {
        checked++
        if (!hasExample(media)) missing.push(`${method} ${path} request ${type}`)
      }
      for (const [code, response] of Object.entries<Record<string, any>>(op.responses)) {
        if (!code.startsWith('2')) continue
        for (const [type, media] of Object.entries<Record<string, any>>(response.content ?? {})) {
          if (type !== 'application/json' && type !== 'text/event-stream') continue
          checked++
          if (!hasExample(media)) missing.push(`${method} ${path} ${code} ${type}`)
        }
      }
    }
  }
  t.ok(checked > 40, `${checked} bodies and responses checked`)
  t.same(missing, [], 'no body or success response without an example')

  const save = doc.paths['/api/v1/creator/save'].post
  const shipped = JSON.parse(readFileSync(new URL('../examples/vex-bouncer.json', import.meta.url), 'utf8'))
  t.same(save.requestBody.content['application/json'].example, shipped, 'the save example is the Vex persona from examples/')
  const stream = doc.paths['/api/v1/chat/{persona_id}/message/stream'].post.responses['200'].content['text/event-stream'].examples
  t.same(Object.values<any>(stream).map((e) => e.value.event), ['metadata', 'text_delta', 'done'], 'one example per event kind, each an event item')
  t.match(stream.metadata.description, /event: metadata\ndata: \{.*\}\n\n(event: text_delta\ndata: .*\n\n)+event: done\n/, 'the whole stream as sent on the wire')
})
