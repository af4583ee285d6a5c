// The creator console: the single-page app built into console/dist, served at /console with an index.html fallback.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { Errors } from '../errors.ts'
import { repoPath } from '../paths.ts'

export interface ConsoleOptions {
  /** Directory of the built console (default console/dist of this repository). */
  root?: string
}

const DEFAULT_ROOT = repoPath('console', 'dist')

/** The message answered (404, in the error envelope) and logged when the console has not been built. */
export const NOT_BUILT = 'The creator console is not built: run `npm run console:build` (npm install does it), then restart the server'

/**
 * Serves the console's files under /console/ (hashed assets cached for a year, index.html never cached)
 * and index.html for every other /console/* path, so the app's own routes survive a reload.
 * Not wrapped in fastify-plugin: the static handler and its reply decorator stay in this scope.
 */
export default async function consolePlugin (app: FastifyInstance, opts: ConsoleOptions = {}) {
  const root = opts.root ?? DEFAULT_ROOT
  const hide = { schema: { hide: true } }
  app.get('/console', hide, (_req, reply) => { reply.redirect('/console/') })

  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn(NOT_BUILT)
    const notBuilt = async () => { throw new Errors.NotFound(NOT_BUILT) }
    app.get('/console/', hide, notBuilt)
    app.get('/console/*', hide, notBuilt)
    return
  }

  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    wildcard: false,
    cacheControl: false,
    setHeaders (res, path) {
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
    }
  })
  app.get('/console/*', hide, (_req, reply) => {
    reply.header('cache-control', 'no-cache')
    return reply.sendFile('index.html')
  })
}
