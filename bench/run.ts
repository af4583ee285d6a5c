// Benchmark harness: requests/s of Rapport routes against a bare Fastify route, measured in the same run.
// Bare and Rapport runs alternate (several rounds) and the median ratio is reported, so a noisy
// machine moves both sides alike. Usage: npm run bench [-- --seconds 5 --rounds 3 --connections 50 --only auth-me]
import autocannon from 'autocannon'
import { scenarios, type Scenario } from './scenarios.ts'
import { startTarget as start } from './target-process.ts'

const args = process.argv.slice(2)
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def }
const seconds = Number(opt('seconds', '5'))
const rounds = Number(opt('rounds', '3'))
const connections = Number(opt('connections', '50'))
const only = opt('only', '')

interface Run { rps: number, p50: number, p99: number, errors: number }

async function load (opts: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections, duration: seconds, ...opts })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main () {
  const bare = await start('bare')
  const bareUrl = `${bare.url}/bare`
  await load({ url: bareUrl, duration: 2 }) // warm-up
  const rows: Array<{ name: string, bare: number, app: Run, ratio: number, ratios: number[], target?: number, sameBody?: number }> = []

  for (const s of scenarios.filter((x: Scenario) => !only || x.name === only)) {
    const target = await start('app', s.env ?? {})
    const request = await s.setup(target.url)
    await load({ ...request, duration: 2 }) // warm-up
    const bareRuns: number[] = []
    const appRuns: Run[] = []
    const sameBodyRuns: number[] = []
    for (let r = 0; r < rounds; r++) {
      bareRuns.push((await load({ url: bareUrl })).rps)
      appRuns.push(await load(request))
      if (s.sameBodyBare) sameBodyRuns.push((await load({ url: `${bare.url}${s.sameBodyBare}` })).rps)
    }
    target.child.kill()
    const ratios = appRuns.map((a, i) => a.rps / bareRuns[i])
    const mid = appRuns[ratios.indexOf(median(ratios))]
    const sameBody = sameBodyRuns.length ? median(appRuns.map((a, i) => a.rps / sameBodyRuns[i])) : undefined
    rows.push({ name: s.title, bare: median(bareRuns), app: mid, ratio: median(ratios), ratios, target: s.targetRatio, sameBody })
  }
  bare.child.kill()

  console.log(`\n${seconds}s per run, ${rounds} alternating rounds, ${connections} connections, node ${process.version}`)
  console.log('scenario'.padEnd(52), 'req/s'.padStart(8), 'bare'.padStart(8), 'ratio'.padStart(6), 'p50'.padStart(4), 'p99'.padStart(4), 'err'.padStart(4), '  rounds        target')
  for (const r of rows) {
    const verdict = r.target ? `≥ ${r.target}× ${r.ratio >= r.target ? 'met' : 'NOT met'}` : ''
    console.log(r.name.padEnd(52), r.app.rps.toFixed(0).padStart(8), r.bare.toFixed(0).padStart(8), r.ratio.toFixed(2).padStart(6),
      String(r.app.p50).padStart(4), String(r.app.p99).padStart(4), String(r.app.errors).padStart(4), `  ${r.ratios.map((x) => x.toFixed(2)).join(' ').padEnd(14)}${verdict}`)
    if (r.sameBody !== undefined) console.log(`${''.padEnd(52)}   vs a bare route answering the same body: ${r.sameBody.toFixed(2)}×`)
  }
}

main().catch((err) => { console.error(err); process.exit(1) })
