import type { JudgeModelSettings } from '../judges/config.js'

/** Key under which the plugin `provide`s its settings to the workers. */
export const SETTINGS_KEY = 'evalgate' as const

/** Settings the plugin passes to workers (`provide` in the config, `inject` in describeEval). */
export interface EvalgateSettings {
  /** Always true: present only when the plugin is installed. */
  plugin: true
  /** Vitest root directory, to report suite files relative to it. */
  root: string | null
  /** Default `concurrency` of suites that set none. */
  concurrency: number | null
  /** Default per-item `timeout` (ms) of suites that set none. */
  timeout: number | null
  /** The plugin's `judge` option: default judge model settings in workers. */
  judge?: JudgeModelSettings | null
}

/** Built-in defaults, used when neither the suite nor the plugin sets a value. */
export const DEFAULT_CONCURRENCY = 5
export const DEFAULT_ITEM_TIMEOUT_MS = 30_000
/**
 * The maxConcurrency the plugin sets (per worker) for plain `test.concurrent` tests, which in eval
 * projects usually wait on model calls. describeEval items run in their suite's own limiter instead.
 */
export const PLUGIN_MAX_CONCURRENCY = 256
/** testTimeout the plugin sets when the user set none (Vitest's 5 s is too short for model calls). */
export const PLUGIN_TEST_TIMEOUT_MS = 60_000
