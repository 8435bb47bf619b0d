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

export function withGateDefaults(suite: SuiteDef, defaults: Gate | null | undefined): SuiteDef {
  if (!defaults) return suite
  return { ...suite, gate: mergeGate(defaults, suite.gate) }
}
