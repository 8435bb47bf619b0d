import type * as z from 'zod'
import { firstIssue } from '../../schema/issues.js'
import { ValidationError } from '../service/errors.js'

/**
 * zod compiles a parser per object schema (`new Function`) at its first parse; that pays off for a
 * schema parsed thousands of times in a process, not for a request body or a response checked
 * once (a run's creation, finalize, a list): compiling those cost ~25 ms at the end of every test
 * run in the embedded server, which lives for one run. The bulk path, run item batches, is checked
 * without zod (run-item-batch.ts).
 */
export const ONE_SHOT_PARSE = { jitless: true } as const

/** Parses `data` with `schema`, or throws a 400 naming the first failing field. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  const result = schema.safeParse(data, ONE_SHOT_PARSE)
  if (result.success) return result.data
  const { path, message } = firstIssue(result.error)
  throw new ValidationError(`invalid ${where}: ${path || '(root)'}: ${message}`, path || '(root)')
}
