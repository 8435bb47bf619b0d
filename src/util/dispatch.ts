/**
 * A request handed to a server without a socket: the embedded server's direct path and its worker
 * thread's messages (src/server/start.ts `dispatch`), and the client's `dispatch` option. The shape
 * of an HTTP request, with the body as text.
 */
export interface DispatchRequest {
  method: string
  /** Path and query, e.g. `/api/v1/runs?suite=x`. */
  path: string
  headers: Record<string, string>
  body: string | undefined
}

/** The answer to a DispatchRequest: the HTTP status and the body as text. */
export interface DispatchResponse {
  status: number
  text: string
}
