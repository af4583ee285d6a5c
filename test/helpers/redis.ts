// A throwaway redis-server on a free loopback port for one test file (Debian's redis-server on PATH).
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export interface TestRedis {
  url: string
  /** A fresh key prefix, so tests sharing one server never see each other's keys. */
  prefix: () => string
  /** A plain connection (closed by stop). */
  connect: () => Redis
  stop: () => Promise<void>
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a tiny race with other processes is tolerated). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function waitForPing (url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      return
    } catch (err) {
      probe.disconnect()
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

let counter = 0

/** Starts redis-server without persistence; its own server per test file keeps files independent. */
export async function startRedis (): Promise<TestRedis> {
  const port = await freePort()
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  await waitForPing(url, child)
  const clients: Redis[] = []
  return {
    url,
    prefix: () => `test:${process.pid}:${++counter}:`,
    connect () {
      const c = new Redis(url)
      clients.push(c)
      return c
    },
    async stop () {
      for (const c of clients) c.disconnect()
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
    }
  }
}
