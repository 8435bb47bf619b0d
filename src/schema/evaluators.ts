import * as z from 'zod/mini'
import './zod-locale.js'

/**
 * A metric scored by the server: the id of an evaluator in the server's catalogue
 * (`GET /api/v1/evaluators`), plus what that evaluator needs stored with it (a rubric's criteria).
 * The server refuses an id it does not know (400 naming it).
 */
export const ServerEvaluatorRefSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(100)),
  /** What the output must satisfy, in plain words (the `rubric` and `closed-qa` evaluators). */
  criteria: z.optional(z.string().check(z.minLength(1), z.maxLength(5000))),
})
export type ServerEvaluatorRef = z.infer<typeof ServerEvaluatorRefSchema>

/** One evaluator of the server's catalogue. */
export const ServerEvaluatorSchema = z.object({
  id: z.string(),
  /** The metric name a suite gets when it references the evaluator without naming the metric. */
  defaultMetricName: z.string(),
  description: z.string(),
  /** What the evaluator reads besides input and output: `expected`, `context` (item.metadata.context), `criteria`, `toolCalls`. */
  needs: z.array(z.enum(['expected', 'context', 'criteria', 'toolCalls'])),
  /** The answers the judge model chooses from, with the score of each. */
  choices: z.record(z.string(), z.number()),
})
export type ServerEvaluator = z.infer<typeof ServerEvaluatorSchema>

export const ServerEvaluatorListSchema = z.object({
  evaluators: z.array(ServerEvaluatorSchema),
  /** The judge model the server scores with; null when none is configured (server scores then record that error). */
  judgeModel: z.nullable(z.string()),
})
