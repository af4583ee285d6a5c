// Fails when db/schema.ts has changes that no committed migration covers (drizzle-kit would generate one).
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'

const dir = mkdtempSync(join(tmpdir(), 'rapport-migrations-'))
try {
  cpSync('db/migrations', dir, { recursive: true })
  const before = readdirSync(dir).length
  execFileSync('npx', ['drizzle-kit', 'generate', '--dialect', 'sqlite', '--schema', './db/schema.ts', '--out', dir], { stdio: 'pipe' })
  const after = readdirSync(dir).length
  if (after !== before) {
    console.error('db/schema.ts differs from the committed migrations: run `npm run db:generate` and commit db/migrations')
    process.exit(1)
  }
  console.log('migrations are current')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
