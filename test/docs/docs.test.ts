// The documentation routes: GET / points the way, /docs serves the built Redoc reference (or says how to build it), Swagger UI at /docs/try.
import t from 'tap'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from '../helpers/build.ts'
import { DOCS_NOT_BUILT, servedPage } from '../../src/plugins/docs.ts'
import { ensureDocsBuilt } from './harness.ts'

t.test('GET / points to the docs, the document and the health probes', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { docs: '/docs', try_it: '/docs/try', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz' })
  const head = await app.inject({ method: 'POST', url: '/' })
  t.equal(head.statusCode, 405, 'a known path with another method')
  t.equal(head.headers.allow, 'GET, HEAD')
})

t.test('/docs serves the built reference under /docs: the script from /docs/, Redoc routing under /docs, every deep link the page', async (t) => {
  ensureDocsBuilt()
  const app = await build(t)
  const redirect = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(redirect.statusCode, 302)
  t.equal(redirect.headers.location, '/docs/')
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, 'import { hydrate } from "/docs/redoc.standalone.js"')
  t.match(page.body, '"routingBasePath":"/docs"')
  t.notMatch(page.body, /https:\/\/cdn\./, 'nothing is loaded from a CDN')
  const deep = await app.inject({ method: 'GET', url: '/docs/sdk/sdkinitsession' })
  t.equal(deep.body, page.body, 'a deep link answers the page')
  const script = await app.inject({ method: 'GET', url: '/docs/redoc.standalone.js' })
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], /javascript/)
  t.notMatch(script.body, /https:\/\/cdn\.redoc\.ly\//, 'the attribution logo is drawn locally')
  const ui = await app.inject({ method: 'GET', url: '/docs/try' })
  t.equal(ui.statusCode, 200, 'Swagger UI moved to /docs/try')
  t.match(ui.body, /swagger/i)
})

t.test('without a build, /docs answers 404 in the envelope saying how to build it', async (t) => {
  const app = await build(t, {}, undefined, { docsRoot: mkdtempSync(join(tmpdir(), 'rapport-docs-')) })
  for (const url of ['/docs/', '/docs/auth']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404)
    t.same(res.json(), { error: { message: DOCS_NOT_BUILT } })
  }
  t.equal((await app.inject({ method: 'GET', url: '/docs/try' })).statusCode, 200, 'Swagger UI needs no build')
})

t.test('a page without Redoc options is refused instead of served broken', async (t) => {
  t.throws(() => servedPage('<html><script type="module">import { hydrate } from "./redoc.standalone.js"</script></html>'), /rebuild it with npm run docs:build/)
  const built = readFileSync(new URL('../../docs/api/index.html', import.meta.url), 'utf8')
  t.notMatch(built, '"/docs/redoc.standalone.js"', 'the folder itself stays publishable anywhere: relative script')
})
