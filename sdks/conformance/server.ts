// Conformance launcher: starts the environment, prints one JSON line to stdout, runs until stdin closes or SIGTERM.
import { startConformance } from './harness.ts'

const origins = (process.env.CONFORMANCE_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean)
const env = await startConformance({ corsOrigins: origins })

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  try {
    await env.close()
  } finally {
    process.exit(0)
  }
}

process.stdout.write(JSON.stringify(env.info) + '\n')
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
