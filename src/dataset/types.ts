import type { JsonObject, JsonValue, TurnType } from '../schema/common.js'

/** One dataset item after loading and validation. `id` is explicit or a stable content hash. */
export interface Item<I = JsonValue, E = JsonValue> {
  id: string
  index: number
  input: I
  expected?: E
  tags: string[]
  metadata: JsonObject
}

/** A loaded dataset: validated items plus its content version. */
export interface LoadedDataset<I = JsonValue, E = JsonValue> {
  name: string
  turnType: TurnType
  items: Item<I, E>[]
  /** Content hash over every item (id, input, expected, tags, metadata) in order. */
  version: string
  /** Where the items came from, for messages: a file path, `inline`, `loader` or `server:<id>`. */
  source: string
}

/**
 * A dataset source: loaded lazily (during Vitest collection) so file and loader errors surface
 * as a failed suite, not a crashed process.
 */
export interface Dataset<I = JsonValue, E = JsonValue> {
  readonly name: string
  readonly turnType: TurnType
  load(): Promise<LoadedDataset<I, E>>
  /** A dataset restricted to items carrying any of the given tags. */
  withTags(...tags: string[]): Dataset<I, E>
}
