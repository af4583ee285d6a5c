// Fails when db/schema.ts or db/schema-pg.ts has changes that no committed migration covers (drizzle-kit would generate one).
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { execFileSync } from 'node:child_process'

const dialects = [
  { dialect: 'sqlite', schema: './db/schema.ts', folder: 'db/migrations' },
  { dialect: 'postgresql', schema: './db/schema-pg.ts', folder: 'db/migrations-pg' }
]

let drift = false
for (const { dialect, schema, folder } of dialects) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-migrations-'))
  try {
    cpSync(folder, dir, { recursive: true })
    const before = readdirSync(dir).length
    // relative: drizzle-kit's PostgreSQL generator prefixes the output folder with './'
    const output = execFileSync('npx', ['drizzle-kit', 'generate', '--dialect', dialect, '--schema', schema, '--out', relative(process.cwd(), dir)], { encoding: 'utf8', stdio: 'pipe' })
    if (readdirSync(dir).length !== before) {
      console.error(`${schema} differs from the committed migrations: run \`npm run db:generate\` and commit ${folder}`)
      drift = true
    } else if (!output.includes('No schema changes')) {
      console.error(`drizzle-kit could not compare ${schema} with ${folder}:\n${output}`)
      drift = true
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
if (drift) process.exit(1)
console.log('migrations are current (SQLite and PostgreSQL)')
