import type { MetricDef } from '../schema/metric.js'
import { serverEvaluatorRef } from './server.js'
import type { Evaluator } from './types.js'

/** The metric definition (identity) of an evaluator: what the server stores and gates on. */
export function metricDefOf(evaluator: Evaluator): MetricDef {
  const def: MetricDef = {
    name: evaluator.name,
    scoreType: evaluator.scoreType ?? 'numerical',
    valueType: 'number',
    rangeMin: 0,
    rangeMax: 1,
    inverted: evaluator.inverted ?? false,
    threshold: evaluator.threshold ?? null,
  }
  if (evaluator.description !== undefined) def.description = evaluator.description
  const server = serverEvaluatorRef(evaluator)
  if (server) def.evaluator = { ...server }
  return def
}
