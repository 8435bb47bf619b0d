import { join } from 'node:path'

/** Where the plugin points Node's compile cache, under the project root (beside Vite's `.vite`). */
export const COMPILE_CACHE_DIR = join('node_modules', '.cache', 'node-compile-cache')

/** The slice of Vitest's resolved coverage options this decision reads. */
export interface CoverageSettings {
  enabled?: boolean
  provider?: string
}

/**
 * The `NODE_COMPILE_CACHE` directory to give a project's test workers, or null to leave their
 * environment alone.
 *
 * With it, every worker reads back the code Node compiled for an earlier worker (Vitest's worker,
 * evalgate, the project's dependencies) instead of compiling it again, and a worker starts with
 * less CPU beside the main process and the embedded server's thread. Null when the user already
 * chose (`NODE_COMPILE_CACHE` or `NODE_DISABLE_COMPILE_CACHE` in the environment or in the
 * project's `test.env`), and under coverage other than istanbul: V8 keeps no source positions for
 * scripts loaded from the cache, which precise (v8) coverage needs. Vitest 5 drops the variable for
 * v8 coverage itself; Vitest 3.2 and 4 do not.
 */
export function workerCompileCacheDir(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
  projectEnv: Readonly<Record<string, unknown>> | undefined,
  coverage: CoverageSettings | undefined,
): string | null {
  for (const name of ['NODE_COMPILE_CACHE', 'NODE_DISABLE_COMPILE_CACHE']) {
    if (env[name] !== undefined || projectEnv?.[name] !== undefined) return null
  }
  if (coverage?.enabled && coverage.provider !== 'istanbul') return null
  return join(root, COMPILE_CACHE_DIR)
}
