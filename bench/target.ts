// A benchmark target process: `bare` (a plain Fastify route) or `app` (Rapport on a fresh SQLite file).
import Fastify from 'fastify'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

const mode = process.argv[2]
process.on('SIGTERM', () => process.exit(0))

async function main () {
  if (mode === 'bare') {
    const app = Fastify()
    app.get('/bare', async () => ({ id: '00000000-0000-4000-8000-000000000000', email: 'bench@example.com', display_name: 'Bench', role: 'user' }))
    // The same-size answer as the SDK persona list of 20 example personas, to separate body cost from server overhead.
    const example = JSON.parse(readFileSync(new URL('../examples/vex-bouncer.json', import.meta.url), 'utf8'))
    const now = new Date().toISOString()
    const personas = Array.from({ length: 20 }, (_, i) => ({ id: randomUUID(), name: `${example.persona.name} ${i + 1}`, description: example.persona.description, created_at: now, updated_at: now }))
    app.get('/bare-personas', async () => personas)
    await app.listen({ port: 0, host: '127.0.0.1' })
    process.send?.({ port: (app.server.address() as { port: number }).port })
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'))
  const env: Record<string, string> = {
    DATABASE_URL: join(dir, 'bench.db'),
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_GENERAL: '1000000000',
    RATE_LIMIT_SDK_GENERAL: '1000000000',
    RATE_LIMIT_SDK_CHAT: '1000000000',
    RATE_LIMIT_CHAT: '1000000000',
    ...JSON.parse(process.env.BENCH_ENV ?? '{}')
  }
  const app = await buildApp(loadConfig(env))
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.send?.({ port: (app.server.address() as { port: number }).port })
}

main().catch((err) => { console.error(err); process.exit(1) })
