import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'client/index': 'src/client/index.ts',
    'schema/index': 'src/schema/index.ts',
    'vitest/plugin': 'src/vitest/plugin.ts',
    'reporter/index': 'reporter/index.ts',
    'judges/index': 'src/judges/index.ts',
    'server/index': 'src/server/index.ts',
    'server/embedded-thread': 'src/server/embedded-thread.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // import.meta.url in the CommonJS output (src/server/app.ts resolves Fastify's compilers from it,
  // the server finds the dashboard next to itself: dist/ui)
  shims: true,
  splitting: true,
  external: ['vitest', 'better-sqlite3', 'pg'],
  // Inlined (tree-shaken) instead of imported from node_modules: zod is ~95 module files and kysely
  // ~260, and Node resolves, reads and compiles each one in every Vitest worker (zod) and main
  // process (both). Measured in bench/README.md (lean worker path).
  noExternal: ['zod', 'kysely'],
  // The ESM output without comments and indentation. V8 keeps every loaded module's source text,
  // and one non-ASCII character (in a comment of ours, zod's or kysely's) stores a whole chunk as
  // UTF-16: the embedded server's thread held 1.3 MB of our sources as 2.7 MB of strings.
  // Identifiers stay readable; the source maps lead back to the TypeScript. Not the CommonJS
  // output: tsup rewrites its split chunks after esbuild (sucrase, which turns `??` and `?.` into
  // helper calls), and on whitespace-minified code that rewrite glued keywords to the helpers'
  // names (`else_nullishCoalesce(`): no CommonJS entry could be required.
  esbuildOptions(options, { format }) {
    if (format === 'esm') options.minifyWhitespace = true
  },
})
