/** Key under which the plugin `provide`s its settings to the workers. */
export const SETTINGS_KEY = 'evalgate' as const

/** Settings the plugin passes to workers (`provide` in the config, `inject` in describeEval). */
export interface EvalgateSettings {
  /** Always true: present only when the plugin is installed. */
  plugin: true
  /** Vitest root directory, to report suite files relative to it. */
  root: string | null
  /** The maxConcurrency the plugin configured (the worker's own config is read first). */
  maxConcurrency: number
  /** Default `concurrency` of suites that set none. */
  concurrency: number | null
  /** Default per-item `timeout` (ms) of suites that set none. */
  timeout: number | null
}

/** Built-in defaults, used when neither the suite nor the plugin sets a value. */
export const DEFAULT_CONCURRENCY = 5
export const DEFAULT_ITEM_TIMEOUT_MS = 30_000
/**
 * The maxConcurrency the plugin sets (per worker), so suites' own limiters govern. Vitest starts up
 * to this many tests at once and the rest of a suite's item tests wait in Vitest's queue, where they
 * are cheap; started tests waiting for a slot of the suite's limiter cost memory and GC. 256 covers
 * usual model concurrency (5–100); set the plugin's `maxConcurrency` for more.
 */
export const PLUGIN_MAX_CONCURRENCY = 256
/** testTimeout the plugin sets when the user set none (Vitest's 5 s is too short for model calls). */
export const PLUGIN_TEST_TIMEOUT_MS = 60_000
