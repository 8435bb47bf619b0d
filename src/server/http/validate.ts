import type { z } from 'zod'
import { ValidationError } from '../service/errors.js'

/** Dotted path of a zod issue, e.g. `items.3.scores.0.score`; `(root)` for the whole value. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.')
}

/** Parses `data` with `schema`, or throws a 400 naming the first failing field. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  const result = schema.safeParse(data)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path = issuePath(issue.path)
  throw new ValidationError(`invalid ${where}: ${path}: ${issue.message}`, path)
}
