// Entry point: load config, build the app, listen, and close gracefully on SIGTERM/SIGINT.
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { describeDatabase } from './logging.ts'

async function main () {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`rapport: ${err.message}`)
      process.exit(1)
    }
    throw err
  }
  const app = await buildApp(config)
  let closing = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return
      closing = true
      app.log.info({ signal }, 'shutting down')
      const force = setTimeout(() => process.exit(1), 10_000)
      force.unref()
      app.close().then(() => process.exit(0), (err) => { app.log.error(err); process.exit(1) })
    })
  }
  const url = await app.listen({ port: config.port, host: config.host })
  app.log.info(`Rapport is up at ${url} — API reference ${url}/docs, database ${describeDatabase(config.databaseUrl)}`)
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `rapport: ${err.message}` : err)
  process.exit(1)
})
