// Builds the console into console/dist (root `npm run console:build`, also run by `npm install` through `prepare`).
// Without the dev dependencies (npm install --omit=dev) there is no Vite: say so and leave the install alone.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
try {
  require.resolve('vite/package.json')
} catch {
  console.warn('rapport: the creator console was not built (Vite is not installed): install the dev dependencies, then run npm run console:build')
  process.exit(0)
}
const { build } = await import('vite')
await build({ root: fileURLToPath(new URL('.', import.meta.url)), logLevel: 'warn' })
