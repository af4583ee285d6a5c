// Shapes the emitted OpenAPI document: shared header parameters, responses and headers, security per route kind, info.
import { existsSync, readFileSync } from 'node:fs'
import { HEADER_SPECS } from '../schemas/headers.ts'
import { attachExamples } from '../schemas/examples.ts'

type Json = Record<string, any>

// src/plugins/ under tsx, dist/src/plugins/ once compiled (npm run build)
const pkgFile = ['../../package.json', '../../../package.json'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u))!
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string, license: string, homepage?: string }

const ERROR_RESPONSES: Record<string, { name: string, description: string, headers?: string[] }> = {
  400: { name: 'BadRequest', description: 'Bad request: invalid or missing input, malformed JSON, missing LLM key or unknown model provider' },
  401: { name: 'Unauthorized', description: 'Missing or invalid credentials (token or API key), or the LLM provider rejected your LLM key' },
  403: { name: 'Forbidden', description: 'Authenticated but not allowed (another owner\'s persona, unpublished persona, locked machine, role)' },
  404: { name: 'NotFound', description: 'The persona, machine, session or other resource does not exist' },
  413: { name: 'PayloadTooLarge', description: 'The request body is larger than the server accepts (BODY_LIMIT, 1 MiB by default); the message states the limit' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not application/json' },
  429: { name: 'TooManyRequests', description: 'Rate limit exceeded: wait Retry-After seconds', headers: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] },
  500: { name: 'InternalServerError', description: 'Unexpected error or LLM provider failure; the message never contains internals' },
  503: { name: 'ServiceUnavailable', description: 'Overloaded or in maintenance: retry after Retry-After seconds', headers: ['Retry-After'] }
}

const HEADERS: Record<string, Json> = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 }, example: 30 },
  'X-RateLimit-Limit': { description: 'Requests allowed per minute in this route\'s rate category', schema: { type: 'integer' }, example: 30 },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' }, example: 29 },
  'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' }, example: 60 }
}

const SUCCESS_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 204: 'No content' }

/** What the route transform records for transformObject (removed from the final document). */
const ROUTE_INFO = 'x-rapport-route'

interface RouteInfo { auth: string, limited: boolean }

/** Per-route step of @fastify/swagger: records the route's auth kind and rate-limit category on the operation. */
export function routeTransform ({ schema, url, route }: { schema: Json, url: string, route: { config?: Json } }) {
  if (!schema || schema.hide) return { schema, url }
  const auth: string = route.config?.auth ?? 'none'
  const info: RouteInfo = { auth, limited: route.config?.limit !== false }
  return { schema: { ...schema, [ROUTE_INFO]: info }, url }
}

const refTo = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` })
const componentName = (header: string) => header.replace(/-/g, '')

/** Final step of @fastify/swagger: everything that is the same across operations is written once, as components. */
export function documentTransform ({ openapiObject }: { openapiObject: Json }): Json {
  const doc = openapiObject
  doc.info = {
    ...doc.info,
    version: pkg.version,
    license: { name: pkg.license, identifier: pkg.license },
    contact: { name: 'Rapport', ...(pkg.homepage ? { url: pkg.homepage } : {}) }
  }
  const components = doc.components
  components.parameters = Object.fromEntries(Object.values(HEADER_SPECS).map((h) => [h.component, {
    name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' }, example: h.example
  }]))
  components.headers = Object.fromEntries(Object.entries(HEADERS).map(([name, h]) => [componentName(name), h]))
  components.responses = Object.fromEntries(Object.values(ERROR_RESPONSES).map((r) => [r.name, {
    description: r.description,
    ...(r.headers ? { headers: Object.fromEntries(r.headers.map((h) => [h, refTo('headers', componentName(h))])) } : {}),
    content: { 'application/json': { schema: refTo('schemas', 'ErrorResponse') } }
  }]))

  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) shapeOperation(doc, path, method, op)
  }
  attachExamples(doc)
  return doc
}

function shapeOperation (doc: Json, path: string, method: string, op: Json) {
  const info: RouteInfo = op[ROUTE_INFO] ?? { auth: 'none', limited: false }
  delete op[ROUTE_INFO]
  const hasBody = method === 'post' || method === 'patch' || method === 'put'

  op.parameters = (op.parameters ?? []).map((p: Json) => {
    if (p.in === 'header' && HEADER_SPECS[p.name.toLowerCase()]) return refTo('parameters', HEADER_SPECS[p.name.toLowerCase()].component)
    // A query parameter with a default may be left out.
    if (p.in === 'query' && p.schema?.default !== undefined) return { ...p, required: false }
    return p
  })
  if (op.parameters.length === 0) delete op.parameters

  if (op.requestBody) {
    const body = resolve(doc, op.requestBody.content?.['application/json']?.schema)
    if (!Array.isArray(body?.required) || body.required.length === 0) op.requestBody.required = false
  }

  if (info.auth === 'none') op.security = []
  else if (info.auth === 'jwt-optional') op.security = [{}, { bearerAuth: [] }]

  const statuses = new Set(Object.keys(op.responses).filter((s) => Number(s) >= 400))
  if (hasBody || op.parameters) statuses.add('400')
  if (info.auth !== 'none') statuses.add('401')
  if (hasBody) { statuses.add('413'); statuses.add('415') }
  if (info.limited) statuses.add('429')
  statuses.add('500')
  const operations = path === '/healthz' || path === '/readyz' || path.startsWith('/docs') || path === '/openapi.json'
  if (!operations && !path.startsWith('/api/v1/admin/')) statuses.add('503')

  const responses: Json = {}
  for (const [status, response] of Object.entries<Json>(op.responses)) {
    if (Number(status) >= 400) continue
    if (response.description === 'Default Response') response.description = successText(status, response)
    if (info.limited) {
      response.headers = { ...response.headers }
      for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) response.headers[h] = refTo('headers', componentName(h))
    }
    responses[status] = response
  }
  for (const status of [...statuses].sort()) {
    const shared = ERROR_RESPONSES[status]
    if (shared) responses[status] = refTo('responses', shared.name)
    else responses[status] = op.responses[status]
  }
  op.responses = responses
}

function successText (status: string, response: Json): string {
  const schema = response.content?.['application/json']?.schema
  const item = schema?.type === 'array' && typeof schema.items?.$ref === 'string' ? schema.items.$ref.split('/').pop() : null
  return item ? `${SUCCESS_TEXT[status] ?? 'Success'}: a list of ${item}` : SUCCESS_TEXT[status] ?? 'Success'
}

function resolve (doc: Json, schema: Json | undefined): Json | undefined {
  if (schema?.$ref?.startsWith('#/components/schemas/')) return doc.components.schemas[schema.$ref.slice('#/components/schemas/'.length)]
  return schema
}
