// tsx scripts/services.ts [--postgres] [--redis] -- <command…>: throwaway PostgreSQL / Redis on free loopback ports around one command.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

export interface Service {
  url: string
  stop: () => Promise<void>
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; released before the service binds it). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** The directory holding initdb and postgres: PG_BIN, else the newest /usr/lib/postgresql/N/bin, else pg_config. */
function postgresBin (): string {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (versions.length > 0) return join(root, versions[0], 'bin')
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()
}

/** PostgreSQL refuses to run as root: as root, its processes run as the `postgres` system user. */
function postgresUser (): { uid: number, gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

function stopProcess (child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => { clearTimeout(kill); resolve() })
    child.kill(signal)
  })
}

async function waitFor (what: string, check: () => Promise<boolean>, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before it was ready:\n${log()}`)
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} was not ready within 60 s:\n${log()}`)
}

/**
 * Starts a throwaway PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only, durability
 * off (fsync, synchronous_commit: it is deleted afterwards), with an empty database `rapport`.
 */
export async function startPostgres (): Promise<Service> {
  const bin = postgresBin()
  const user = postgresUser()
  const dir = mkdtempSync(join(tmpdir(), 'rapport-pg-'))
  if (user) chownSync(dir, user.uid, user.gid)
  const data = join(dir, 'data')
  const asUser = user ? { uid: user.uid, gid: user.gid } : {}
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { stdio: 'pipe', cwd: dir, ...asUser })
  const port = await freePort()
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
    '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=500', '-c', 'log_min_messages=warning']
  const child = spawn(join(bin, 'postgres'), args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...asUser })
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-20_000) })
  const admin = `postgres://postgres@127.0.0.1:${port}`
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: `${admin}/postgres` })
    await client.connect()
    try { await client.query(sql) } finally { await client.end() }
  }
  try {
    await waitFor('postgres', async () => { await query('select 1'); return true }, child, () => log)
    await query('create database rapport')
  } catch (err) {
    await stopProcess(child, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url: `${admin}/rapport`,
    stop: async () => {
      await stopProcess(child, 'SIGINT')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Starts a throwaway redis-server on 127.0.0.1 with persistence off (no RDB snapshots, no AOF). */
export async function startRedis (): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-redis-'))
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-20_000) })
  const ping = () => new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'))
    socket.on('data', (d) => { socket.destroy(); resolve(d.toString().startsWith('+PONG')) })
    socket.on('error', () => resolve(false))
  })
  try {
    await waitFor('redis-server', ping, child, () => log)
  } catch (err) {
    await stopProcess(child, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stopProcess(child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

async function main (argv: string[]): Promise<number> {
  const split = argv.indexOf('--')
  const flags = split === -1 ? argv : argv.slice(0, split)
  const command = split === -1 ? [] : argv.slice(split + 1)
  const unknown = flags.filter((f) => f !== '--postgres' && f !== '--redis')
  if (command.length === 0 || unknown.length > 0 || flags.length === 0) {
    console.error('usage: tsx scripts/services.ts [--postgres] [--redis] -- <command> [args…]')
    return 2
  }
  const env: Record<string, string> = {}
  const services: Service[] = []
  const stopAll = () => Promise.all(services.map((s) => s.stop().catch(() => {})))
  try {
    if (flags.includes('--postgres')) {
      const postgres = await startPostgres()
      services.push(postgres)
      env.DATABASE_URL = env.TEST_DATABASE_URL = postgres.url
    }
    if (flags.includes('--redis')) {
      const redis = await startRedis()
      services.push(redis)
      env.REDIS_URL = env.TEST_REDIS_URL = redis.url
    }
  } catch (err) {
    await stopAll()
    console.error(`services: ${(err as Error).message}`)
    return 1
  }
  console.error(`services: ${Object.entries(env).filter(([k]) => k.startsWith('TEST_')).map(([k, v]) => `${k}=${v}`).join(' ')}`)
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } })
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
  process.on('SIGINT', forward('SIGINT'))
  process.on('SIGTERM', forward('SIGTERM'))
  const code = await new Promise<number>((resolve) => {
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)))
    child.on('error', (err) => { console.error(`services: ${err.message}`); resolve(127) })
  })
  await stopAll()
  return code
}

if (process.argv[1] !== undefined && resolvePath(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => { console.error(err); process.exit(1) })
}
