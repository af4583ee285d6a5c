// Builds the static API reference (docs/api/): Redocly's build-docs from the committed OpenAPI document, made self-contained.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'docs', 'api')
const require = createRequire(import.meta.url)
const cliDir = dirname(require.resolve('@redocly/cli/package.json'))

mkdirSync(out, { recursive: true })
execFileSync(join(root, 'node_modules', '.bin', 'redocly'), ['build-docs', 'openapi/openapi.json', '-o', join(out, 'index.html')], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }
})
// build-docs loads Redoc from a CDN: ship the CLI's own copy beside the page instead, so the folder works offline.
copyFileSync(join(cliDir, 'lib', 'chunks', 'redoc.standalone.js'), join(out, 'redoc.standalone.js'))
const html = readFileSync(join(out, 'index.html'), 'utf8')
const local = html.replace(/https:\/\/cdn\.redocly\.com\/redoc\/[^"]*\/redoc\.standalone\.js/g, './redoc.standalone.js')
if (/https:\/\/cdn\./.test(local)) throw new Error('docs/api/index.html still loads something from a CDN')
writeFileSync(join(out, 'index.html'), local)
console.log('wrote docs/api/index.html and docs/api/redoc.standalone.js')
