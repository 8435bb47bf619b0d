/**
 * Builds the dashboard (src/ui) with Vite into a per-process directory, once per test process, so
 * tests serve the current sources (dist/ui may be stale or absent).
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

let built: Promise<string> | null = null

export function buildDashboard(): Promise<string> {
  built ??= (async () => {
    const outDir = join(root, 'node_modules', '.cache', `evalgate-ui-test-${process.pid}`)
    mkdirSync(outDir, { recursive: true })
    await build({
      configFile: join(root, 'src/ui/vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    })
    return outDir
  })()
  return built
}
