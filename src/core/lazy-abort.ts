/**
 * An AbortController created only when someone reads its signal. Most tasks and evaluators never
 * look at the signal, and creating AbortSignals is a measurable share of the per-item cost.
 */
export interface LazyAbort {
  readonly signal: AbortSignal
  abort(reason: unknown): void
}

export function lazyAbort(): LazyAbort {
  let controller: AbortController | undefined
  let aborted = false
  let abortReason: unknown
  return {
    get signal() {
      if (!controller) {
        controller = new AbortController()
        if (aborted) controller.abort(abortReason)
      }
      return controller.signal
    },
    abort(reason) {
      if (aborted) return
      aborted = true
      abortReason = reason
      controller?.abort(reason)
    },
  }
}
