import { z } from 'zod'
import { ItemResultSchema, ScoreResultSchema } from '../schema/meta.js'

/**
 * ItemResultSchema minus the deep JSON checks of values that are JSON by construction: the input,
 * expected value and metadata were validated when the dataset loaded, the output is the result of
 * `JSON.parse(JSON.stringify(...))`, and score metadata was converted by runEvaluator. Checking every
 * other field still catches engine bugs; re-walking those values cost ~5% of a 10k-item run. The
 * reporter validates the whole payload with EvalMetaSchema again in the main process.
 */
export const RecordedItemResultSchema = ItemResultSchema.extend({
  input: z.unknown(),
  expected: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()),
  output: z.unknown().nullable(),
  scores: z.array(ScoreResultSchema.extend({ metadata: z.record(z.string(), z.unknown()).optional() })),
})
