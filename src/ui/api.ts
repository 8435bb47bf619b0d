/** The dashboard's reads of the native API (/api/v1); shapes are the server's zod schemas. */
import type { Run, RunCompare, RunItem, RunResults, Suite } from '../schema/api.js'
import type { RunItemSpans } from '../schema/spans.js'

export type { Run, RunCompare, RunItem, RunItemSpans, RunResults, Suite }

const KEY_STORAGE = 'evalgate.apiKey'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key)
  else sessionStorage.removeItem(KEY_STORAGE)
}

async function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v))
  const url = `/api/v1${path}${qs.size > 0 ? `?${qs}` : ''}`
  const headers: Record<string, string> = { accept: 'application/json' }
  const key = sessionStorage.getItem(KEY_STORAGE)
  if (key) headers['x-api-key'] = key
  const res = await fetch(url, { headers, credentials: 'same-origin' })
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`
    try {
      const body = (await res.json()) as { error?: { message?: string } }
      if (body.error?.message) message = body.error.message
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message)
  }
  return (await res.json()) as T
}

const enc = encodeURIComponent

export const api = {
  suites: () => get<{ suites: Suite[] }>('/suites').then((r) => r.suites),
  suite: (id: string) => get<Suite>(`/suites/${enc(id)}`),
  suiteVersions: (id: string) =>
    get<{ suites: Suite[] }>(`/suites/${enc(id)}/versions`).then((r) => r.suites),
  suiteRuns: (id: string, version?: number, limit = 200) =>
    get<{ runs: Run[] }>(`/suites/${enc(id)}/runs`, { version, limit }).then((r) => r.runs),
  runs: (q: { runGroup?: string; suiteId?: string; limit?: number } = {}) =>
    get<{ runs: Run[] }>('/runs', { limit: 200, ...q }).then((r) => r.runs),
  run: (id: string) => get<Run>(`/runs/${enc(id)}`),
  results: (id: string, q: { page?: number; perPage?: number; status?: string }) =>
    get<RunResults>(`/runs/${enc(id)}/results`, q),
  item: (id: string, ordinal: number) => get<RunItem>(`/runs/${enc(id)}/items/${ordinal}`),
  itemByKey: (id: string, itemId: string, trial: number) =>
    get<RunItem>(`/runs/${enc(id)}/item`, { itemId, trial }),
  itemSpans: (id: string, ordinal: number) => get<RunItemSpans>(`/runs/${enc(id)}/items/${ordinal}/spans`),
  compare: (headId: string, baseId: string) => get<RunCompare>(`/runs/${enc(headId)}/compare/${enc(baseId)}`),
}

/**
 * The run of the same suite that precedes `run` (same suite version when there is one), if any;
 * `suiteRuns` are the suite's runs, newest first.
 */
export function previousRun(run: Run, suiteRuns: readonly Run[]): Run | undefined {
  const older = suiteRuns.filter((r) => r.id !== run.id && r.createdAt <= run.createdAt)
  return older.find((r) => r.suiteVersion === run.suiteVersion) ?? older[0]
}
