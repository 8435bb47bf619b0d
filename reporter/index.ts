export { decideExitCode } from './exit-code.js'
export type { EvalgateReporterOptions } from './options.js'
export { EvalgateReporter, evalgateReporter } from './reporter.js'
export { resolveRunGroup } from './run-group.js'
