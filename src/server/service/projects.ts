import type { ApiKeyScope, CreatedApiKey, Project } from '../../schema/api.js'
import type { Store } from '../../store/open.js'
import * as repo from '../../store/repos/projects.js'
import { nodeCrypto } from '../../util/builtins.js'
import { toApiKey, toProject } from '../mappers.js'
import { ConflictError, NotFoundError } from './errors.js'
import { newId, nowIso, sha256 } from './util.js'

const { randomBytes } = nodeCrypto

export const DEFAULT_PROJECT = 'default'
const KEY_PREFIX = 'egk_'

export class ProjectService {
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
  async createKey(projectId: string, scope: ApiKeyScope = 'project'): Promise<CreatedApiKey> {
    await this.get(projectId)
    const key = KEY_PREFIX + randomBytes(24).toString('base64url')
    const row = {
      id: newId(),
      project_id: projectId,
      key_hash: sha256(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      created_at: nowIso(),
      scope,
      revoked_at: null,
    }
    await repo.insertApiKey(this.store.db, row)
    return { ...toApiKey(row), key }
  }

  async listKeys(projectId: string) {
    return (await repo.listApiKeys(this.store.db, projectId)).map(toApiKey)
  }

  /**
   * The project and scope of a key, or undefined when the key is unknown or revoked. Looked up on
   * every request (one indexed read, no cache), so a key revoked by any process, e.g.
   * `evalgate keys revoke` on the database directly, is refused by every server at once.
   */
  async authenticateKey(key: string): Promise<{ projectId: string; scope: ApiKeyScope } | undefined> {
    const row = await repo.findApiKeyByHash(this.store.db, sha256(key))
    if (!row || row.revoked_at !== null) return undefined
    return { projectId: row.project_id, scope: row.scope === 'admin' ? 'admin' : 'project' }
  }

  /** The project id a key belongs to, or undefined when the key is unknown or revoked. */
  async authenticate(key: string): Promise<string | undefined> {
    return (await this.authenticateKey(key))?.projectId
  }

  /** Revokes one of the project's keys, by id or displayed prefix. */
  async revokeKey(projectId: string, idOrPrefix: string) {
    const matched = await repo.revokeApiKey(this.store.db, projectId, idOrPrefix, nowIso())
    if (matched.length === 0) throw new NotFoundError('API key', idOrPrefix)
    if (matched.length > 1)
      throw new ConflictError(
        `${matched.length} keys start with ${JSON.stringify(idOrPrefix)}: give the key id`,
      )
    return toApiKey(matched[0]!)
  }
}
