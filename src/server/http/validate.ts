import * as z from 'zod/mini'
import { firstIssue, issueLine } from '../../schema/issues.js'
import { PARSE_ONCE } from '../../schema/parse-once.js'
import { ValidationError } from '../service/errors.js'

/** Parses `data` with `schema`, or throws a 400 naming the first failing field. */
export function parseOr400<S extends z.core.$ZodType>(
  schema: S,
  data: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  const result = z.safeParse(schema, data, PARSE_ONCE)
  if (result.success) return result.data
  const { path, message } = firstIssue(result.error)
  throw new ValidationError(`invalid ${where}: ${path || '(root)'}: ${message}`, path || '(root)')
}

/**
 * `value` checked against the response schema it is declared to match, or an error (a 500) naming
 * the API and the first field that does not: a response the server would send wrong is its bug,
 * never the client's. `api` names the API in the message (e.g. `Netra`); none for the native one.
 */
export function checkedResponse<S extends z.core.$ZodType>(
  schema: S,
  value: z.infer<S>,
  api?: string,
): z.infer<S> {
  const result = z.safeParse(schema, value, PARSE_ONCE)
  if (result.success) return result.data
  throw new Error(
    `${api ? `${api} response` : 'response'} does not match its schema: ${issueLine(result.error)}`,
  )
}
