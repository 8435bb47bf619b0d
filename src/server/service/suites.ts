import { suiteVersionKey } from '../../dataset/identity.js'
import type { Suite } from '../../schema/api.js'
import type { Gate, StarMetric } from '../../schema/gate.js'
import { type SuiteDef, suiteDefIssues } from '../../schema/meta.js'
import type { MetricDef } from '../../schema/metric.js'
import type { Executor } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import * as datasetRepo from '../../store/repos/datasets.js'
import * as repo from '../../store/repos/suites.js'
import type { SuiteVersionsTable } from '../../store/schema.js'
import { toSuite } from '../mappers.js'
import { ConflictError, NotFoundError, ValidationError } from './errors.js'
import type { MetricService } from './metrics.js'
import { newId, nowIso } from './util.js'

/** A suite described by references (Gradient test case shape): dataset id + metric ids. */
export interface SuiteParts {
  name: string
  description?: string
  datasetId: string
  metricIds: string[]
  star?: StarMetric | null
  gate?: Gate | null
}

export class SuiteService {
  constructor(
    private readonly store: Store,
    private readonly metrics: MetricService,
  ) {}

  async list(projectId: string): Promise<Suite[]> {
    return (await repo.listSuites(this.store.db, projectId)).map(toSuite)
  }

  /** The suite at its current version, or at `version` when given. */
  async get(projectId: string, id: string, version?: number): Promise<Suite> {
    const row = await repo.findSuite(this.store.db, projectId, id)
    if (!row) throw new NotFoundError('suite', id)
    if (version === undefined || version === row.version) return toSuite(row)
    const v = await repo.findSuiteVersion(this.store.db, id, version)
    if (!v) throw new NotFoundError(`suite ${id} version`, version)
    return toSuite(atVersion(row, v))
  }

  async findByName(projectId: string, name: string): Promise<Suite | undefined> {
    const row = await repo.findSuiteByName(this.store.db, projectId, name)
    return row ? toSuite(row) : undefined
  }

  async listVersions(projectId: string, id: string): Promise<Suite[]> {
    const row = await repo.findSuite(this.store.db, projectId, id)
    if (!row) throw new NotFoundError('suite', id)
    const versions = await repo.listSuiteVersions(this.store.db, id)
    return versions.map((v) => toSuite(atVersion(row, v)))
  }

  /**
   * Upsert by (project, name). Suite versions are content-addressed: a definition seen before
   * (same dataset version, turn type, metrics, star metric and gate) gets its old version back;
   * a new one gets the next number.
   */
  async upsert(projectId: string, def: SuiteDef): Promise<Suite> {
    const id = await this.store.db.transaction().execute((trx) => this.upsertIn(trx, projectId, def))
    return this.get(projectId, id)
  }

  /**
   * The upsert inside a caller's transaction; returns the suite id. `monotonic` (Gradient's
   * explicit create and update): a changed definition makes the next version; every version
   * snapshots the whole definition, its name and description included (a change of only those
   * is recorded on the current version).
   */
  async upsertIn(
    db: Executor,
    projectId: string,
    def: SuiteDef,
    opts: { renameId?: string; datasetId?: string; monotonic?: boolean } = {},
  ): Promise<string> {
    validateSuiteDef(def)
    const now = nowIso()
    await this.metrics.upsertMany(db, projectId, def.metrics)
    let suiteId: string
    if (opts.renameId) {
      suiteId = opts.renameId
    } else {
      const suite = await repo.insertSuiteIfAbsent(db, {
        id: newId(),
        project_id: projectId,
        name: def.name,
        description: def.description ?? null,
        current_version: 0,
        created_at: now,
        updated_at: now,
      })
      suiteId = suite.id
    }
    const locked = await repo.lockSuite(db, suiteId)
    if (!locked) throw new NotFoundError('suite', suiteId)
    const key = suiteVersionKey(def)
    const patch: Parameters<typeof repo.updateSuite>[2] = {}
    if (def.description !== undefined && def.description !== locked.description)
      patch.description = def.description
    if (opts.renameId && def.name !== locked.name) patch.name = def.name

    let version: number | undefined
    if (opts.monotonic) {
      const current =
        locked.current_version > 0
          ? await repo.findSuiteVersion(db, suiteId, locked.current_version)
          : undefined
      if (current !== undefined && current.def_key === key) {
        // Same definition: a new name or description is recorded on the current version itself.
        version = current.version
        await repo.updateSuiteVersionSnapshot(db, suiteId, version, {
          name: def.name,
          description: def.description ?? locked.description,
        })
      }
    } else {
      version = (await repo.findSuiteVersionByKey(db, suiteId, key))?.version
    }
    if (version === undefined) {
      const datasetId =
        opts.datasetId ?? (await datasetRepo.findDatasetByName(db, projectId, def.dataset.name))?.id ?? null
      version = (await repo.maxSuiteVersion(db, suiteId)) + 1
      await repo.insertSuiteVersion(db, {
        suite_id: suiteId,
        version,
        def_key: key,
        name: opts.monotonic ? def.name : null,
        description: opts.monotonic ? (def.description ?? locked.description) : null,
        dataset_id: datasetId,
        dataset_name: def.dataset.name,
        dataset_version: def.dataset.version,
        dataset_size: def.dataset.size,
        turn_type: def.turnType,
        metrics: JSON.stringify(def.metrics),
        star: def.star === null ? null : JSON.stringify(def.star),
        gate: def.gate === null ? null : JSON.stringify(def.gate),
        created_at: now,
      })
    }
    if (version !== locked.current_version) patch.current_version = version
    if (Object.keys(patch).length > 0) await repo.updateSuite(db, suiteId, { ...patch, updated_at: now })
    return suiteId
  }

  /** Gradient-style create: 409 when a suite of that name exists in the project. */
  async createFromParts(projectId: string, parts: SuiteParts): Promise<Suite> {
    const id = await this.store.db.transaction().execute(async (trx) => {
      if (await repo.findSuiteByName(trx, projectId, parts.name)) {
        throw new ConflictError(`suite ${JSON.stringify(parts.name)} already exists`, { path: 'name' })
      }
      const def = await this.defFromParts(trx, projectId, parts)
      return this.upsertIn(trx, projectId, def, { datasetId: parts.datasetId, monotonic: true })
    })
    return this.get(projectId, id)
  }

  /** Gradient-style update: fields left out keep their value; a changed definition makes a new version. */
  async updateFromParts(projectId: string, id: string, parts: Partial<SuiteParts>): Promise<Suite> {
    await this.store.db.transaction().execute(async (trx) => {
      const row = await repo.findSuite(trx, projectId, id)
      if (!row) throw new NotFoundError('suite', id)
      if (parts.name !== undefined && parts.name !== row.name) {
        if (await repo.findSuiteByName(trx, projectId, parts.name)) {
          throw new ConflictError(`suite ${JSON.stringify(parts.name)} already exists`, { path: 'name' })
        }
      }
      const kept = {
        dataset: { name: row.dataset_name, version: row.dataset_version, size: row.dataset_size },
        turnType: row.turn_type as SuiteDef['turnType'],
      }
      const source =
        parts.datasetId === undefined ? kept : await this.datasetRef(trx, projectId, parts.datasetId)
      const metrics =
        parts.metricIds === undefined
          ? (JSON.parse(row.metrics) as MetricDef[])
          : await this.metricDefs(trx, projectId, parts.metricIds)
      const description = parts.description ?? row.description ?? undefined
      const def: SuiteDef = {
        name: parts.name ?? row.name,
        ...(description !== undefined ? { description } : {}),
        ...source,
        metrics,
        star:
          parts.star !== undefined
            ? parts.star
            : row.star === null
              ? null
              : (JSON.parse(row.star) as StarMetric),
        gate:
          parts.gate !== undefined ? parts.gate : row.gate === null ? null : (JSON.parse(row.gate) as Gate),
      }
      await this.upsertIn(trx, projectId, def, {
        renameId: id,
        monotonic: true,
        ...(parts.datasetId !== undefined
          ? { datasetId: parts.datasetId }
          : row.dataset_id
            ? { datasetId: row.dataset_id }
            : {}),
      })
    })
    return this.get(projectId, id)
  }

  private async defFromParts(db: Executor, projectId: string, parts: SuiteParts): Promise<SuiteDef> {
    return {
      name: parts.name,
      ...(parts.description !== undefined ? { description: parts.description } : {}),
      ...(await this.datasetRef(db, projectId, parts.datasetId)),
      metrics: await this.metricDefs(db, projectId, parts.metricIds),
      star: parts.star ?? null,
      gate: parts.gate ?? null,
    }
  }

  /** A server dataset as a suite's dataset reference, pinned to its current version. */
  private async datasetRef(db: Executor, projectId: string, datasetId: string) {
    const ds = await datasetRepo.findDataset(db, projectId, datasetId)
    if (!ds) throw new NotFoundError('dataset', datasetId)
    return {
      dataset: { name: ds.name, version: ds.content_hash ?? 'empty', size: ds.item_count },
      turnType: ds.turn_type as SuiteDef['turnType'],
    }
  }

  private async metricDefs(db: Executor, projectId: string, ids: string[]): Promise<MetricDef[]> {
    const metrics = await this.metrics.getMany(projectId, ids, db)
    return metrics.map(({ id: _i, projectId: _p, ...def }) => def)
  }
}

/** The suite-definition rules of SuiteDefSchema, for definitions built from parts (Gradient). */
function validateSuiteDef(def: SuiteDef): void {
  const issue = suiteDefIssues(def)[0]
  if (issue) throw new ValidationError(issue.message, issue.path.join('.'))
}

/** The suite as it was at version `v`: that version's whole definition, its name and description included. */
function atVersion(row: repo.SuiteWithVersion, v: SuiteVersionsTable): repo.SuiteWithVersion {
  const { suite_id: _s, created_at: _c, name, description, ...definition } = v
  return { ...row, ...definition, name: name ?? row.name, description: description ?? row.description }
}
