/** USD per million tokens, input and output. */
export interface ModelPrice {
  input: number
  output: number
}
export type PriceTable = Record<string, ModelPrice>

// Public list prices (USD per 1M tokens) of common judge models. A model matches the longest
// entry that is a prefix of its name, so dated snapshots (gpt-4o-mini-2024-07-18) price like
// their family. Extend or override with registerPrices() or the judge option `prices`.
const BUILT_IN: PriceTable = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5': { input: 1.25, output: 10 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-sonnet-4': { input: 3, output: 15 },
}

const REGISTRY = Symbol.for('evalgate.judges.prices')
type Holder = { [REGISTRY]?: PriceTable }

function registered(): PriceTable {
  const holder = globalThis as Holder
  holder[REGISTRY] ??= {}
  return holder[REGISTRY]
}

/** Adds or overrides model prices (USD per 1M input / output tokens) for this process. */
export function registerPrices(prices: PriceTable): void {
  for (const [model, price] of Object.entries(prices)) {
    if (
      !price ||
      !Number.isFinite(price.input) ||
      !Number.isFinite(price.output) ||
      price.input < 0 ||
      price.output < 0
    ) {
      throw new TypeError(
        `registerPrices: price of ${JSON.stringify(model)} must be { input, output } in USD per 1M tokens (numbers >= 0)`,
      )
    }
    registered()[model] = { input: price.input, output: price.output }
  }
}

/** The price of a model: exact name first, then the longest matching prefix; null when unknown. */
export function priceOf(model: string, extra?: PriceTable): ModelPrice | null {
  const tables = [extra ?? {}, registered(), BUILT_IN]
  for (const table of tables) if (table[model]) return table[model]
  let best: { length: number; price: ModelPrice } | null = null
  for (const table of tables) {
    for (const [name, price] of Object.entries(table)) {
      if (model.startsWith(name) && (!best || name.length > best.length))
        best = { length: name.length, price }
    }
    if (best) return best.price
  }
  return null
}

/** Cost in USD of a call, or null when the model's price is unknown. */
export function costOf(
  model: string,
  usage: { inputTokens: number; outputTokens: number },
  extra?: PriceTable,
): number | null {
  const price = priceOf(model, extra)
  if (!price) return null
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000
}
