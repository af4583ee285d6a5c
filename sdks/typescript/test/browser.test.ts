// Browser games (issue 14): a page on a second loopback origin uses the SDK's dist in Chromium against a CORS-enabled Rapport.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { readFileSync, existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startConformance, type Conformance } from '../../conformance/harness.ts'

const DIST = new URL('../dist/', import.meta.url)
const PAGE = new URL('./browser/', import.meta.url)

/** Serves the game page, its script and the SDK's dist files, as a static host would. */
async function staticSite (): Promise<{ origin: string, server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    let file: URL | null = null
    if (path === '/') file = new URL('index.html', PAGE)
    else if (path === '/game.js') file = new URL('game.js', PAGE)
    else if (/^\/sdk\/[a-z/]+\.js$/.test(path)) file = new URL(path.slice('/sdk/'.length), DIST)
    if (!file || !existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': file.pathname.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8' })
    res.end(readFileSync(file))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

let env: Conformance
let browser: Browser
let allowed: { origin: string, server: Server }
let other: { origin: string, server: Server }
const consoleErrors = new Map<Page, string[]>()

async function open (origin: string): Promise<Page> {
  const page = await browser.newPage()
  const errors: string[] = []
  consoleErrors.set(page, errors)
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()) })
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`${origin}/`)
  await page.waitForSelector('body[data-ready="true"]')
  return page
}

const play = <T>(page: Page, fn: string, args: Record<string, unknown>): Promise<T> =>
  page.evaluate(([name, a]) => (window as any).game[name as string](a), [fn, args] as const) as Promise<T>

before(async () => {
  allowed = await staticSite()
  other = await staticSite()
  env = await startConformance({ corsOrigins: [allowed.origin] })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
})

after(async () => {
  await browser?.close()
  await env?.close()
  for (const site of [allowed, other]) {
    site?.server.closeAllConnections()
    site?.server.close()
  }
})

test('a game page on an allowed origin plays through the SDK\'s browser build and the web API', { timeout: 120_000 }, async (t) => {
  const page = await open(allowed.origin)
  const { info } = env
  const sdk = { baseUrl: info.base_url, apiKey: info.api_key, llmApiKey: info.llm_api_key, personaId: info.persona_id }

  await t.test('lists personas with an API key (preflight passes for X-API-Key and Content-Type)', async () => {
    assert.deepEqual(await play(page, 'listPersonas', sdk), ['Vex'])
  })

  await t.test('inits a session and shows the streamed deltas before done', async () => {
    const { greeting, seen, final } = await play<any>(page, 'initAndStream', sdk)
    assert.equal(greeting, 'Evening. Name, and what brings you to my door?')
    assert.equal(seen[0].type, 'metadata')
    assert.equal(seen.at(-1).type, 'done')
    const deltas = seen.filter((e: { type: string }) => e.type === 'text_delta')
    assert.ok(deltas.length >= 2, `${deltas.length} deltas`)
    // each delta was on the page (growing) before the done event arrived
    for (let i = 1; i < deltas.length; i++) assert.ok(deltas[i].shown.length > deltas[i - 1].shown.length)
    assert.ok(deltas[0].shown.length < final.message.length)
    assert.equal(seen.at(-1).shown, final.message)
    assert.equal(await page.textContent('#reply'), 'Vex looks you over. Keep talking, friend.')
    assert.equal(final.current_state, 'guest_list')
  })

  await t.test('hits a tiny SDK limit, reads Retry-After through CORS and waits it before the retry', async () => {
    const { waits, again } = await play<any>(page, 'hitLimit', { baseUrl: info.limited_base_url, apiKey: info.limited_api_key })
    assert.deepEqual(again, [])
    assert.equal(waits.length, 1, 'one retry')
    const [wait] = waits
    assert.equal(wait.status, 429)
    assert.equal(wait.willRetry, true)
    assert.ok(Number.isInteger(wait.retryAfter) && wait.retryAfter >= 1, `Retry-After read as ${wait.retryAfter}`)
    assert.ok(wait.waitedMs >= wait.retryAfter * 1000 - 20, `waited ${wait.waitedMs} ms for Retry-After ${wait.retryAfter}`)
  })

  await t.test('plays a web chat with a guest token and reads x-ratelimit-remaining', async () => {
    const web = await play<any>(page, 'webChat', { baseUrl: info.base_url, llmApiKey: info.llm_api_key, personaId: info.persona_id })
    assert.equal(web.role, 'guest')
    assert.deepEqual(web.personas, ['Vex'])
    assert.equal(web.greeting, 'Evening. Name, and what brings you to my door?')
    assert.equal(web.reply, 'Vex looks you over. Keep talking, friend.')
    assert.equal(web.state, 'guest_list')
    assert.match(String(web.remaining), /^\d+$/)
  })

  await t.test('no console errors other than the 429 the limit step provoked', async () => {
    const errors = consoleErrors.get(page)!
    assert.deepEqual(errors.filter((e) => !/status of 429/.test(e)), [])
    assert.equal(errors.length, 1, errors.join('\n'))
  })
})

test('a page on an origin that is not allowed gets a clear CORS failure', { timeout: 60_000 }, async () => {
  const page = await open(other.origin)
  const refused = await play<any>(page, 'refused', { baseUrl: env.info.base_url, apiKey: env.info.api_key })
  assert.equal(refused.name, 'ConnectionError')
  assert.equal(refused.statusCode, 0)
  assert.match(refused.message, /CORS_ORIGINS/)
  const errors = consoleErrors.get(page)!
  assert.ok(errors.some((e) => /blocked by CORS policy/.test(e) && e.includes(other.origin)), errors.join('\n'))
  assert.deepEqual(errors.filter((e) => !/blocked by CORS policy|net::ERR_FAILED/.test(e)), [], 'only the refusal')
})
