// Reads the Stryker JSON reports (reports/mutation/*.json), prints each surviving or uncovered mutant and a score per folder.
// Usage: tsx scripts/mutation-survivors.ts [report.json …] (default: every report; a file in several reports counts once, newest wins).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

interface Mutant { mutatorName: string, replacement?: string, status: string, location: { start: { line: number, column: number }, end: { line: number, column: number } } }
interface Report { files: Record<string, { source: string, mutants: Mutant[] }> }

const DIR = 'reports/mutation'
const given = process.argv.slice(2)
const reports = given.length > 0 ? given : existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => join(DIR, f)) : []
if (reports.length === 0) {
  console.error(`no reports: run npm run mutate first (reports land in ${DIR})`)
  process.exit(1)
}

// Newest report last, so its copy of a file replaces older ones.
const files = new Map<string, { source: string, mutants: Mutant[] }>()
for (const path of reports.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)) {
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report
  for (const [file, entry] of Object.entries(report.files)) files.set(file.replace(/\\/g, '/'), entry)
}

/** The mutated source text (first line only, shortened) for a one-line listing. */
function original (source: string, m: Mutant): string {
  const lines = source.split('\n')
  const { start, end } = m.location
  const text = start.line === end.line
    ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
    : lines[start.line - 1].slice(start.column - 1) + ' …'
  return shorten(text)
}

function shorten (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 70 ? `${flat.slice(0, 67)}…` : flat
}

const LISTED = new Set(['Survived', 'NoCoverage'])
const counts = new Map<string, Record<string, number>>()
const perFile = new Map<string, Record<string, number>>()
for (const [file, { source, mutants }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  const folder = file.split('/').slice(0, -1).join('/')
  const c = counts.get(folder) ?? {}
  counts.set(folder, c)
  const f: Record<string, number> = {}
  perFile.set(file, f)
  for (const m of [...mutants].sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)) {
    c[m.status] = (c[m.status] ?? 0) + 1
    f[m.status] = (f[m.status] ?? 0) + 1
    if (LISTED.has(m.status)) {
      console.log(`${file}:${m.location.start.line} ${m.status} ${m.mutatorName} (${original(source, m)} → ${shorten(m.replacement ?? '')})`)
    }
  }
}

// Stryker's score: (killed + timeout) / (killed + timeout + survived + no coverage); ignored, compile and runtime errors are left out.
function line (name: string, c: Record<string, number>): string {
  const killed = c.Killed ?? 0
  const timeout = c.Timeout ?? 0
  const survived = c.Survived ?? 0
  const none = c.NoCoverage ?? 0
  const valid = killed + timeout + survived + none
  const score = valid === 0 ? 'n/a' : `${(100 * (killed + timeout) / valid).toFixed(2)} %`
  return `${name}: ${killed} / ${survived} / ${none} / ${timeout} / ${c.Ignored ?? 0} → ${score}`
}

console.log('\nfile: killed / survived / no coverage / timeout / ignored → score')
for (const [file, c] of perFile) console.log(line(file, c))
console.log('\nfolder: killed / survived / no coverage / timeout / ignored → score')
for (const [folder, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) console.log(line(folder, c))
