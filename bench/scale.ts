// npm run bench:scale: SDK GET req/s and turns/s (fake provider) on one instance vs two behind Redis, SQLite vs PostgreSQL when it can run.
import autocannon from 'autocannon'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres, startRedis, type Service } from '../scripts/services.ts'
import { startFakeLlm } from '../tools/fake-llm.ts'
import { startTarget } from './target-process.ts'
import { apiKey, publishExamples, signUp } from './scenarios.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const LLM = { 'x-llm-api-key': 'sk-bench-0123456789', 'x-llm-model': 'gpt-4o-mini', 'content-type': 'application/json' }

const fake = await startFakeLlm()
fake.setDefault((req) => req.system.startsWith('You are the referee')
  ? { json: { transition_id: null, follow_up: false, reason: 'Nothing applies.' } }
  : { text: 'Fine words, traveller.' })

interface Setup { name: string, database: () => Promise<{ url: string, stop?: () => Promise<void> }>, redis: boolean, instances: number }

const sqliteFile = async () => ({ url: join(mkdtempSync(join(tmpdir(), 'rapport-scale-')), 'bench.db') })
const postgres = async () => { const s: Service = await startPostgres(); return { url: s.url, stop: s.stop } }
const setups: Setup[] = [
  { name: 'SQLite, 1 instance', database: sqliteFile, redis: false, instances: 1 },
  { name: 'PostgreSQL, 1 instance', database: postgres, redis: false, instances: 1 },
  { name: 'PostgreSQL + Redis, 1 instance', database: postgres, redis: true, instances: 1 },
  { name: 'PostgreSQL + Redis, 2 instances', database: postgres, redis: true, instances: 2 },
  { name: 'SQLite file + Redis, 1 instance', database: sqliteFile, redis: true, instances: 1 },
  { name: 'SQLite file + Redis, 2 instances', database: sqliteFile, redis: true, instances: 2 }
]

async function measure (setup: Setup): Promise<{ gets: number, turns: number } | string> {
  const stops: Array<() => Promise<unknown> | unknown> = []
  try {
    const db = await setup.database()
    if (db.stop) stops.push(db.stop)
    const env: Record<string, string> = { DATABASE_URL: db.url, OPENAI_BASE_URL: `${fake.url}/openai/v1`, JWT_SECRET: 'bench-secret-bench-secret-bench-secret', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' }
    if (setup.redis) {
      const redis = await startRedis()
      stops.push(redis.stop)
      env.REDIS_URL = redis.url
    }
    const urls: string[] = []
    for (let i = 0; i < setup.instances; i++) {
      const target = await startTarget('app', env)
      stops.unshift(() => target.child.kill('SIGTERM'))
      urls.push(target.url)
    }
    const token = await signUp(urls[0])
    const key = await apiKey(urls[0], token)
    const [personaId] = await publishExamples(urls[0], token, 1)
    const runs = await Promise.all(urls.map((url) => autocannon({ url: `${url}/api/v1/sdk/personas`, headers: { 'x-api-key': key }, connections: Math.ceil(20 / urls.length), duration: SECONDS })))
    const gets = runs.reduce((sum, r) => sum + r.requests.average, 0)

    const sdk = (url: string, path: string, body: unknown) => fetch(`${url}/api/v1/sdk/chat/${personaId}${path}`, { method: 'POST', headers: { 'x-api-key': key, ...LLM }, body: JSON.stringify(body) })
    const players = Array.from({ length: 20 }, (_, i) => `p${i}`)
    await Promise.all(players.map((p, i) => sdk(urls[i % urls.length], '/init-session', { user_session_id: p, player_name: 'Ada', player_gender: 'female' })))
    let turns = 0
    let n = 0
    const end = Date.now() + SECONDS * 1000
    await Promise.all(players.map(async (p) => {
      while (Date.now() < end) {
        const res = await sdk(urls[n++ % urls.length], '/message', { user_session_id: p, message: 'Let me in.' })
        await res.arrayBuffer()
        if (res.status === 200) turns++
      }
    }))
    return { gets, turns: turns / SECONDS }
  } catch (err) {
    return (err as Error).message.split('\n')[0]
  } finally {
    for (const stop of stops) await stop()
  }
}

const results: Array<[string, { gets: number, turns: number } | string]> = []
for (const setup of setups) {
  const r = await measure(setup)
  results.push([setup.name, r])
  console.log(typeof r === 'string' ? `${setup.name}: not measured (${r})` : `${setup.name}: SDK GET ${r.gets.toFixed(0)} req/s, turns ${r.turns.toFixed(1)}/s`)
}
const of = (name: string) => results.find(([n]) => n === name)?.[1]
const ratio = (a: string, b: string) => {
  const x = of(a)
  const y = of(b)
  if (typeof x !== 'object' || typeof y !== 'object' || x === undefined || y === undefined) return `${b} / ${a}: n/a`
  return `${b} / ${a}: GET ×${(y.gets / x.gets).toFixed(2)}, turns ×${(y.turns / x.turns).toFixed(2)}`
}
console.log(ratio('SQLite, 1 instance', 'PostgreSQL, 1 instance'))
console.log(ratio('PostgreSQL + Redis, 1 instance', 'PostgreSQL + Redis, 2 instances'))
console.log(ratio('SQLite file + Redis, 1 instance', 'SQLite file + Redis, 2 instances'))
await fake.close()
process.exit(0)
