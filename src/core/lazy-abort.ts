/**
 * An AbortController created only when someone reads its signal. Most tasks and evaluators never
 * look at the signal, and creating AbortSignals is a measurable share of the per-item cost.
 * A class: its getter lives on the prototype, so an instance costs a small object (~30 ns), where
 * an object literal with a getter cost ~0.5 µs to create (two per item).
 */
export class LazyAbort {
  private controller: AbortController | undefined
  private aborted = false
  private reason: unknown

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.controller?.abort(reason)
  }
}
