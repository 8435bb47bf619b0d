import type { Gate } from '../src/schema/gate.js'
import type { SuiteDef } from '../src/schema/meta.js'

/**
 * The gate of a suite: its own `describeEval` gate over the reporter/plugin defaults (per key;
 * per metric for `metrics`). A suite with no gate of its own gets the defaults, if any.
 */
export function mergeGate(defaults: Gate | null | undefined, own: Gate | null | undefined): Gate | null {
  if (!defaults) return own ?? null
  if (!own) return { ...defaults }
  const merged: Gate = { ...defaults, ...own }
  if (defaults.metrics || own.metrics) {
    const metrics: NonNullable<Gate['metrics']> = {}
    for (const [name, gate] of Object.entries(defaults.metrics ?? {})) metrics[name] = { ...gate }
    for (const [name, gate] of Object.entries(own.metrics ?? {}))
      metrics[name] = { ...metrics[name], ...gate }
    merged.metrics = metrics
  }
  return merged
}

/**
 * The suite with the defaults merged under its gate. A default per-metric gate applies only to
 * suites that have the metric: for the others it would name an unknown metric, a suite
 * definition the server refuses (SuiteDefSchema), and their runs would be set aside.
 */
export function withGateDefaults(suite: SuiteDef, defaults: Gate | null | undefined): SuiteDef {
  if (!defaults) return suite
  let applicable = defaults
  if (defaults.metrics) {
    const names = new Set(suite.metrics.map((m) => m.name))
    const { metrics, ...rest } = defaults
    const kept = Object.entries(metrics).filter(([name]) => names.has(name))
    applicable = kept.length > 0 ? { ...rest, metrics: Object.fromEntries(kept) } : rest
  }
  return { ...suite, gate: mergeGate(applicable, suite.gate) }
}
