// Lint rules: neostandard (no semicolons, single quotes) with TypeScript support, plus typed rules that catch un-awaited promises.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', '**/dist', 'data', 'db/migrations', 'openapi', '.tap', 'coverage', 'sdks/typescript/src/generated', 'console/src/generated', 'docs/api', '.stryker-tmp', 'reports'] }),
  {
    // Repository methods are async: a call that is neither awaited nor returned is a bug.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'db/**/*.ts', 'tools/**/*.ts'],
    // compiled by its own test under tsc --strict, outside the project
    ignores: ['test/contract/walkthrough/**'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // tap's t.test() returns a promise that tap itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error'
    }
  }
]
