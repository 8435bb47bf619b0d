import type * as z from 'zod'
import { firstIssue } from '../../schema/issues.js'
import { PARSE_ONCE } from '../../schema/parse-once.js'
import { ValidationError } from '../service/errors.js'

/** Parses `data` with `schema`, or throws a 400 naming the first failing field. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  const result = schema.safeParse(data, PARSE_ONCE)
  if (result.success) return result.data
  const { path, message } = firstIssue(result.error)
  throw new ValidationError(`invalid ${where}: ${path || '(root)'}: ${message}`, path || '(root)')
}
