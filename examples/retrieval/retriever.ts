import MiniSearch from 'minisearch'

export interface Doc {
  id: string
  title: string
  text: string
}

// Function words carry no topical signal and only add noise to BM25 scores of short FAQ queries.
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i if in is it me my of on or our so that the this to was we what when where will with you your am'.split(
    ' ',
  ),
)

/** A BM25 (MiniSearch) retriever over FAQ docs: title boosted ×2, prefix match for longer terms, light fuzziness. */
export function createRetriever(docs: readonly Doc[]): (query: string, k: number) => string[] {
  const index = new MiniSearch<Doc>({
    fields: ['title', 'text'],
    processTerm: (term) => {
      const word = term.toLowerCase()
      return STOP_WORDS.has(word) ? null : word
    },
    searchOptions: {
      boost: { title: 2 },
      prefix: (term) => term.length > 3,
      fuzzy: (term) => (term.length > 5 ? 0.2 : 0),
    },
  })
  index.addAll(docs)
  return (query, k) =>
    index
      .search(query)
      .slice(0, k)
      .map((hit) => String(hit.id))
}
