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
  target: 'node22',
  splitting: true,
  // import.meta.url in the CJS build (the server finds the dashboard next to itself: dist/ui)
  shims: true,
  external: ['vitest', 'better-sqlite3', 'pg'],
})
