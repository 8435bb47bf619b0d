import { resolve } from 'node:path'
import { configDefaults, type Plugin } from 'vitest/config'
import type { EvalgateReporterOptions } from '../../reporter/options.js'
import { registerEvalgateReporter } from '../../reporter/register.js'
import type { JudgeModelSettings } from '../judges/config.js'
import type { Gate } from '../schema/gate.js'
import { assertSupportedNode } from '../util/supported-node.js'
import './augment.js'
import { workerCompileCacheDir } from './compile-cache.js'
import { EVAL_FILE_PATTERN } from './eval-files.js'
import { isReplaySummaryReporter, ReplaySummaryReporter } from './replay-summary.js'
import {
  type EvalgateSettings,
  PLUGIN_MAX_CONCURRENCY,
  PLUGIN_TEST_TIMEOUT_MS,
  SETTINGS_KEY,
} from './settings.js'

/** Options of the `evalgate()` Vitest plugin. */
export interface EvalgatePluginOptions {
  /** Default `concurrency` of describeEval suites that set none (built-in default: 5). */
  concurrency?: number
  /** Default per-item `timeout` in ms of describeEval suites that set none (built-in default: 30 000). */
  timeout?: number
  /**
   * Vitest `maxConcurrency` to configure (default 256, or the user's value if higher). It caps your
   * own `test.concurrent` tests; describeEval suites are governed by their own `concurrency` alone.
   */
  maxConcurrency?: number
  /** Vitest `testTimeout` to set when the config sets none (default 60 000). Eval tests don't use it. */
  testTimeout?: number
  /**
   * The evalgate reporter, added beside the reporters Vitest resolves (yours, or its default):
   * its options, or `false` to not add it (e.g. when listing it in `reporters` yourself).
   */
  reporter?: EvalgateReporterOptions | false
  /** Where to upload: default `EVALGATE_URL` / `EVALGATE_API_KEY`, else a running `evalgate serve`, else embedded. */
  server?: { url?: string; apiKey?: string; dbPath?: string }
  /** Gate defaults for every suite, under each describeEval's own `gate`. */
  gate?: Gate
  /**
   * The judge model of `evalgate/judges` (model, baseURL, apiKey, …), given to every worker.
   * Default: `EVALGATE_JUDGE_MODEL` with `OPENAI_BASE_URL` / `OPENAI_API_KEY`. Judges may override it.
   */
  judge?: JudgeModelSettings
  /**
   * Point Node's on-disk compile cache (`NODE_COMPILE_CACHE`) of the test workers at
   * `node_modules/.cache/node-compile-cache` (default true): workers start with less CPU. Skipped
   * when the environment or `test.env` already sets `NODE_COMPILE_CACHE` or
   * `NODE_DISABLE_COMPILE_CACHE`, and under v8 coverage.
   */
  compileCache?: boolean
}

/** The slice of Vitest's config the plugin reads. */
interface UserTestConfig {
  root?: string
  include?: string[]
  maxConcurrency?: number
  testTimeout?: number
}

/**
 * The evalgate Vitest plugin: raises `maxConcurrency` for plain concurrent tests, sets a default
 * `testTimeout` when the config has none, provides settings to describeEval in workers, and gives
 * the workers Node's compile cache.
 */
export function evalgate(options: EvalgatePluginOptions = {}): Plugin {
  assertSupportedNode()
  checkPositiveInteger(options.concurrency, 'concurrency')
  checkPositiveInteger(options.timeout, 'timeout')
  checkPositiveInteger(options.maxConcurrency, 'maxConcurrency')
  checkPositiveInteger(options.testTimeout, 'testTimeout')
  if (options.compileCache !== undefined && typeof options.compileCache !== 'boolean') {
    throw new TypeError(
      `evalgate(): option \`compileCache\` must be true or false, got ${JSON.stringify(options.compileCache)}`,
    )
  }
  return {
    name: 'evalgate',
    config(config) {
      const test: UserTestConfig = config.test ?? {}
      // Set in place: a returned array would be concatenated onto the user's by Vite's merge.
      config.test = { ...config.test, include: withEvalFiles(test.include) }
      const maxConcurrency = Math.max(
        test.maxConcurrency ?? 0,
        options.maxConcurrency ?? PLUGIN_MAX_CONCURRENCY,
      )
      const settings: EvalgateSettings = {
        plugin: true,
        root: resolve(test.root ?? config.root ?? process.cwd()),
        concurrency: options.concurrency ?? null,
        timeout: options.timeout ?? null,
        judge: options.judge ?? null,
      }
      return {
        test: {
          maxConcurrency,
          ...(test.testTimeout === undefined
            ? { testTimeout: options.testTimeout ?? PLUGIN_TEST_TIMEOUT_MS }
            : {}),
          provide: { [SETTINGS_KEY]: settings },
        },
      }
    },
    // Runs after Vitest resolved its reporters (config, CLI `--reporter`, or the default) and
    // before it creates them: the evalgate reporter joins them instead of replacing them.
    configureVitest({ vitest, project }) {
      if (options.compileCache !== false) {
        const dir = workerCompileCacheDir(
          project.config.root,
          process.env,
          project.config.env,
          vitest.config.coverage,
        )
        if (dir) project.config.env = { ...project.config.env, NODE_COMPILE_CACHE: dir }
      }
      // `vitest -u` re-records model calls, as it rewrites snapshots.
      if (vitest.config.snapshotOptions?.updateSnapshot === 'all')
        project.provide('evalgateReplayUpdate', true)
      const reporters = vitest.config.reporters as unknown[]
      if (!reporters.some(isReplaySummaryReporter)) reporters.push(new ReplaySummaryReporter())
      if (options.reporter === false) return
      registerEvalgateReporter(vitest, {
        ...options.reporter,
        ...(options.server?.url !== undefined ? { url: options.server.url } : {}),
        ...(options.server?.apiKey !== undefined ? { apiKey: options.server.apiKey } : {}),
        ...(options.server?.dbPath !== undefined ? { dbPath: options.server.dbPath } : {}),
        ...(options.gate !== undefined ? { gate: options.gate } : {}),
      })
    },
  }
}

export { EVAL_FILE_PATTERN }

/**
 * Vitest's `include` with eval files added: Vitest's defaults plus eval files when the user set no
 * `include`; the user's patterns plus eval files when none of them names eval files; the user's
 * patterns unchanged when one names `.eval.` files (they chose which eval files run).
 */
export function withEvalFiles(include: readonly string[] | undefined): string[] {
  const patterns = include ?? configDefaults.include
  return patterns.some((pattern) => pattern.includes('.eval.'))
    ? [...patterns]
    : [...patterns, EVAL_FILE_PATTERN]
}

function checkPositiveInteger(value: unknown, option: string): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(
      `evalgate(): option \`${option}\` must be an integer >= 1, got ${JSON.stringify(value)}`,
    )
  }
}

export default evalgate
