/**
 * `fn` runs once when `signal` aborts; the returned function unsubscribes. Every pending item of a
 * suite listens to the suite's one cancel signal, twice (its task and its evaluation): a Set behind
 * a single listener per signal costs ~0.1 µs per subscription, where EventTarget's add and remove
 * cost ~0.4 µs and an allocated listener record. Subscribers run in subscription order, as
 * EventTarget's listeners would.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let subscribers = subscribersOf.get(signal)
  if (!subscribers) {
    const created = new Set<() => void>()
    subscribersOf.set(signal, created)
    signal.addEventListener(
      'abort',
      () => {
        subscribersOf.delete(signal)
        // one unsubscribed by an earlier one (during this dispatch) is not called, as with EventTarget
        for (const subscriber of [...created]) if (created.delete(subscriber)) subscriber()
      },
      { once: true },
    )
    subscribers = created
  }
  const own = subscribers
  own.add(fn)
  return () => {
    own.delete(fn)
  }
}

const subscribersOf = new WeakMap<AbortSignal, Set<() => void>>()
