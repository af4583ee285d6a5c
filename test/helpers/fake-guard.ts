// A stand-in for the guard plugin in plugin tests: X-User signs in a web user, X-Owner an SDK key of that owner.
import fp from 'fastify-plugin'

export const fakeGuard = fp(async (app) => {
  app.decorateRequest('apiKey', null)
  app.decorateRequest('user', null as never)
  app.addHook('onRequest', async (req) => {
    const user = req.headers['x-user']
    const owner = req.headers['x-owner']
    if (typeof user === 'string') req.user = { id: user, role: 'user' }
    if (typeof owner === 'string') req.apiKey = { keyId: `key-${owner}`, userId: owner }
  })
}, { name: 'guard' })
