// npm pack yields a working tarball: installed into a scratch project, it imports, types resolve and a call succeeds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { scriptServer } from './script-server.ts'

const run = promisify(execFile)
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

test('the packed tarball installs offline and works from a plain Node project', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'rapport-sdk-pack-'))
  t.after(() => rmSync(scratch, { recursive: true, force: true }))
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: PACKAGE_DIR })
  const [packed] = JSON.parse(stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
  const paths = packed.files.map((f) => f.path).sort()
  assert.ok(paths.includes('dist/index.js') && paths.includes('dist/index.d.ts') && paths.includes('README.md'), paths.join(' '))
  assert.ok(paths.every((p) => p === 'package.json' || p === 'README.md' || p.startsWith('dist/')), 'only dist, README and package.json ship')

  const project = join(scratch, 'game')
  await run('mkdir', ['-p', project])
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'game', version: '1.0.0', type: 'module', private: true }))
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(scratch, packed.filename)], { cwd: project })
  assert.ok(existsSync(join(project, 'node_modules/@rapport/sdk/dist/index.d.ts')))
  assert.deepEqual(readdirSync(join(project, 'node_modules')).filter((d) => !d.startsWith('.')), ['@rapport'], 'no dependencies')

  const server = await scriptServer()
  t.after(() => server.close())
  server.answer({ json: [{ id: 'p1', name: 'Vex' }] })
  writeFileSync(join(project, 'main.js'), [
    "import { Rapport, NotFoundError } from '@rapport/sdk'",
    'const rapport = new Rapport({ apiKey: process.env.KEY, baseUrl: process.env.URL })',
    'console.log(JSON.stringify(await rapport.personas.list()), typeof NotFoundError)'
  ].join('\n'))
  const out = await run('node', ['main.js'], { cwd: project, env: { ...process.env, KEY: 'pk_live_test', URL: server.url } })
  assert.equal(out.stdout, '[{"id":"p1","name":"Vex"}] function\n')
  assert.equal(server.seen[0].headers['x-api-key'], 'pk_live_test')
})
