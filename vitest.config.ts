import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    alias: {
      'evalgate/vitest': fileURLToPath(new URL('./src/vitest/plugin.ts', import.meta.url)),
      'evalgate/reporter': fileURLToPath(new URL('./reporter/index.ts', import.meta.url)),
      evalgate: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
