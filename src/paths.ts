// Where the repository's files are, whether the server runs from src/ (tsx) or from dist/src/ (npm run build).
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** The repository root: the nearest folder above this file holding package.json. */
export const ROOT = [resolve(here, '..'), resolve(here, '../..')].find((dir) => existsSync(join(dir, 'package.json'))) ?? resolve(here, '..')

/** A path inside the repository (migrations, examples, built console and docs, package.json). */
export const repoPath = (...parts: string[]) => join(ROOT, ...parts)
