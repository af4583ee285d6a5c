// Fails the test run when coverage (written by tap as .tap/report/coverage-summary.json) drops below the thresholds.
import { readFileSync } from 'node:fs'

const thresholds = { lines: 95, statements: 95, branches: 88, functions: 88 }
const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8')).total as Record<string, { pct: number }>
const failures = Object.entries(thresholds).filter(([k, min]) => summary[k].pct < min)
for (const [k, min] of Object.entries(thresholds)) console.log(`coverage ${k}: ${summary[k].pct}% (minimum ${min}%)`)
if (failures.length) {
  console.error(`coverage below threshold: ${failures.map(([k]) => k).join(', ')}`)
  process.exit(1)
}
