/**
 * Long synchronous loops (parsing or storing a 50 MB batch) hand the event loop back every few
 * milliseconds, so that one large request does not stall every other one. Usage:
 * `const slice = new TimeSlice(); for (…) { …; if (slice.due()) await slice.pause() }`.
 */
export class TimeSlice {
  #start = performance.now()

  constructor(private readonly ms = 8) {}

  /** Whether the current stretch has run for `ms` or more. */
  due(): boolean {
    return performance.now() - this.#start >= this.ms
  }

  /** Lets pending I/O and timers run, then starts a new stretch. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.#start = performance.now()
  }
}
