// Docs-test helper: builds docs/api (npm run docs:build) when it is missing or older than the committed document.
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** CI builds docs/api at npm ci through `prepare`; a local run after `npm run openapi` rebuilds it here. */
export function ensureDocsBuilt () {
  const index = join(ROOT, 'docs', 'api', 'index.html')
  const sources = Math.max(...['openapi/openapi.json', 'scripts/docs-build.ts'].map((f) => statSync(join(ROOT, f)).mtimeMs))
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'docs-build.ts')], { cwd: ROOT, stdio: 'ignore' })
}
