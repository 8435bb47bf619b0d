/** Small JSON-over-HTTP helper for API tests against a real server on a loopback port. */
export interface JsonResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field
  body: any
  headers: Headers
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body)
  const res = await fetch(baseUrl + path, {
    method,
    headers: raw === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: raw,
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed, headers: res.headers }
}

/** A client bound to one server and (optionally) one API key. */
export function client(baseUrl: string, key?: string) {
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {}
  return {
    get: (path: string) => call(baseUrl, 'GET', path, undefined, auth),
    post: (path: string, body?: unknown) => call(baseUrl, 'POST', path, body, auth),
    raw: (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      call(baseUrl, method, path, body, { ...auth, ...headers }),
  }
}
