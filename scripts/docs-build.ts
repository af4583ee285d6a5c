// Builds the static API reference (docs/api/): Redocly's build-docs from the committed OpenAPI document, made self-contained.
// Run by `npm install` (prepare) and `npm run docs:build`; without the dev dependencies (--omit=dev) it warns and builds nothing.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'docs', 'api')
const require = createRequire(import.meta.url)
let cliDir: string
try {
  cliDir = dirname(require.resolve('@redocly/cli/package.json'))
} catch {
  console.warn('rapport: the API reference was not built (@redocly/cli is not installed): install the dev dependencies, then run npm run docs:build')
  process.exit(0)
}

mkdirSync(out, { recursive: true })
execFileSync(process.execPath, [join(cliDir, 'bin', 'cli.js'), 'build-docs', 'openapi/openapi.json', '-o', join(out, 'index.html')], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }
})

// Redoc's sidebar attribution loads a logo from Redocly's CDN: ship a drawn-here one instead, so the page fetches nothing from elsewhere.
const logo = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16"><text x="0" y="12" font-family="sans-serif" font-size="11" fill="gray">Redoc</text></svg>')
const script = readFileSync(join(cliDir, 'lib', 'chunks', 'redoc.standalone.js'), 'utf8')
  .replace(/https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g, logo)
if (/https:\/\/cdn\.redoc\.ly\//.test(script)) throw new Error('redoc.standalone.js still loads something from cdn.redoc.ly')
writeFileSync(join(out, 'redoc.standalone.js'), script)
const integrity = `sha384-${createHash('sha384').update(script).digest('base64')}`

// build-docs loads Redoc from a CDN: load the copy beside the page instead (same subresource integrity rule, new digest).
const html = readFileSync(join(out, 'index.html'), 'utf8')
  .replace(/https:\/\/cdn\.redocly\.com\/redoc\/[^"]*\/redoc\.standalone\.js/g, './redoc.standalone.js')
  .replace(/integrity="sha384-[^"]*"/g, `integrity="${integrity}"`)
  .replace('<head>', '<head>\n  <link rel="icon" href="data:,">')
if (/https:\/\/cdn\./.test(html)) throw new Error('docs/api/index.html still loads something from a CDN')
writeFileSync(join(out, 'index.html'), html)
console.log('wrote docs/api/index.html and docs/api/redoc.standalone.js')
