import type { RawRecord } from './build.js'
import type { DatasetProblem } from './errors.js'

/**
 * Splits JSONL text into records located `<file>:<line>` (1-based). Blank lines are skipped;
 * a line that is not valid JSON becomes a problem naming that line.
 */
export function parseJsonl(
  text: string,
  display: string,
): { records: RawRecord[]; problems: DatasetProblem[] } {
  const records: RawRecord[] = []
  const problems: DatasetProblem[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    const location = `${display}:${i + 1}`
    try {
      records.push({ location, value: JSON.parse(line) })
    } catch (error) {
      problems.push({ location, message: `invalid JSON: ${(error as Error).message}` })
    }
  }
  return { records, problems }
}
