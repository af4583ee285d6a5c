// Writes openapi/openapi.json from the code (or, with --check, fails when the committed file differs).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

const file = new URL('../openapi/openapi.json', import.meta.url)
const app = await buildApp(loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent', JWT_SECRET: 'openapi-emitter-secret-openapi-emitter' }))
await app.ready()
const doc = JSON.stringify(app.swagger(), null, 2) + '\n'
await app.close()

if (process.argv.includes('--check')) {
  let committed = ''
  try { committed = readFileSync(file, 'utf8') } catch {}
  if (committed !== doc) {
    console.error('openapi/openapi.json is out of date: run `npm run openapi` and commit the result')
    process.exit(1)
  }
  console.log('openapi/openapi.json is current')
} else {
  mkdirSync(new URL('../openapi/', import.meta.url), { recursive: true })
  writeFileSync(file, doc)
  console.log('wrote openapi/openapi.json')
}
