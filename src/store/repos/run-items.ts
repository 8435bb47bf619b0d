import { CompiledQuery, sql } from 'kysely'
import type { StoredItemResult } from '../../schema/api.js'
import type { ScoreResult } from '../../schema/meta.js'
import { type Executor, inChunks, insertRows, type PgType, prepared, type SqlValue } from '../bulk.js'
import type { Store } from '../open.js'
import type { RunItemsTable, ScoresTable } from '../schema.js'
import { decodeRows, encodeText } from '../text-codec.js'

export const RUN_ITEM_COLUMNS = [
  'run_id',
  'ordinal',
  'item_id',
  'trial',
  'idx',
  'status',
  'outcome',
  'passed',
  'input',
  'expected',
  'tags',
  'metadata',
  'output',
  'error',
  'latency_ms',
  'started_at',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'tool_calls',
  'trace_id',
  'span_id',
  'score_count',
  'updated_at',
] as const satisfies readonly (keyof RunItemsTable)[]

const T = 'text'
const I = 'integer'
const F = 'double precision'
// PostgreSQL types of RUN_ITEM_COLUMNS, in order (for unnest-based bulk inserts)
const RUN_ITEM_TYPES: readonly PgType[] = [
  T,
  I,
  T,
  I,
  I,
  T,
  T,
  I,
  T,
  T,
  T,
  T,
  T,
  T,
  F,
  T,
  I,
  I,
  F,
  T,
  T,
  T,
  I,
  T,
]

export const SCORE_COLUMNS = [
  'run_id',
  'ordinal',
  'position',
  'metric',
  'score',
  'passed',
  'threshold',
  'inverted',
  'reason',
  'metadata',
  'error',
  'duration_ms',
] as const satisfies readonly (keyof ScoresTable)[]
const SCORE_TYPES: readonly PgType[] = [T, I, I, T, F, I, F, I, T, T, T, F]
if (RUN_ITEM_TYPES.length !== RUN_ITEM_COLUMNS.length || SCORE_TYPES.length !== SCORE_COLUMNS.length) {
  throw new Error('run-items: column and type lists differ in length')
}

export interface ExistingRunItem {
  item_id: string
  trial: number
  ordinal: number
}

type StoreHandles = Pick<Store, 'dialect' | 'maxParams' | 'sqlite'>

/**
 * The stored (item id, trial, ordinal) of a run's items with these item ids. One statement whatever
 * the count, the ids passed as one JSON / array parameter: a 1,000-value IN list cost more to build
 * and prepare (per batch) than the lookup itself. SQLite runs it on the store's connection (inside
 * the caller's transaction, which holds that connection).
 */
export async function findRunItemsByKeys(
  db: Executor,
  store: StoreHandles,
  runId: string,
  itemIds: string[],
): Promise<ExistingRunItem[]> {
  if (itemIds.length === 0) return []
  if (store.sqlite) {
    // the raw handle bypasses the text codec: encode the ids, decode the rows
    const rows = prepared(
      store.sqlite,
      'select item_id, trial, ordinal from run_items where run_id = ? and item_id in (select value from json_each(?))',
    ).all(encodeText(runId), JSON.stringify(itemIds.map(encodeText))) as ExistingRunItem[]
    return decodeRows(rows)
  }
  const { rows } = await db.executeQuery<ExistingRunItem>(
    CompiledQuery.raw(
      'select item_id, trial, ordinal from run_items where run_id = $1 and item_id = any($2::text[])',
      [runId, itemIds],
    ),
  )
  return rows
}

/** Deletes run items (and, first, their scores) by ordinal. */
export async function deleteRunItems(
  db: Executor,
  store: StoreHandles,
  runId: string,
  ordinals: number[],
): Promise<void> {
  if (ordinals.length === 0) return
  for (const table of ['scores', 'run_items'] as const) {
    if (store.sqlite) {
      prepared(
        store.sqlite,
        `delete from ${table} where run_id = ? and ordinal in (select value from json_each(?))`,
      ).run(encodeText(runId), JSON.stringify(ordinals))
    } else {
      await db.executeQuery(
        CompiledQuery.raw(`delete from ${table} where run_id = $1 and ordinal = any($2::integer[])`, [
          runId,
          ordinals,
        ]),
      )
    }
  }
}

/** Rows in RUN_ITEM_COLUMNS / SCORE_COLUMNS order. */
export async function insertRunItemRows(
  db: Executor,
  store: StoreHandles,
  items: SqlValue[][],
  scores: SqlValue[][],
): Promise<void> {
  await insertRows(db, store, 'run_items', RUN_ITEM_COLUMNS, items, RUN_ITEM_TYPES)
  await insertRows(db, store, 'scores', SCORE_COLUMNS, scores, SCORE_TYPES)
}

export type Outcome = 'passed' | 'failed' | 'errored'

export async function listRunItemsPage(
  db: Executor,
  runId: string,
  opts: { outcome?: Outcome; offset: number; limit: number },
): Promise<RunItemsTable[]> {
  let q = db.selectFrom('run_items').selectAll().where('run_id', '=', runId)
  if (opts.outcome) q = q.where('outcome', '=', opts.outcome)
  return q.orderBy('ordinal').offset(opts.offset).limit(opts.limit).execute()
}

export async function countRunItems(db: Executor, runId: string, outcome?: Outcome): Promise<number> {
  let q = db.selectFrom('run_items').select(sql<number>`count(*)`.as('n')).where('run_id', '=', runId)
  if (outcome) q = q.where('outcome', '=', outcome)
  const row = await q.executeTakeFirst()
  return Number(row?.n ?? 0)
}

export async function findRunItemByOrdinal(
  db: Executor,
  runId: string,
  ordinal: number,
): Promise<RunItemsTable | undefined> {
  return db
    .selectFrom('run_items')
    .selectAll()
    .where('run_id', '=', runId)
    .where('ordinal', '=', ordinal)
    .executeTakeFirst()
}

/** What spans can tell of the run's items with these ordinals (see span-usage.ts). */
export async function listItemUsage(
  db: Executor,
  runId: string,
  ordinals: readonly number[],
): Promise<Pick<RunItemsTable, 'ordinal' | 'latency_ms' | 'input_tokens' | 'output_tokens' | 'cost_usd'>[]> {
  if (ordinals.length === 0) return []
  return db
    .selectFrom('run_items')
    .select(['ordinal', 'latency_ms', 'input_tokens', 'output_tokens', 'cost_usd'])
    .where('run_id', '=', runId)
    .where('ordinal', 'in', ordinals)
    .execute()
}

/** The run's items without tokens or cost whose trace has spans in the project. */
export async function listUnmeteredTracedItems(
  db: Executor,
  runId: string,
  projectId: string,
): Promise<Pick<RunItemsTable, 'ordinal' | 'trace_id' | 'span_id'>[]> {
  return db
    .selectFrom('run_items as ri')
    .select(['ri.ordinal', 'ri.trace_id', 'ri.span_id'])
    .where('ri.run_id', '=', runId)
    .where('ri.input_tokens', 'is', null)
    .where('ri.output_tokens', 'is', null)
    .where('ri.cost_usd', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('spans as s')
          .select('s.span_id')
          .where('s.project_id', '=', projectId)
          .whereRef('s.trace_id', '=', 'ri.trace_id'),
      ),
    )
    .execute()
}

/** Scores of the given items of one run, ordered by (ordinal, position). */
export async function listScoresForItems(
  db: Executor,
  runId: string,
  ordinals: number[],
): Promise<ScoresTable[]> {
  if (ordinals.length === 0) return []
  const sorted = [...ordinals].sort((a, b) => a - b)
  const lo = sorted[0]!
  const hi = sorted[sorted.length - 1]!
  // a contiguous page (the common case) is one range scan of the primary key
  if (hi - lo + 1 === sorted.length) {
    return db
      .selectFrom('scores')
      .selectAll()
      .where('run_id', '=', runId)
      .where('ordinal', '>=', lo)
      .where('ordinal', '<=', hi)
      .orderBy('ordinal')
      .orderBy('position')
      .execute()
  }
  return inChunks(sorted, 5000, (chunk) =>
    db
      .selectFrom('scores')
      .selectAll()
      .where('run_id', '=', runId)
      .where('ordinal', 'in', chunk)
      .orderBy('ordinal')
      .orderBy('position')
      .execute(),
  )
}

/** The columns a run summary is computed from, in one pass. */
export interface SummaryItemRow {
  status: string
  passed: number
  latency_ms: number | null
  started_at: string
  cost_usd: number | null
  input_tokens: number | null
  output_tokens: number | null
}
export interface SummaryScoreRow {
  metric: string
  score: number | null
  passed: number | null
  threshold: number | null
  inverted: number
  has_error: number
}

export async function loadSummaryRows(
  db: Executor,
  runId: string,
): Promise<{ items: SummaryItemRow[]; scores: SummaryScoreRow[] }> {
  const items = await db
    .selectFrom('run_items')
    .select(['status', 'passed', 'latency_ms', 'started_at', 'cost_usd', 'input_tokens', 'output_tokens'])
    .where('run_id', '=', runId)
    .execute()
  const scores = await db
    .selectFrom('scores')
    .select([
      'metric',
      'score',
      'passed',
      'threshold',
      'inverted',
      sql<number>`case when error is null then 0 else 1 end`.as('has_error'),
    ])
    .where('run_id', '=', runId)
    .execute()
  return { items, scores: scores.map((s) => ({ ...s, has_error: Number(s.has_error) })) }
}

/** Per-item outcome and scores, for comparing two runs. */
export async function loadCompareRows(db: Executor, runId: string) {
  const items = await db
    .selectFrom('run_items')
    .select(['ordinal', 'item_id', 'trial', 'outcome'])
    .where('run_id', '=', runId)
    .orderBy('ordinal')
    .execute()
  const scores = await db
    .selectFrom('scores')
    .select(['ordinal', 'metric', 'score'])
    .where('run_id', '=', runId)
    .orderBy('ordinal')
    .orderBy('position')
    .execute()
  return { items, scores }
}

/** One run item as a row of RUN_ITEM_COLUMNS (JSON columns as text), for insertRunItemRows. */
export function encodeRunItem(
  runId: string,
  ordinal: number,
  it: StoredItemResult,
  outcome: 'passed' | 'failed' | 'errored',
  now: string,
): SqlValue[] {
  return [
    runId,
    ordinal,
    it.itemId,
    it.trial,
    it.index,
    it.status,
    outcome,
    it.passed ? 1 : 0,
    JSON.stringify(it.input),
    it.expected === undefined ? null : JSON.stringify(it.expected),
    JSON.stringify(it.tags),
    JSON.stringify(it.metadata),
    JSON.stringify(it.output),
    it.error === null ? null : JSON.stringify(it.error),
    it.latencyMs,
    it.startedAt,
    it.usage?.inputTokens ?? null,
    it.usage?.outputTokens ?? null,
    it.costUsd,
    it.toolCalls === null ? null : JSON.stringify(it.toolCalls),
    it.traceId,
    it.spanId,
    it.scores.length,
    now,
  ]
}

/** One score (at `position` in its item) as a row of the scores table, for insertRunItemRows. */
export function encodeScore(runId: string, ordinal: number, position: number, s: ScoreResult): SqlValue[] {
  return [
    runId,
    ordinal,
    position,
    s.metric,
    s.score,
    s.passed === null ? null : s.passed ? 1 : 0,
    s.threshold,
    s.inverted ? 1 : 0,
    s.reason ?? null,
    s.metadata === undefined ? null : JSON.stringify(s.metadata),
    s.error ?? null,
    s.durationMs,
  ]
}

/**
 * Sets what a run item's spans say about it (see span-usage.ts); fields left out keep their value,
 * and so does `updated_at` (server scoring's version of the item's content).
 */
export async function updateRunItemUsage(
  db: Executor,
  runId: string,
  ordinal: number,
  patch: Partial<Pick<RunItemsTable, 'latency_ms' | 'input_tokens' | 'output_tokens' | 'cost_usd'>>,
): Promise<void> {
  await db
    .updateTable('run_items')
    .set(patch)
    .where('run_id', '=', runId)
    .where('ordinal', '=', ordinal)
    .execute()
}

/** The run's items (of one trial) among these item ids: id, span id and dataset index. */
export async function findRunItemsById(
  db: Executor,
  runId: string,
  itemIds: readonly string[],
  trial: number,
): Promise<Pick<RunItemsTable, 'item_id' | 'span_id' | 'idx'>[]> {
  if (itemIds.length === 0) return []
  return db
    .selectFrom('run_items')
    .select(['item_id', 'span_id', 'idx'])
    .where('run_id', '=', runId)
    .where('item_id', 'in', itemIds)
    .where('trial', '=', trial)
    .execute()
}

/** One run item by its key (item id, trial): the dashboard's item view and history. */
export async function findRunItemByKey(
  db: Executor,
  runId: string,
  itemId: string,
  trial: number,
): Promise<RunItemsTable | undefined> {
  return db
    .selectFrom('run_items')
    .selectAll()
    .where('run_id', '=', runId)
    .where('item_id', '=', itemId)
    .where('trial', '=', trial)
    .executeTakeFirst()
}
