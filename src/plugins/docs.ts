// OpenAPI document (from the TypeBox route schemas) at /openapi.json, the API reference at /docs, Swagger UI at /docs/try, a pointer at /.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Errors } from '../errors.ts'
import { repoPath } from '../paths.ts'
import { documentTransform, routeTransform } from './openapi-shape.ts'

export interface DocsOptions {
  /** Directory of the built API reference (default docs/api of this repository, written by `npm run docs:build`). */
  root?: string
}

const DEFAULT_ROOT = repoPath('docs', 'api')

/** The getting-started page: the first section of the API reference (the document's info.description). */
const GUIDE = readFileSync(repoPath('docs', 'getting-started.md'), 'utf8').trim()

/** The message answered (404, in the error envelope) and logged when the API reference has not been built. */
export const DOCS_NOT_BUILT = 'The API reference is not built: run `npm run docs:build` (npm install does it), then restart the server. Swagger UI is at /docs/try'

/**
 * The built page as the server serves it at /docs/: Redoc routes under /docs, and its script is loaded
 * from /docs/ whatever the depth of the route. The folder itself stays publishable at a site's root.
 */
export function servedPage (html: string): string {
  const served = html
    .replace(/"\.\/redoc\.standalone\.js"/g, '"/docs/redoc.standalone.js"')
    .replace(/(__redoc_options\s*=\s*\{)/, '$1"routingBasePath":"/docs",')
  if (!served.includes('"routingBasePath":"/docs"')) throw new Error('docs/api/index.html has no Redoc options to set the base path in: rebuild it with npm run docs:build')
  return served
}

/** Registers @fastify/swagger with named components, the Redoc reference at /docs and the Swagger UI at /docs/try. */
export default fp(async function docsPlugin (app, opts: DocsOptions) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rapport API',
        version: '1.0.0',
        description: GUIDE
      },
      servers: [{ url: 'http://127.0.0.1:3000', description: 'A local server started with `npm start`: replace with your deployment\'s URL' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Token from /api/v1/auth/login, /register or /guest' },
          apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'SDK key pk_live_… from /api/v1/sdk/api-keys' }
        }
      },
      tags: [
        { name: 'auth', description: 'Accounts and tokens' },
        { name: 'api-keys', description: 'SDK API keys' },
        { name: 'personas', description: 'Personas and their machines' },
        { name: 'creator', description: 'Authoring' },
        { name: 'chat', description: 'Web chat (JWT)' },
        { name: 'sdk', description: 'SDK API (X-API-Key)' },
        { name: 'admin', description: 'Administration' },
        { name: 'operations', description: 'Health and documentation' }
      ]
    },
    transform: routeTransform as never,
    transformObject: documentTransform as never,
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`
      }
    }
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs/try',
    // "Try it out" calls the server that served the page, wherever it is deployed.
    transformSpecification: (spec, req) => ({ ...spec, servers: [{ url: `${req.protocol}://${req.host}`, description: 'This server' }] })
  })

  const hide = { schema: { hide: true } }
  app.get('/openapi.json', hide, async () => app.swagger())
  app.get('/', hide, async () => ({
    name: 'Rapport',
    docs: '/docs',
    try_it: '/docs/try',
    openapi: '/openapi.json',
    health: '/healthz',
    readiness: '/readyz',
    console: '/console/',
    api: '/api/v1'
  }))

  app.get('/docs', hide, (_req, reply) => { reply.redirect('/docs/') })
  const root = opts.root ?? DEFAULT_ROOT
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn(DOCS_NOT_BUILT)
    const notBuilt = async () => { throw new Errors.NotFound(DOCS_NOT_BUILT) }
    app.get('/docs/', hide, notBuilt)
    app.get('/docs/*', hide, notBuilt)
    return
  }
  const page = servedPage(readFileSync(join(root, 'index.html'), 'utf8'))
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false })
    scope.get('/docs/redoc.standalone.js', hide, (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('redoc.standalone.js'))
    // Redoc routes in the browser (/docs/auth, /docs/operation/…): every such path answers the page, so reloads and shared links work.
    const sendPage = async (_req: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page)
    scope.get('/docs/', hide, sendPage)
    scope.get('/docs/*', hide, sendPage)
  })
}, { name: 'docs' })
