// The document as generators consume it: types from openapi-typescript, a walk-through on openapi-fetch compiled under tsc --strict, run against the server with the mock provider.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { buildApp } from '../../src/app.ts'
import { testAppConfig } from '../helpers/build.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Turn { message: string, current_state: string, score: number, decision: string | null }
/** What the compiled walk-through exports (its own types come from the generated file, which exists only in the test's folder). */
type Walk = (baseUrl: string, persona: unknown, email: string) => Promise<{
  personas: Array<{ name: string }>, greeting: string, turn: Turn, events: string[], streamedText: string, metadata: Turn | null, done: Turn | null
}>

t.test('a client generated from openapi/openapi.json compiles under --strict and plays a whole streamed conversation', async (t) => {
  // Inside the repository (test-output/ is git-ignored), so the compiled client finds openapi-fetch in node_modules.
  mkdirSync(join(ROOT, 'test-output'), { recursive: true })
  const dir = mkdtempSync(join(ROOT, 'test-output', 'typed-client-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  const types = astToString(await openapiTS(pathToFileURL(join(ROOT, 'openapi', 'openapi.json')), { silent: true }))
  writeFileSync(join(dir, 'api.d.ts'), types)
  t.match(types, /"X-LLM-Eval-Model"\?: components\["parameters"\]\["XLlmEvalModel"\]/, 'the LLM headers are typed parameters')
  copyFileSync(join(ROOT, 'test', 'contract', 'walkthrough', 'walkthrough.ts'), join(dir, 'walkthrough.ts'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], skipLibCheck: true, outDir: 'out', rootDir: '.' },
    files: ['walkthrough.ts', 'api.d.ts']
  }))
  let compiled = ''
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json'), '--strict'], { cwd: dir, encoding: 'utf8' })
  } catch (err) {
    compiled = String((err as { stdout?: string }).stdout ?? err)
  }
  t.equal(compiled, '', 'tsc --strict: no errors (and every @ts-expect-error in misuse() is an error)')

  const app = await buildApp(await testAppConfig(t, { LLM_MOCK: 'true' }))
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

  const { walkthrough } = await import(pathToFileURL(join(dir, 'out', 'walkthrough.js')).href) as { walkthrough: Walk }
  const vex = JSON.parse(readFileSync(join(ROOT, 'examples', 'vex-bouncer.json'), 'utf8'))
  const result = await walkthrough(baseUrl, vex, 'typed@example.com')

  t.same(result.personas.map((p) => p.name), ['Vex'], 'the published persona is listed')
  t.equal(result.greeting, vex.machines[0].states.find((s: { is_initial_state: boolean }) => s.is_initial_state).prompt_instruction, 'the mock greets with the initial state\'s instruction')
  t.match(result.turn, { current_state: 'guest_list', decision: 'pass', score: 1 })
  t.equal(result.events[0], 'metadata')
  t.equal(result.events.at(-1), 'done')
  t.ok(result.events.filter((e) => e === 'text_delta').length > 3, 'the reply arrives word by word')
  t.equal(result.streamedText, result.done?.message, 'the deltas add up to the committed message')
  t.equal(result.metadata?.current_state, result.done?.current_state)
})
