// The API reference at /docs in headless Chromium: loads with no console error and nothing from outside loopback, lists every operation, shows the guide, auth, LLM headers, examples and stream events.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { buildApp } from '../../src/app.ts'
import { testAppConfig } from '../helpers/build.ts'
import { ensureDocsBuilt } from './harness.ts'

t.test('the API reference renders every operation and the getting-started guide', async (t) => {
  ensureDocsBuilt()
  const app = await buildApp(await testAppConfig(t))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(async () => { await browser.close(); await app.close() })
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  page.setDefaultTimeout(20_000)
  const errors: string[] = []
  const outside: string[] = []
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()) })
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('response', (res) => { if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`) })
  // The page must be self-contained: anything it asks of another host is recorded and refused.
  await page.route((url) => url.origin !== origin, (route) => { outside.push(route.request().url()); return route.abort() })

  const doc = await (await fetch(`${origin}/openapi.json`)).json() as { tags: Array<{ name: string }>, paths: Record<string, Record<string, { operationId: string, tags: string[] }>> }
  const expected = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => `#/${op.tags[0]}/${op.operationId.toLowerCase()}`)).sort()
  t.ok(expected.length > 40, `the document has ${expected.length} operations`)

  await page.goto(`${origin}/docs`, { waitUntil: 'networkidle' })
  t.equal(new URL(page.url()).pathname, '/docs/')
  await page.getByText('Getting started', { exact: true }).first().waitFor()
  const text = async () => page.evaluate(() => document.body.innerText)
  const guide = await text()
  for (const words of ['LLM_MOCK=true npm start', '/auth/register', '/auth/login', 'X-LLM-Model: mock/npc', 'message/stream', 'bearerAuth', 'apiKeyAuth']) {
    t.ok(guide.includes(words), `the getting-started guide shows ${words}`)
  }

  // Each tag of the sidebar expands to its operations.
  const listed = new Set<string>()
  for (const tag of doc.tags) {
    await page.locator('[data-testid="menu-item-label"]', { hasText: new RegExp(`^${tag.name}$`) }).first().click()
    await page.locator(`a[href^="#/${tag.name}/"]`).first().waitFor()
    for (const href of await page.$$eval(`a[href^="#/${tag.name}/"]`, (links) => links.map((a) => a.getAttribute('href') ?? ''))) {
      if (href.split('/').length === 3) listed.add(href)
    }
  }
  t.same([...listed].sort(), expected, 'every operation is listed in the sidebar')

  const open = async (tag: string, operationId: string) => {
    // The sidebar's entry; once Redoc has rendered the operation, its own heading links to the same href.
    const link = page.locator(`a[href="#/${tag}/${operationId.toLowerCase()}"]`).first()
    if (!await link.isVisible()) await page.locator('[data-testid="menu-item-label"]', { hasText: new RegExp(`^${tag}$`) }).first().click()
    await link.click()
  }
  await open('sdk', 'sdkStreamMessage')
  await page.waitForFunction(() => document.body.innerText.includes('X-LLM-Eval-Model'))
  const stream = await text()
  for (const words of ['apiKeyAuth', 'X-LLM-API-Key', 'X-LLM-Model', 'X-LLM-Response-API-Key', 'Idempotency-Key', 'text_delta', 'metadata', 'done']) {
    t.ok(stream.includes(words), `the streaming operation shows ${words}`)
  }
  t.match(stream, /steam-76561198000000001/, 'the request example is shown, not a generated "string"')
  mkdirSync('test-output', { recursive: true })
  await page.screenshot({ path: 'test-output/docs-stream-operation.png' })

  await open('personas', 'getPersonaFull')
  await page.waitForFunction(() => document.body.innerText.includes('Vex'))
  t.pass('the persona example (Vex) is shown')
  await open('auth', 'getMe')
  await page.waitForFunction(() => document.body.innerText.includes('bearerAuth'))
  t.pass('JWT routes show bearerAuth')

  t.same(outside, [], 'nothing was requested outside the server')
  t.same(errors, [], 'no console errors')
})
