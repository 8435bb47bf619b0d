/**
 * History-API routing: every page has a path (deep-linkable), filters live in the query string,
 * back/forward re-render. Paths match src/server/http/dashboard.ts's PAGE_PATH.
 */

export interface Route {
  page: 'home' | 'suite' | 'run' | 'item' | 'itemByKey' | 'compare' | 'group' | 'notFound'
  params: Record<string, string>
  query: URLSearchParams
}

const PATTERNS: [Route['page'], RegExp][] = [
  ['home', /^\/$/],
  ['suite', /^\/suites\/(?<id>[^/]+)\/?$/],
  ['run', /^\/runs\/(?<id>[^/]+)\/?$/],
  ['item', /^\/runs\/(?<id>[^/]+)\/items\/(?<ordinal>\d+)\/?$/],
  ['itemByKey', /^\/runs\/(?<id>[^/]+)\/item\/?$/],
  ['compare', /^\/runs\/(?<id>[^/]+)\/compare(?:\/(?<baseId>[^/]+))?\/?$/],
  ['group', /^\/groups\/(?<group>[^/]+)\/?$/],
]

export function match(pathname: string, search: string): Route {
  const query = new URLSearchParams(search)
  for (const [page, re] of PATTERNS) {
    const m = re.exec(pathname)
    if (!m) continue
    const params: Record<string, string> = {}
    try {
      for (const [k, v] of Object.entries(m.groups ?? {}))
        if (v !== undefined) params[k] = decodeURIComponent(v)
    } catch {
      return { page: 'notFound', params: {}, query } // malformed %-escape
    }
    return { page, params, query }
  }
  return { page: 'notFound', params: {}, query }
}

/** Builds a local href with a query string (empty values dropped). */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v))
  return qs.size > 0 ? `${path}?${qs}` : path
}

export const paths = {
  home: () => '/',
  suite: (id: string) => `/suites/${encodeURIComponent(id)}`,
  run: (id: string) => `/runs/${encodeURIComponent(id)}`,
  item: (runId: string, ordinal: number) => `/runs/${encodeURIComponent(runId)}/items/${ordinal}`,
  itemByKey: (runId: string, itemId: string, trial: number) =>
    href(`/runs/${encodeURIComponent(runId)}/item`, { itemId, trial }),
  compare: (headId: string, baseId?: string) =>
    `/runs/${encodeURIComponent(headId)}/compare${baseId ? `/${encodeURIComponent(baseId)}` : ''}`,
  group: (group: string) => `/groups/${encodeURIComponent(group)}`,
}
