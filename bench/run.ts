// Benchmark harness: requests/s of Rapport routes against a bare Fastify route, measured in the same run.
// Usage: npm run bench [-- --seconds 10 --connections 50 --only auth-me]
import { fork, type ChildProcess } from 'node:child_process'
import autocannon from 'autocannon'
import { scenarios, type Scenario } from './scenarios.ts'

const args = process.argv.slice(2)
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def }
const seconds = Number(opt('seconds', '8'))
const connections = Number(opt('connections', '50'))
const only = opt('only', '')

async function start (mode: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess, url: string }> {
  const child = fork(new URL('./target.ts', import.meta.url).pathname, [mode], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`target ${mode} exited with ${code}`)))
  })
  return { child, url: `http://127.0.0.1:${port}` }
}

async function load (opts: autocannon.Options) {
  const result = await autocannon({ connections, duration: seconds, ...opts })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

async function main () {
  const results: Array<{ name: string, rps: number, ratio: number, p50: number, p99: number, errors: number, target?: number }> = []
  const bare = await start('bare')
  await load({ url: `${bare.url}/bare`, duration: 2 }) // warm-up
  const baseline = await load({ url: `${bare.url}/bare` })
  bare.child.kill()
  results.push({ name: 'bare fastify GET /bare', ...baseline, ratio: 1 })

  for (const s of scenarios.filter((x: Scenario) => !only || x.name === only)) {
    const target = await start('app', s.env ?? {})
    const request = await s.setup(target.url)
    await load({ ...request, duration: 2 })
    const r = await load(request)
    target.child.kill()
    results.push({ name: s.title, ...r, ratio: r.rps / baseline.rps, target: s.targetRatio })
  }

  console.log(`\n${seconds}s per run, ${connections} connections, node ${process.version}`)
  console.log('scenario'.padEnd(52), 'req/s'.padStart(9), 'ratio'.padStart(7), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), 'errors'.padStart(7), '  target')
  for (const r of results) {
    console.log(r.name.padEnd(52), r.rps.toFixed(0).padStart(9), r.ratio.toFixed(2).padStart(7), String(r.p50).padStart(7), String(r.p99).padStart(7), String(r.errors).padStart(7), r.target ? `  ≥ ${r.target}× ${r.ratio >= r.target ? 'met' : 'NOT met'}` : '')
  }
}

main().catch((err) => { console.error(err); process.exit(1) })
