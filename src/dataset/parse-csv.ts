import { CsvError, parse } from 'csv-parse/sync'
import type { RawRecord } from './build.js'
import { DatasetError, type DatasetProblem } from './errors.js'

/** Item fields a CSV column can hold. `metadata` is a column of JSON objects. */
export type CsvField = 'input' | 'expected' | 'id' | 'tags' | 'metadata'
/** Fields whose cells may be read as JSON (`metadata` here means the `metadata.*` and extra columns). */
export type CsvJsonField = 'input' | 'expected' | 'metadata'

export interface CsvOptions {
  /** Header names of the item fields, when they differ from the field names: `{ input: 'question' }`. */
  columns?: Partial<Record<CsvField, string>>
  /** Separator of the tags cell (default `|`): `billing|refunds`. Tags are trimmed; empty ones dropped. */
  tagSeparator?: string
  /**
   * Which fields' cells are read as JSON when they look like a JSON object or array (start with
   * `{` or `[` after trimming): `true` = input, expected and metadata columns. Such a cell that is
   * not valid JSON is an error. Every other cell stays a string: numbers, booleans and quoted JSON
   * strings are never converted. Default false.
   */
  parseJson?: boolean | CsvJsonField[]
  /**
   * Columns that are not item fields and not `metadata.<key>`: `error` (default), `metadata`
   * (kept as `metadata[<header>]`) or `ignore`.
   */
  extraColumns?: 'error' | 'metadata' | 'ignore'
  /** Field delimiter, default `,`. */
  delimiter?: string
}

type Column =
  | { kind: 'field'; field: CsvField; header: string }
  | { kind: 'meta'; key: string; header: string }
  | { kind: 'ignore'; header: string }

interface CsvRow {
  record: string[]
  info: { lines: number }
  raw: string
}

/**
 * Parses CSV text (first record = header) into records located `<file>:<line>`, the line where the
 * record starts. Structural CSV errors (bad quoting, wrong column count) and bad header rows throw;
 * bad cells become problems reported with the item validation problems.
 */
export function parseCsv(
  name: string,
  text: string,
  display: string,
  options: CsvOptions,
): { records: RawRecord[]; problems: DatasetProblem[] } {
  let rows: CsvRow[]
  try {
    rows = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ',',
      skip_empty_lines: true,
      info: true,
      raw: true,
      relax_column_count: false,
    }) as unknown as CsvRow[]
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines
      throw new DatasetError(name, `dataset "${name}": ${display}:${line ?? '?'}: ${error.message}`, {
        cause: error,
      })
    }
    throw error
  }
  const [headerRow, ...dataRows] = rows
  if (!headerRow) throw new DatasetError(name, `dataset "${name}": ${display} is empty (no header row)`)
  const columns = readHeader(name, display, headerRow.record, options)
  const jsonFields = new Set<CsvJsonField>(
    options.parseJson === true ? ['input', 'expected', 'metadata'] : options.parseJson || [],
  )
  const separator = options.tagSeparator ?? '|'

  const records: RawRecord[] = []
  const problems: DatasetProblem[] = []
  for (const row of dataRows) {
    const location = `${display}:${startLine(row)}`
    const item: Record<string, unknown> = {}
    const metadata: Record<string, unknown> = {}
    let metadataJson: Record<string, unknown> | undefined
    let ok = true
    const fail = (field: string, message: string) => {
      problems.push({ location, field, message })
      ok = false
    }
    const cellValue = (cell: string, field: CsvJsonField, column: Column, fieldPath: string) => {
      if (!jsonFields.has(field) || !looksLikeJson(cell)) return cell
      try {
        return JSON.parse(cell) as unknown
      } catch (error) {
        fail(fieldPath, `${columnNote(column, fieldPath)}is not valid JSON: ${(error as Error).message}`)
        return undefined
      }
    }

    row.record.forEach((cell, index) => {
      const column = columns[index]!
      if (cell === '' || column.kind === 'ignore') return
      if (column.kind === 'meta') {
        metadata[column.key] = cellValue(cell, 'metadata', column, `metadata.${column.key}`)
        return
      }
      switch (column.field) {
        case 'input':
        case 'expected':
          item[column.field] = cellValue(cell, column.field, column, column.field)
          return
        case 'id':
          item.id = cell
          return
        case 'tags':
          item.tags = cell
            .split(separator)
            .map((tag) => tag.trim())
            .filter((tag) => tag !== '')
          return
        case 'metadata': {
          let parsed: unknown
          try {
            parsed = JSON.parse(cell)
          } catch (error) {
            fail(
              'metadata',
              `${columnNote(column, 'metadata')}is not valid JSON: ${(error as Error).message}`,
            )
            return
          }
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
            fail('metadata', `${columnNote(column, 'metadata')}must be a JSON object`)
            return
          }
          metadataJson = parsed as Record<string, unknown>
          return
        }
      }
    })
    for (const key of Object.keys(metadata)) {
      if (metadataJson && key in metadataJson) {
        fail(`metadata.${key}`, 'is set both by its own column and by the metadata JSON column')
      }
    }
    if (!ok) continue
    if (metadataJson || Object.keys(metadata).length > 0) item.metadata = { ...metadataJson, ...metadata }
    records.push({ location, value: item })
  }
  return { records, problems }
}

function readHeader(name: string, display: string, header: string[], options: CsvOptions): Column[] {
  const headerOf: Record<CsvField, string> = {
    input: 'input',
    expected: 'expected',
    id: 'id',
    tags: 'tags',
    metadata: 'metadata',
    ...options.columns,
  }
  const fieldOf = new Map<string, CsvField>()
  for (const [field, headerName] of Object.entries(headerOf) as [CsvField, string][]) {
    const other = fieldOf.get(headerName)
    if (other) {
      throw new DatasetError(
        name,
        `dataset "${name}": columns option maps both ${other} and ${field} to "${headerName}"`,
      )
    }
    fieldOf.set(headerName, field)
  }
  const fail = (message: string): never => {
    throw new DatasetError(name, `dataset "${name}": ${display}:1 (header): ${message}`)
  }
  const seen = new Set<string>()
  const unknown: string[] = []
  const columns = header.map((headerName, index): Column => {
    if (headerName.trim() === '') fail(`column ${index + 1} has an empty name`)
    if (seen.has(headerName)) fail(`column "${headerName}" appears twice`)
    seen.add(headerName)
    const field = fieldOf.get(headerName)
    if (field) return { kind: 'field', field, header: headerName }
    if (headerName.startsWith('metadata.') && headerName.length > 'metadata.'.length) {
      return { kind: 'meta', key: headerName.slice('metadata.'.length), header: headerName }
    }
    if (options.extraColumns === 'metadata') return { kind: 'meta', key: headerName, header: headerName }
    if (options.extraColumns === 'ignore') return { kind: 'ignore', header: headerName }
    unknown.push(headerName)
    return { kind: 'ignore', header: headerName }
  })
  if (!seen.has(headerOf.input)) {
    fail(
      `no "${headerOf.input}" column for the item input (header: ${header.map((h) => `"${h}"`).join(', ')})`,
    )
  }
  for (const field of Object.keys(options.columns ?? {}) as CsvField[]) {
    if (!seen.has(headerOf[field])) fail(`column "${headerOf[field]}" (mapped to ${field}) not found`)
  }
  if (unknown.length > 0) {
    fail(
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((h) => `"${h}"`).join(', ')}: ` +
        'item columns are input, expected, id, tags, metadata and metadata.<key> ' +
        '(map names with the columns option, or set extraColumns to "metadata" or "ignore")',
    )
  }
  return columns
}

/** Line where the record starts: csv-parse reports the line where it ends. */
function startLine(row: CsvRow): number {
  const body = row.raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '')
  const newlines = body.match(/\n/g)?.length ?? 0
  return row.info.lines - newlines
}

function looksLikeJson(cell: string): boolean {
  const trimmed = cell.trimStart()
  return trimmed.startsWith('{') || trimmed.startsWith('[')
}

function columnNote(column: Column, fieldPath: string): string {
  return column.header === fieldPath ? '' : `(column "${column.header}") `
}
