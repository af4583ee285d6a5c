// Starts bench/fake-llm-process.ts as a child process with an IPC channel, and stops child processes: shared by bench/chat.ts and bench/latency.ts.
import { fork, type ChildProcess } from 'node:child_process'
import type { FakeOptions } from './fake-llm-process.ts'

export interface Fake { child: ChildProcess, url: string, ask: <T>(msg: object) => Promise<T> }

export async function startFake (mode: 'instant' | 'stamped' | 'latency', options: FakeOptions = {}): Promise<Fake> {
  const child = fork(new URL('./fake-llm-process.ts', import.meta.url).pathname, [mode], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_FAKE: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const waiting = new Map<number, (m: any) => void>()
  let seq = 0
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: any) => {
      if (m.type === 'ready') resolve(m.port)
      else waiting.get(m.id)?.(m)
    })
    child.once('exit', (code) => reject(new Error(`fake LLM exited with ${code}`)))
  })
  const ask = <T>(msg: object) => new Promise<T>((resolve) => {
    const id = ++seq
    waiting.set(id, (m) => { waiting.delete(id); resolve(m as T) })
    child.send({ ...msg, id })
  })
  return { child, url: `http://127.0.0.1:${port}`, ask }
}

export async function stop (child: ChildProcess) {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}
