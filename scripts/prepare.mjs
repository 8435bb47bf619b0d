// `npm install` in this repository runs this (npm's `prepare`): it bundles the CLI into
// dist/cli/main.js (the package's bin) and builds the dashboard into dist/ui, so that every
// `npx evalgate …` line evalgate prints works in this repository exactly as in a user's project.
// A few seconds (esbuild and Vite). `npm pack` / `npm publish` build the whole package with tsup
// and Vite instead (`prepack`).
import { build } from 'esbuild'
import { build as buildDashboard } from 'vite'

if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') process.exit(0)

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  outfile: 'dist/cli/main.js',
  logLevel: 'warning',
})
await buildDashboard({ configFile: 'src/ui/vite.config.ts', logLevel: 'warn' })
