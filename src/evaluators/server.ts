import type { ServerEvaluatorRef } from '../schema/evaluators.js'
import { defineEvaluator } from './define.js'
import type { Evaluator } from './types.js'

const SERVER = Symbol.for('evalgate.serverEvaluator')
const EVALUATOR = Symbol.for('evalgate.evaluator')

export interface ServerEvaluatorOptions {
  /** Metric name. Default: the evaluator id. */
  name?: string
  /** Pass when score >= threshold. Default none (the score is recorded only). */
  threshold?: number | null
  /** What the output must satisfy, stored with the metric (`rubric`, `closed-qa`, `tool-use`). */
  criteria?: string
  description?: string
}

/**
 * A metric scored by the evaluation server, with its catalogued evaluator `id` (`correctness`,
 * `relevance`, `faithfulness`, `rubric` …: `GET /api/v1/evaluators`) and the server's judge model.
 * Listed among a suite's evaluators, it is declared in the suite definition but never run by the
 * client: the server scores each uploaded item in the background, and the verdict waits for it.
 * The server refuses an id it does not know (400 naming it).
 */
export function serverEvaluator<I = unknown, O = unknown, E = unknown>(
  id: string,
  options: ServerEvaluatorOptions = {},
): Evaluator<I, O, E> {
  if (typeof id !== 'string' || id.trim() === '')
    throw new TypeError('serverEvaluator(id): id must be a non-empty string, e.g. "correctness"')
  const ref: ServerEvaluatorRef = {
    id,
    ...(options.criteria !== undefined ? { criteria: options.criteria } : {}),
  }
  const base = defineEvaluator<I, O, E>({
    name: options.name ?? id,
    threshold: options.threshold ?? null,
    ...(options.description !== undefined ? { description: options.description } : {}),
    evaluate() {
      throw new Error(`metric ${JSON.stringify(options.name ?? id)} is scored by the server, not the client`)
    },
  })
  const evaluator = { ...base }
  Object.defineProperty(evaluator, EVALUATOR, { value: true })
  Object.defineProperty(evaluator, SERVER, { value: Object.freeze(ref) })
  return Object.freeze(evaluator)
}

/** The server evaluator an evaluator stands for, if it is one (see serverEvaluator). */
export function serverEvaluatorRef(evaluator: Evaluator): ServerEvaluatorRef | undefined {
  return (evaluator as unknown as { [SERVER]?: ServerEvaluatorRef })[SERVER]
}
