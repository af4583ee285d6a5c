// The docs plugin's routes: the pointer at /, the /docs redirect, a built reference served below /docs/, the 404 and warning without one.
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import docs, { DOCS_NOT_BUILT } from '../../src/plugins/docs.ts'

async function docsApp (t: Test) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(docs)
  await app.ready()
  return app
}

t.test('/ points at the documentation, the API and operations; /docs redirects to /docs/', async (t) => {
  const app = await docsApp(t)
  const root = await app.inject('/')
  t.equal(root.statusCode, 200)
  t.same(root.json(), { name: 'Rapport', docs: '/docs', try_it: '/docs/try', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz', console: '/console/', api: '/api/v1' })
  const docsPath = await app.inject('/docs')
  t.equal(docsPath.statusCode, 302)
  t.equal(docsPath.headers.location, '/docs/')
})

t.test('a built reference is served at /docs/ and every path below it, uncached, with the script loaded from /docs/', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rapport-docs-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  writeFileSync(join(root, 'index.html'), '<html><script>const __redoc_options = {"x":1}</script><script type="module">import { hydrate } from "./redoc.standalone.js"</script></html>')
  writeFileSync(join(root, 'redoc.standalone.js'), 'export const hydrate = 1')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(docs, { root })
  await app.ready()
  for (const url of ['/docs/', '/docs/operation/getMe']) {
    const page = await app.inject(url)
    t.equal(page.statusCode, 200, url)
    t.equal(page.headers['cache-control'], 'no-cache')
    t.match(page.headers['content-type'], /^text\/html; charset=utf-8/)
    t.equal(page.body, '<html><script>const __redoc_options = {"routingBasePath":"/docs","x":1}</script><script type="module">import { hydrate } from "/docs/redoc.standalone.js"</script></html>')
  }
  const script = await app.inject('/docs/redoc.standalone.js')
  t.equal(script.statusCode, 200)
  t.equal(script.headers['cache-control'], 'no-cache')
  t.equal(script.body, 'export const hydrate = 1')
})

t.test('without a built reference /docs/ and below answer 404 with how to build it, and the start logs it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rapport-docs-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const lines: Array<{ level: number, msg: string }> = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(docs, { root })
  await app.ready()
  for (const url of ['/docs/', '/docs/auth']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.json().message, DOCS_NOT_BUILT)
  }
  t.match(lines, [{ level: 40, msg: DOCS_NOT_BUILT }])
  t.equal((await app.inject('/docs/try/json')).statusCode, 200, 'Swagger UI does not need the build')
})
