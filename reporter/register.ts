import type { Vitest } from 'vitest/node'
import type { EvalgateReporterOptions } from './options.js'
import { EvalgateReporter, isEvalgateReporter } from './reporter.js'

/**
 * Adds the evalgate reporter beside the reporters Vitest resolved (the user's config or CLI
 * `--reporter` choice, or Vitest's default when none), unless one is already there. Called from
 * the plugin's `configureVitest` hook, which runs before Vitest instantiates its reporters.
 */
export function registerEvalgateReporter(vitest: Vitest, options: EvalgateReporterOptions = {}): boolean {
  const reporters = vitest.config.reporters as unknown[]
  if (reporters.some(isEvalgateReporter)) return false
  reporters.push(new EvalgateReporter(options))
  return true
}
