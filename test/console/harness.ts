// Browser-test harness: a fresh console build when sources changed, the real app listening on loopback with the fake LLM, and Chromium.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildApp } from '../../src/app.ts'
import { testAppConfig } from '../helpers/build.ts'
import { startFakeLlm, type FakeLlm, type FakeRequest } from '../helpers/fake-llm.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CONSOLE = join(ROOT, 'console')

function newest (path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(s.mtimeMs, ...readdirSync(path).filter((n) => n !== 'generated').map((n) => newest(join(path, n))))
}

/** Builds console/dist when it is missing or older than its sources (CI builds it at npm ci through `prepare`). */
export function ensureConsoleBuilt () {
  const index = join(CONSOLE, 'dist', 'index.html')
  const sources = Math.max(newest(join(CONSOLE, 'src')), newest(join(CONSOLE, 'index.html')), newest(join(CONSOLE, 'vite.config.ts')), newest(join(ROOT, 'examples')))
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return
  execFileSync(process.execPath, [join(CONSOLE, 'build.mjs')], { cwd: ROOT, stdio: 'ignore' })
}

/** The player's latest line and the transitions offered, read from an evaluation request. */
export function evaluation (req: FakeRequest) {
  const last = req.messages.at(-1)?.content ?? ''
  const line = /<<<\n([\s\S]*?)\n>>>/.exec(last)?.[1] ?? ''
  const offered = [...req.system.matchAll(/^(t\d+) \| decision: (\w+) \| condition: (.*)$/gm)]
    .map((m) => ({ id: m[1], decision: m[2], condition: m[3] }))
  return { line, offered }
}

export interface Harness { url: string, fake: FakeLlm, browser: Browser, page: Page, errors: string[], failedRequests: string[] }

/**
 * Starts the fake LLM, the app on 127.0.0.1 (OpenAI pointed at the fake; limits raised so the browser's many calls are
 * never refused) and Chromium at 1280×800; records console errors and page errors. Everything closes on teardown.
 */
export async function startHarness (t: Test): Promise<Harness> {
  ensureConsoleBuilt()
  const fake = await startFakeLlm()
  const app = await buildApp(await testAppConfig(t, { OPENAI_BASE_URL: `${fake.url}/openai/v1`, RATE_LIMIT_GENERAL: '100000', RATE_LIMIT_CHAT: '100000', RATE_LIMIT_GENERATION: '100000' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const errors: string[] = []
  t.teardown(async () => {
    // a failing run leaves the page as it was and the browser's errors for the reader
    if (!t.passing()) {
      mkdirSync('test-output', { recursive: true })
      await page.screenshot({ path: 'test-output/console-failure.png' }).catch(() => {})
      t.comment(`browser errors: ${JSON.stringify(errors)}, failed requests: ${JSON.stringify(failedRequests)}`)
    }
    await browser.close()
    await app.close()
    await fake.close()
  })
  const failedRequests: string[] = []
  // Chromium logs every 4xx as a console error; those are checked one by one through failedRequests instead
  page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text()) })
  page.on('response', (res) => { if (res.status() >= 400) failedRequests.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`) })
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('dialog', (dialog) => { dialog.accept().catch(() => {}) })
  page.setDefaultTimeout(15_000)
  return { url, fake, browser, page, errors, failedRequests }
}
