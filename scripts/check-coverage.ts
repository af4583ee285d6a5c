// Fails the test run when coverage (written by tap as .tap/report/coverage-summary.json) drops below the thresholds.
// `--postgres` (after `npm run test:pg`) checks the PostgreSQL repositories alone, which only that run exercises.
import { readFileSync } from 'node:fs'

type Metric = 'lines' | 'statements' | 'branches' | 'functions'
type Counts = Record<Metric, { total: number, covered: number }>

const thresholds: Record<Metric, number> = { lines: 95, statements: 95, branches: 88, functions: 88 }
// `npm test` runs on SQLite: the PostgreSQL repositories run under `npm run test:pg` (the same suite, on
// PostgreSQL), so they are reported here but kept out of the SQLite run's totals, and checked after that run.
const POSTGRES_ONLY = /\/src\/repositories\/pg\//

const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8')) as Record<string, Counts>
const totals = (files: string[]) => {
  const sum = Object.fromEntries(Object.keys(thresholds).map((k) => [k, { total: 0, covered: 0 }])) as Counts
  for (const file of files) {
    for (const k of Object.keys(thresholds) as Metric[]) {
      sum[k].total += summary[file][k].total
      sum[k].covered += summary[file][k].covered
    }
  }
  return sum
}
const pct = (c: { total: number, covered: number }) => c.total === 0 ? 100 : Math.floor((c.covered / c.total) * 10_000) / 100

const files = Object.keys(summary).filter((f) => f !== 'total')
const postgresRun = process.argv.includes('--postgres')
const counted = totals(files.filter((f) => POSTGRES_ONLY.test(f) === postgresRun))
const scope = postgresRun ? 'src/repositories/pg ' : ''
for (const k of Object.keys(thresholds) as Metric[]) console.log(`${scope}coverage ${k}: ${pct(counted[k])}% (minimum ${thresholds[k]}%)`)
if (!postgresRun) {
  const postgres = totals(files.filter((f) => POSTGRES_ONLY.test(f)))
  console.log(`src/repositories/pg (checked after npm run test:pg, not counted here): statements ${pct(postgres.statements)}% under SQLite`)
}
const failures = (Object.keys(thresholds) as Metric[]).filter((k) => pct(counted[k]) < thresholds[k])
if (failures.length) {
  console.error(`${scope}coverage below threshold: ${failures.join(', ')}`)
  process.exit(1)
}
