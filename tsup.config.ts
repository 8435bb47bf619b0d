import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'vitest/plugin': 'src/vitest/plugin.ts',
    'reporter/index': 'reporter/index.ts',
    'judges/index': 'src/judges/index.ts',
    'server/index': 'src/server/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  external: ['vitest', 'better-sqlite3', 'pg'],
})
