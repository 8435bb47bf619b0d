/** One problem found while loading a dataset: where (file:line or items[i]), which field, what. */
export interface DatasetProblem {
  /** `faq.jsonl:12`, `faq.csv:4`, `faq.json: items[3]`, `items[3]`. */
  location: string
  /** Field path inside the item (`input`, `tags[1]`, `metadata.source`), when the problem is in one field. */
  field?: string
  message: string
}

/** Most problems listed in one DatasetError; the rest are counted. */
export const MAX_REPORTED_PROBLEMS = 5

/**
 * Any problem with a dataset: bad options, unreadable file, malformed rows, duplicate ids, empty
 * dataset. The message names the dataset, the file/line (or item index) and the field, and lists
 * up to five problems at once so a user can fix several rows per round.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError'
  readonly dataset: string
  readonly problems: DatasetProblem[]
  /** Total number of problems found (problems holds at most MAX_REPORTED_PROBLEMS of them). */
  readonly problemCount: number

  constructor(
    dataset: string,
    message: string,
    options: { problems?: DatasetProblem[]; problemCount?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.dataset = dataset
    this.problems = options.problems ?? []
    this.problemCount = options.problemCount ?? this.problems.length
  }

  /** Builds the error for a list of row problems (all of them counted, the first few listed). */
  static fromProblems(dataset: string, source: string, problems: DatasetProblem[]): DatasetError {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS)
    const lines = shown.map(formatProblem)
    const head =
      problems.length === 1
        ? `dataset "${dataset}" (${source}) has an invalid item:`
        : `dataset "${dataset}" (${source}) has ${problems.length} problems${
            problems.length > shown.length ? ` (first ${shown.length} shown)` : ''
          }:`
    return new DatasetError(dataset, `${head}\n${lines.map((line) => `  ${line}`).join('\n')}`, {
      problems: shown,
      problemCount: problems.length,
    })
  }
}

/** `faq.jsonl:12: "input" is required` */
export function formatProblem(problem: DatasetProblem): string {
  return problem.field
    ? `${problem.location}: "${problem.field}" ${problem.message}`
    : `${problem.location}: ${problem.message}`
}
