// OpenAPI document (from the TypeBox route schemas) at /openapi.json and the docs UI at /docs.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

/** Registers @fastify/swagger with named components and the Swagger UI. */
export default fp(async function docsPlugin (app) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rapport API',
        version: '1.0.0',
        description: 'Self-hostable server for LLM-driven game characters. Wire-compatible with the Foil Engine SDKs. Every error body is {"error":{"message":"…"}}.'
      },
      servers: [{ url: '/' }],
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
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`
      }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'docs' })
