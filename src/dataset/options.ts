import * as z from 'zod/mini'
import '../schema/zod-locale.js'
import { TurnTypeSchema } from '../schema/common.js'
import { PARSE_ONCE } from '../schema/parse-once.js'
import { describeValue } from '../util/describe-value.js'
import { formatPath } from '../util/json-check.js'
import { DatasetError } from './errors.js'

const datasetOptionFields = {
  turnType: z.optional(TurnTypeSchema),
}

export const DatasetOptionsSchema = z.strictObject(datasetOptionFields)

const nonEmpty = () => z.string().check(z.minLength(1))
const csvField = z.enum(['input', 'expected', 'id', 'tags', 'metadata'])
export const CsvDatasetOptionsSchema = z.strictObject({
  ...datasetOptionFields,
  columns: z.optional(z.partialRecord(csvField, nonEmpty())),
  tagSeparator: z.optional(nonEmpty()),
  parseJson: z.optional(z.union([z.boolean(), z.array(z.enum(['input', 'expected', 'metadata']))])),
  extraColumns: z.optional(z.enum(['error', 'metadata', 'ignore'])),
  delimiter: z.optional(nonEmpty()),
})

const NameSchema = z.string().check(z.minLength(1), z.maxLength(300))

/** Checks a dataset name and its options up front, so a typo fails at definition with a clear message. */
export function checkDefinition<T>(
  kind: string,
  name: unknown,
  options: unknown,
  schema: z.ZodMiniType<T>,
): T {
  const label = typeof name === 'string' && name ? `dataset "${name}"` : `dataset.${kind}()`
  if (!NameSchema.safeParse(name).success) {
    throw new DatasetError(
      String(name),
      `${label}: the name must be a non-empty string of at most 300 characters, got ${describeValue(name)}`,
    )
  }
  const result = schema.safeParse(options ?? {}, PARSE_ONCE)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path =
    issue.code === 'unrecognized_keys' ? formatPath([...issue.path, issue.keys[0]!]) : formatPath(issue.path)
  const message = issue.code === 'unrecognized_keys' ? 'is not a known option' : issue.message
  throw new DatasetError(name as string, `${label}: option ${path ? `"${path}" ` : ''}${message}`)
}
