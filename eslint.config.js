// Lint rules: neostandard (no semicolons, single quotes) with TypeScript support.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', '**/dist', 'data', 'db/migrations', 'openapi', '.tap', 'coverage', 'sdks/typescript/src/generated', 'console/src/generated', 'docs/api', '.stryker-tmp', 'reports'] })
]
