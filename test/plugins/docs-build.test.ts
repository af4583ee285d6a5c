// The docs plugin and the built reference: the default folder docs/api, Redoc options written without spaces, a page without options refused, files only under /docs/.
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import docs, { DOCS_NOT_BUILT } from '../../src/plugins/docs.ts'

function builtRoot (t: Test, html: string): string {
  const root = mkdtempSync(join(tmpdir(), 'rapport-docs-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  writeFileSync(join(root, 'index.html'), html)
  writeFileSync(join(root, 'redoc.standalone.js'), 'export const hydrate = 1')
  return root
}

t.test('by default the reference built into docs/api is served; the plugin is named docs', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(docs)
  await app.ready()
  const page = await app.inject('/docs/')
  t.equal(page.statusCode, 200)
  t.match(page.body, '"routingBasePath":"/docs"')
  t.ok(app.hasPlugin('docs'))
})

t.test('Redoc options written without spaces get the base path too; files of the folder are served only under /docs/', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(docs, { root: builtRoot(t, '<script>__redoc_options={"x":1}</script><script>import("./redoc.standalone.js")</script>') })
  await app.ready()
  t.equal((await app.inject('/docs/')).body, '<script>__redoc_options={"routingBasePath":"/docs","x":1}</script><script>import("/docs/redoc.standalone.js")</script>')
  for (const url of ['/redoc.standalone.js', '/index.html']) t.equal((await app.inject(url)).statusCode, 404, url)
})

t.test('a built page without Redoc options is refused at start with how to rebuild it; the not-built message says how to build', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(docs, { root: builtRoot(t, '<script>import("./redoc.standalone.js")</script>') })
  await t.rejects(async () => { await app.ready() }, /has no Redoc options to set the base path in: rebuild it with npm run docs:build/)
  t.match(DOCS_NOT_BUILT, /^The API reference is not built: run `npm run docs:build`/)
})
