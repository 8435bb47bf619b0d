import { parse } from 'csv-parse/sync'
import type { JsonObject, JsonValue } from '../../schema/common.js'
import { badRequest } from './errors.js'

/**
 * Gradient evaluation dataset files (CSV). Format, per the DigitalOcean MCP README:
 * - `query` (required): each cell is a JSON object string; it becomes the item's `input`;
 * - ground truth (optional): one column named `ground_truth`, `expected_output` or `expected`
 *   (header names are matched case-insensitively); its text becomes the item's `expected`;
 *   an empty cell means "no ground truth" for that row;
 * - every other column is kept verbatim as a string in the item's `metadata`.
 * The first row is the header. Blank lines are skipped. A UTF-8 BOM is accepted.
 */
export const GROUND_TRUTH_COLUMNS = ['ground_truth', 'expected_output', 'expected'] as const

export interface CsvDatasetItem {
  input: JsonObject
  expected?: string
  metadata: JsonObject
}

export interface ParsedDatasetCsv {
  items: CsvDatasetItem[]
  hasGroundTruth: boolean
  groundTruthColumn: string | null
}

export function parseDatasetCsv(data: Buffer | string, fileName: string): ParsedDatasetCsv {
  let rows: { info: { lines: number }; record: string[] }[]
  try {
    rows = parse(data, { bom: true, skip_empty_lines: true, relax_column_count: false, info: true }) as never
  } catch (error) {
    const line = (error as { lines?: number }).lines
    throw badRequest(
      `${fileName}${line ? ` line ${line}` : ''}: invalid CSV: ${(error as Error).message}`,
      'file_upload_dataset',
    )
  }
  const header = rows.shift()
  if (!header)
    throw badRequest(`${fileName}: the file is empty (expected a header row with a "query" column)`)
  const names = header.record.map((h) => h.trim())
  const lower = names.map((n) => n.toLowerCase())
  const queryIndex = lower.indexOf('query')
  if (queryIndex < 0) {
    throw badRequest(
      `${fileName} line ${header.info.lines}: missing required column "query" (found: ${names.join(', ') || 'none'})`,
      'file_upload_dataset',
    )
  }
  const duplicate = lower.find((n, i) => n !== '' && lower.indexOf(n) !== i)
  if (duplicate) throw badRequest(`${fileName} line ${header.info.lines}: duplicate column "${duplicate}"`)
  const truthColumns = lower
    .map((n, i) => ((GROUND_TRUTH_COLUMNS as readonly string[]).includes(n) ? i : -1))
    .filter((i) => i >= 0)
  if (truthColumns.length > 1) {
    throw badRequest(
      `${fileName} line ${header.info.lines}: several ground-truth columns (${truthColumns.map((i) => names[i]).join(', ')}); keep one of ${GROUND_TRUTH_COLUMNS.join(', ')}`,
      'file_upload_dataset',
    )
  }
  const truthIndex = truthColumns[0] ?? -1

  let hasGroundTruth = false
  const items = rows.map(({ info, record }): CsvDatasetItem => {
    const cell = record[queryIndex] ?? ''
    let input: JsonValue
    try {
      input = JSON.parse(cell) as JsonValue
    } catch (error) {
      throw badRequest(
        `${fileName} line ${info.lines}: column "query" must be a JSON object string, got ${preview(cell)} (${(error as Error).message})`,
        'file_upload_dataset',
      )
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw badRequest(
        `${fileName} line ${info.lines}: column "query" must be a JSON object string, got ${preview(cell)}`,
        'file_upload_dataset',
      )
    }
    const metadata: JsonObject = {}
    record.forEach((value, i) => {
      if (i !== queryIndex && i !== truthIndex && names[i]) metadata[names[i]] = value
    })
    const truth = truthIndex >= 0 ? record[truthIndex] : undefined
    const item: CsvDatasetItem = { input, metadata }
    if (truth !== undefined && truth !== '') {
      item.expected = truth
      hasGroundTruth = true
    }
    return item
  })
  return { items, hasGroundTruth, groundTruthColumn: truthIndex >= 0 ? (names[truthIndex] ?? null) : null }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)
}
