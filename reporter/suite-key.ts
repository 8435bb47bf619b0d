import type { SuiteDefInput } from '../src/schema/meta.js'
import { contentHash } from '../src/util/hash.js'

/** Identity of one suite definition within an invocation: two different definitions under one name are two runs. */
export function suiteKey(suite: SuiteDefInput): string {
  return `${suite.name}@${contentHash(suite, 12)}`
}
