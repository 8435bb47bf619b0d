import type { WorkerGlobalState } from 'vitest'
import type { EvalgateSettings } from './settings.js'

/** Vitest's documented default when the config sets none. */
const VITEST_DEFAULT_MAX_CONCURRENCY = 5

/**
 * Vitest's effective `maxConcurrency` in this worker. Vitest has no public getter for the resolved
 * config inside a worker, so this reads the worker state whose type Vitest exports
 * (`WorkerGlobalState`, stored on `globalThis.__vitest_worker__`), checking every step; when that
 * shape is not there it falls back to what the plugin provided, then to Vitest's default.
 */
export function workerMaxConcurrency(settings: EvalgateSettings | undefined): {
  value: number
  source: 'config' | 'plugin' | 'default'
} {
  const state = (globalThis as { __vitest_worker__?: Partial<WorkerGlobalState> }).__vitest_worker__
  const configured = state?.config?.maxConcurrency
  if (typeof configured === 'number' && configured > 0) return { value: configured, source: 'config' }
  if (settings) return { value: settings.maxConcurrency, source: 'plugin' }
  return { value: VITEST_DEFAULT_MAX_CONCURRENCY, source: 'default' }
}

const WARNED = Symbol.for('evalgate.maxConcurrencyWarned')

/** Warns once per worker process when Vitest's maxConcurrency would cap a suite's concurrency. */
export function warnIfCapped(
  suite: string,
  concurrency: number,
  settings: EvalgateSettings | undefined,
): void {
  const holder = globalThis as { [WARNED]?: boolean }
  if (holder[WARNED]) return
  const max = workerMaxConcurrency(settings)
  if (max.value >= concurrency) return
  holder[WARNED] = true
  const fix = settings
    ? `pass \`evalgate({ maxConcurrency: ${concurrency} })\` (or raise \`test.maxConcurrency\`, or drop a lower value given on the command line)`
    : "add the plugin to your Vitest config: `import { evalgate } from 'evalgate/vitest'` and `plugins: [evalgate()]` (or raise `test.maxConcurrency`)"
  console.warn(
    `[evalgate] Vitest's maxConcurrency is ${max.value}${max.source === 'default' ? ' (assumed default)' : ''}, below the concurrency ${concurrency} of suite ${JSON.stringify(suite)}: at most ${max.value} items will run at once. To let each suite's concurrency govern, ${fix}.`,
  )
}
