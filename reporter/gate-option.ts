import { type Gate, GateSchema } from '../src/schema/gate.js'
import { firstIssue } from '../src/schema/issues.js'
import { PARSE_ONCE } from '../src/schema/parse-once.js'

/** The reporter's `gate` option (defaults for every suite), checked; a TypeError names the bad field. */
export function parseGateOption(gate: unknown): Gate | undefined {
  if (gate === undefined) return undefined
  const parsed = GateSchema.safeParse(gate, PARSE_ONCE)
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error)
    throw new TypeError(`evalgate reporter: invalid gate option at \`gate.${path}\`: ${message}`)
  }
  return parsed.data
}
