// Starts a benchmark target (bench/target.ts) as a child process and returns its URL.
import { fork, type ChildProcess } from 'node:child_process'

/**
 * Forks bench/target.ts in `mode` ('app' or 'bare') with extra environment; resolves once it listens.
 * With BENCH_CPU_PROF=<dir> set, the target writes a V8 CPU profile there when it exits (open it in
 * Chrome DevTools' Performance panel): where a turn's server time goes.
 */
export async function startTarget (mode: 'app' | 'bare', env: Record<string, string> = {}): Promise<{ child: ChildProcess, url: string }> {
  const child = fork(new URL('./target.ts', import.meta.url).pathname, [mode], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: { ...process.env, BENCH_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`target ${mode} exited with ${code}`)))
  })
  return { child, url: `http://127.0.0.1:${port}` }
}
