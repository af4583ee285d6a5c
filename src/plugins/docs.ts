// OpenAPI document (from the TypeBox route schemas) at /openapi.json and the docs UI at /docs.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { documentTransform, routeTransform } from './openapi-shape.ts'

/** Registers @fastify/swagger with named components and the Swagger UI. */
export default fp(async function docsPlugin (app) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rapport API',
        version: '1.0.0',
        description: 'Self-hostable server for LLM-driven game characters. Wire-compatible with the Foil Engine SDKs.\n\n' +
          '- Every error body is `{"error":{"message":"…"}}` and nothing else.\n' +
          '- Unknown body fields are ignored (accepted, never stored), so older and newer clients keep working; no request body forbids additional properties.\n' +
          '- An empty body with `Content-Type: application/json` is accepted wherever a body is optional.\n' +
          '- LLM keys and models travel per request in the `X-LLM-*` headers and are never stored or logged.\n' +
          '- `text/event-stream` responses: the schema describes each event of the stream (`ChatStreamEvent`, discriminated by `event`), ' +
          'as OpenAPI 3.2\'s `itemSchema` does; the media type carries `x-stream-item-schema: true` to say so.'
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
    routePrefix: '/docs',
    // "Try it out" calls the server that served the page, wherever it is deployed.
    transformSpecification: (spec, req) => ({ ...spec, servers: [{ url: `${req.protocol}://${req.host}`, description: 'This server' }] })
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'docs' })
