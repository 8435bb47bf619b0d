import { randomBytes } from 'node:crypto'
import type { CreatedApiKey, Project } from '../../schema/api.js'
import type { Store } from '../../store/open.js'
import * as repo from '../../store/repos/projects.js'
import { toApiKey, toProject } from '../mappers.js'
import { ConflictError, NotFoundError } from './errors.js'
import { newId, nowIso, sha256 } from './util.js'

export const DEFAULT_PROJECT = 'default'
const KEY_PREFIX = 'egk_'

export class ProjectService {
  /** key hash → project id; keys are never revoked while a server runs, so this never goes stale. */
  private readonly keyCache = new Map<string, string>()

  constructor(private readonly store: Store) {}

  async list(): Promise<Project[]> {
    return (await repo.listProjects(this.store.db)).map(toProject)
  }

  async get(id: string): Promise<Project> {
    const row = await repo.findProjectById(this.store.db, id)
    if (!row) throw new NotFoundError('project', id)
    return toProject(row)
  }

  async findByName(name: string): Promise<Project | undefined> {
    const row = await repo.findProjectByName(this.store.db, name)
    return row ? toProject(row) : undefined
  }

  async create(name: string): Promise<Project> {
    if (await repo.findProjectByName(this.store.db, name)) {
      throw new ConflictError(`project ${JSON.stringify(name)} already exists`, { path: 'name' })
    }
    return this.ensure(name)
  }

  /** The project of that name, created when missing (safe under concurrent callers). */
  async ensure(name: string): Promise<Project> {
    await repo.insertProject(this.store.db, { id: newId(), name, created_at: nowIso() })
    const row = await repo.findProjectByName(this.store.db, name)
    if (!row) throw new Error(`project ${name} vanished after insert`)
    return toProject(row)
  }

  /** The project used by keyless requests on a loopback server. */
  ensureDefault(): Promise<Project> {
    return this.ensure(DEFAULT_PROJECT)
  }

  /** Creates an API key; the secret is in the result and is never stored or shown again. */
  async createKey(projectId: string): Promise<CreatedApiKey> {
    await this.get(projectId)
    const key = KEY_PREFIX + randomBytes(24).toString('base64url')
    const row = {
      id: newId(),
      project_id: projectId,
      key_hash: sha256(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      created_at: nowIso(),
    }
    await repo.insertApiKey(this.store.db, row)
    return { ...toApiKey(row), key }
  }

  async listKeys(projectId: string) {
    return (await repo.listApiKeys(this.store.db, projectId)).map(toApiKey)
  }

  /** The project id a key belongs to, or undefined when the key is unknown. */
  async authenticate(key: string): Promise<string | undefined> {
    const hash = sha256(key)
    const cached = this.keyCache.get(hash)
    if (cached) return cached
    const row = await repo.findApiKeyByHash(this.store.db, hash)
    if (!row) return undefined
    this.keyCache.set(hash, row.project_id)
    return row.project_id
  }
}
