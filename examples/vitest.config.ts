// Config of the example evals (`npm run evals`). It runs from the sources, without a build:
// `evalgate`, `evalgate/vitest` and `evalgate/reporter` are aliased to src/ and reporter/.
// In your own project this file is just:
//   import { evalgate } from 'evalgate/vitest'
//   export default defineConfig({ plugins: [evalgate()] })
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { evalgate } from '../src/vitest/plugin.js'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: source('./'),
  plugins: [evalgate()],
  resolve: {
    alias: {
      'evalgate/judges': source('../src/judges/index.ts'),
      'evalgate/vitest': source('../src/vitest/plugin.ts'),
      'evalgate/reporter': source('../reporter/index.ts'),
      evalgate: source('../src/index.ts'),
    },
  },
  test: {
    include: ['**/*.eval.ts'],
  },
})
