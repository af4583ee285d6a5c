// The console plugin: files under /console/, index.html for the app's own paths, a clear 404 when the build is missing.
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import consolePlugin, { NOT_BUILT } from '../../src/plugins/console.ts'
import { build } from '../helpers/build.ts'
import { sendError } from '../../src/errors.ts'
import { repoPath } from '../../src/paths.ts'

function fakeBuild () {
  const root = mkdtempSync(join(tmpdir(), 'rapport-console-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>')
  writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)')
  return root
}

async function serve (root: string) {
  const app = Fastify()
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err as never))
  await app.register(consolePlugin, { root })
  return app
}

t.test('GET /console/ answers index.html, uncached; hashed assets are cached for a year', async (t) => {
  const app = await serve(fakeBuild())
  t.teardown(() => app.close())
  const index = await app.inject('/console/')
  t.equal(index.statusCode, 200)
  t.match(index.headers['content-type'], /text\/html/)
  t.equal(index.body, '<!doctype html><title>console</title>')
  t.equal(index.headers['cache-control'], 'no-cache')
  const asset = await app.inject('/console/assets/app-1234.js')
  t.equal(asset.statusCode, 200)
  t.equal(asset.body, 'console.log(1)')
  t.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable')
})

t.test('the app\'s own paths under /console/ answer index.html, uncached (reload keeps the page); /console redirects', async (t) => {
  const app = await serve(fakeBuild())
  t.teardown(() => app.close())
  for (const path of ['/console/keys', '/console/personas/5f0c8f7e-3c1a-4b8e-9a57-1d2b3c4d5e6f']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 200, path)
    t.equal(res.body, '<!doctype html><title>console</title>', path)
    t.equal(res.headers['cache-control'], 'no-cache', path)
  }
  const bare = await app.inject('/console')
  t.equal(bare.statusCode, 302)
  t.equal(bare.headers.location, '/console/')
})

t.test('without a build (no folder, or a folder without index.html) every /console path answers 404 saying how to build it', async (t) => {
  for (const root of [join(tmpdir(), 'rapport-console-missing'), mkdtempSync(join(tmpdir(), 'rapport-console-empty-'))]) {
    const app = await serve(root)
    t.teardown(() => app.close())
    for (const path of ['/console/', '/console/keys']) {
      const res = await app.inject(path)
      t.equal(res.statusCode, 404, path)
      t.same(res.json(), { error: { message: NOT_BUILT } })
    }
  }
})

t.test('by default the console is served from the repository\'s console/dist', async (t) => {
  const index = repoPath('console', 'dist', 'index.html')
  const app = Fastify()
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err as never))
  t.teardown(() => app.close())
  await app.register(consolePlugin)
  const res = await app.inject('/console/keys')
  if (existsSync(index)) t.same([res.statusCode, res.body], [200, readFileSync(index, 'utf8')])
  else t.same([res.statusCode, res.json()], [404, { error: { message: NOT_BUILT } }])
})

t.test('the app serves the console next to the API, outside the OpenAPI document', async (t) => {
  const app = await build(t)
  const doc = (await app.inject('/openapi.json')).json()
  t.notOk(Object.keys(doc.paths).some((p) => p.startsWith('/console')))
  const res = await app.inject('/console')
  t.equal(res.statusCode, 302)
})

async function documented (root: string) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { info: { title: 't', version: '1' } } })
  await app.register(consolePlugin, { root })
  app.get('/api', async () => ({}))
  await app.ready()
  return Object.keys(app.swagger().paths ?? {})
}

t.test('the console\'s routes stay out of the OpenAPI document, built or not', async (t) => {
  t.same(await documented(fakeBuild()), ['/api'])
  t.same(await documented(join(tmpdir(), 'rapport-console-missing')), ['/api'])
})

t.test('without a build the server logs how to build the console', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const app = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => app.close())
  await app.register(consolePlugin, { root: join(tmpdir(), 'rapport-console-missing') })
  await app.ready()
  t.same(lines.map((l) => JSON.parse(l)).map(({ level, msg }) => ({ level, msg })), [{ level: 40, msg: NOT_BUILT }])
  const built = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => built.close())
  await built.register(consolePlugin, { root: fakeBuild() })
  await built.ready()
  t.equal(lines.length, 1, 'nothing logged when the console is built')
})
