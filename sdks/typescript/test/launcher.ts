// Starts the conformance launcher the way every SDK suite does (npx tsx sdks/conformance/server.ts) and reads its JSON line.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface Launched {
  info: Record<string, any>
  stop: () => Promise<void>
}

/** Spawns the launcher from the repository root; `stop` closes its stdin and waits for it to exit. */
export async function launch (env: Record<string, string> = {}): Promise<Launched> {
  const child = spawn('npx', ['tsx', 'sdks/conformance/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit']
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`launcher exited with ${code} before it was ready`)))
  })
  lines.on('line', (line) => { throw new Error(`launcher printed a second line: ${line}`) })
  return {
    info: JSON.parse(first),
    stop: async () => {
      child.stdin.end()
      const code = await exited
      if (code !== 0) throw new Error(`launcher exited with ${code}`)
    }
  }
}
