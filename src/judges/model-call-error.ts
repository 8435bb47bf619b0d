// Its own module so that what imports only the error (the AI SDK adapter, and through it every
// Vitest worker via judges/config) does not load undici with the OpenAI-compatible client.

/** A failed call: `status` is the HTTP status (null for network errors and bad bodies). */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message)
    this.name = 'ModelCallError'
  }
}
