import type { Metric } from '../../schema/api.js'
import type { MetricDef } from '../../schema/metric.js'
import type { Executor } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import * as repo from '../../store/repos/metrics.js'
import { toMetric } from '../mappers.js'
import { checkServerEvaluatorRefs } from '../scoring/catalogue.js'
import { NotFoundError } from './errors.js'
import { newId, nowIso } from './util.js'

/** The metrics catalogue: one entry per (project, name), updated from the latest definition seen. */
export class MetricService {
  constructor(private readonly store: Store) {}

  async list(projectId: string): Promise<Metric[]> {
    return (await repo.listMetrics(this.store.db, projectId)).map(toMetric)
  }

  async get(projectId: string, id: string): Promise<Metric> {
    const [row] = await repo.findMetricsByIds(this.store.db, projectId, [id])
    if (!row) throw new NotFoundError('metric', id)
    return toMetric(row)
  }

  /** Metrics by id, in the order asked; 404 naming the first unknown id. */
  async getMany(projectId: string, ids: string[], db: Executor = this.store.db): Promise<Metric[]> {
    const rows = await repo.findMetricsByIds(db, projectId, [...new Set(ids)])
    const byId = new Map(rows.map((r) => [r.id, r]))
    return ids.map((id) => {
      const row = byId.get(id)
      if (!row) throw new NotFoundError('metric', id)
      return toMetric(row)
    })
  }

  async upsert(projectId: string, def: MetricDef): Promise<Metric> {
    await this.upsertMany(this.store.db, projectId, [def])
    const [row] = await repo.findMetricsByNames(this.store.db, projectId, [def.name])
    return toMetric(row!)
  }

  /** Upserts several definitions in one transaction of its own. */
  async upsertAll(projectId: string, defs: readonly MetricDef[]): Promise<Metric[]> {
    await this.store.db.transaction().execute((trx) => this.upsertMany(trx, projectId, defs))
    return this.list(projectId)
  }

  async upsertMany(db: Executor, projectId: string, defs: readonly MetricDef[]): Promise<void> {
    checkServerEvaluatorRefs(defs)
    const now = nowIso()
    // one lock order for every transaction (PostgreSQL row locks): no deadlock between suites
    // that list the same metrics in different orders
    const sorted = [...defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const d of sorted) {
      await repo.upsertMetric(db, {
        id: newId(),
        project_id: projectId,
        name: d.name,
        description: d.description ?? null,
        score_type: d.scoreType,
        value_type: d.valueType,
        range_min: d.rangeMin,
        range_max: d.rangeMax,
        inverted: d.inverted ? 1 : 0,
        threshold: d.threshold,
        evaluator: d.evaluator === undefined ? null : JSON.stringify(d.evaluator),
        created_at: now,
        updated_at: now,
      })
    }
  }
}
