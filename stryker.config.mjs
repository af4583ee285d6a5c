// StrykerJS mutation testing (`npm run mutate`): tap test files run one node process each through tsx, per-test (per-file) coverage.
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'

// MUTATE=engine,plugins (folders under src/, comma-separated; default all four) runs a subset with its own reports;
// single files work too (MUTATE=src/engine/core.ts). The CLI's --mutate also overrides the globs (reports then keep the name).
const FOLDERS = ['engine', 'plugins', 'llm', 'repositories']
const targets = (process.env.MUTATE || FOLDERS.join(',')).split(',').map((f) => f.trim().replace(/^src\//, '').replace(/\/$/, '')).filter(Boolean)
const unknown = targets.filter((f) => !FOLDERS.includes(f) && !(f.endsWith('.ts') && FOLDERS.includes(f.split('/')[0])))
if (unknown.length > 0) throw new Error(`MUTATE: unknown folder(s) or file(s) ${unknown.join(', ')}; use ${FOLDERS.join(', ')} or files in them`)
const mutate = targets.map((f) => f.endsWith('.ts') ? `src/${f}` : `src/${f}/**/*.ts`)
// Every test file but those that start other processes (the built server, Chromium); tap-runner's globs take no
// negation. A mutant's covering files run in this order and the first failure kills it, so focused unit tests go first.
// MUTATE_TESTS=test/engine,test/pins (path prefixes, in this order) limits the files, for a quicker, less thorough run.
const SLOW = new Set(['test/server.test.ts', 'test/console/console.test.ts', 'test/docs/docs-browser.test.ts'])
const only = process.env.MUTATE_TESTS?.split(',').map((p) => p.trim()).filter(Boolean)
// Within a prefix files run alphabetically, so the quick unit files are named before the slow service ones
// (test/engine/chat-service*.test.ts take a minute or more each on a busy machine).
const ORDER = only ?? [
  'test/engine/core', 'test/engine/validator', 'test/engine/evaluation-stream', 'test/engine/steps', 'test/engine/session-queue',
  'test/engine/prompts', 'test/engine/', 'test/plugins/', 'test/llm/', 'test/repositories/', 'test/pins/', 'test/routes/'
]
const rank = (f) => { const i = ORDER.findIndex((p) => f.startsWith(p)); return i === -1 ? ORDER.length : i }
const testFiles = readdirSync('test', { recursive: true })
  .map((f) => `test/${String(f).replace(/\\/g, '/')}`)
  .filter((f) => f.endsWith('.test.ts') && !SLOW.has(f) && (only === undefined || only.some((p) => f.startsWith(p))))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
// Test files run without tap's runner, so its per-file timeout (30 s by default) comes from the environment. A mutant that
// makes requests hang fails its file after 180 s instead of waiting for Stryker's own (much longer) per-mutant timeout.
process.env.TAP_TIMEOUT ??= '180'
// A test file stops at its first failing assertion: one is enough to kill a mutant, and the rest of a slow service file is skipped.
process.env.TAP_BAIL ??= '1'
const joined = targets.map((f) => f.replace(/\.ts$/, '').replace(/\//g, '-')).join('+')
// A long file list would make a report name past the file system's limit (ENAMETOOLONG loses the report): cut it, keep a hash.
const short = joined.length <= 120 ? joined : `${joined.slice(0, 100)}+${createHash('sha256').update(joined).digest('hex').slice(0, 8)}`
const name = targets.length === FOLDERS.length && FOLDERS.every((f) => targets.includes(f)) ? 'all' : short

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate,
  tap: {
    testFiles,
    // tap's own runner is not used: each file runs as a plain node process with tsx for TypeScript.
    nodeArgs: ['--import', 'tsx', '-r', '{{hookFile}}', '{{testFile}}']
  },
  coverageAnalysis: 'perTest',
  // The initial run (every test file, one after another) takes minutes on a busy machine.
  dryRunTimeoutMinutes: 60,
  // Static mutants (module-level constants) would need every test file for each of them; they are reported as ignored.
  ignoreStatic: true,
  // Only files that tests reach are copied into the sandbox.
  ignorePatterns: ['/console', '/sdks', '/bench', '/coverage', '/.tap', '/reports', '/data', '/test-output'],
  // The machine is shared: at most two test processes at once.
  concurrency: 2,
  timeoutMS: 30000,
  timeoutFactor: 2,
  reporters: ['html', 'json', 'progress', 'clear-text'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // Reruns only test mutants whose code or covering tests changed since the last run of the same folders.
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
}
