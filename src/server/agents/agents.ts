import type * as z from 'zod'
import type { Agent, CreateAgentBodySchema } from '../../schema/agents.js'
import type { Store } from '../../store/open.js'
import * as repo from '../../store/repos/agents.js'
import type { AgentsTable } from '../../store/schema.js'
import { ConflictError, NotFoundError, ServiceError } from '../service/errors.js'
import { newId, nowIso } from '../service/util.js'
import { type SecretBox, secretBox } from './secrets.js'

export type NewAgent = z.output<typeof CreateAgentBodySchema>

/** What calling an agent needs, its key resolved (never leaves the server). */
export interface AgentEndpoint {
  id: string
  name: string
  baseUrl: string
  model: string
  apiKey: string | null
  timeoutMs: number
  concurrency: number
  systemPrompt: string | null
}

export function toAgent(row: AgentsTable): Agent {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.base_url,
    model: row.model,
    apiKeySource: row.api_key_enc !== null ? 'stored' : row.api_key_env !== null ? 'env' : 'none',
    ...(row.api_key_env !== null ? { apiKeyEnv: row.api_key_env } : {}),
    timeoutMs: row.timeout_ms,
    concurrency: row.concurrency,
    ...(row.system_prompt !== null ? { systemPrompt: row.system_prompt } : {}),
    createdAt: row.created_at,
  }
}

/** Agents of a project: register, list, remove, and resolve one for calling. */
export class AgentService {
  private readonly secrets: SecretBox

  constructor(
    private readonly store: Store,
    secrets?: SecretBox,
  ) {
    this.secrets = secrets ?? secretBox(store)
  }

  async add(projectId: string, body: NewAgent): Promise<Agent> {
    const { db } = this.store
    if (await repo.findAgentByName(db, projectId, body.name))
      throw new ConflictError(`agent ${JSON.stringify(body.name)} already exists: remove it first`, {
        path: 'name',
      })
    const id = newId()
    const row: AgentsTable = {
      id,
      project_id: projectId,
      name: body.name,
      base_url: body.baseUrl.replace(/\/+$/, ''),
      model: body.model,
      api_key_enc: body.apiKey !== undefined ? this.secrets.encrypt(body.apiKey, id) : null,
      api_key_env: body.apiKeyEnv ?? null,
      timeout_ms: body.timeoutMs,
      concurrency: body.concurrency,
      system_prompt: body.systemPrompt ?? null,
      created_at: nowIso(),
    }
    try {
      await repo.insertAgent(db, row)
    } catch (error) {
      // lost a race with a concurrent add of the same name
      if (await repo.findAgentByName(db, projectId, body.name))
        throw new ConflictError(`agent ${JSON.stringify(body.name)} already exists: remove it first`, {
          path: 'name',
        })
      throw error
    }
    return toAgent(row)
  }

  async list(projectId: string): Promise<Agent[]> {
    return (await repo.listAgents(this.store.db, projectId)).map(toAgent)
  }

  /** By id, else by name; 404 naming what was asked for. */
  async get(projectId: string, idOrName: string): Promise<Agent> {
    return toAgent(await this.row(projectId, idOrName))
  }

  async remove(projectId: string, idOrName: string): Promise<Agent> {
    const row = await this.row(projectId, idOrName)
    await repo.deleteAgent(this.store.db, projectId, row.id)
    return toAgent(row)
  }

  /** The agent with its API key decrypted or read from the environment (for calling it). */
  async endpoint(projectId: string, id: string, env = process.env): Promise<AgentEndpoint> {
    const row = await repo.findAgent(this.store.db, projectId, id)
    if (!row) throw new NotFoundError('agent', id)
    let apiKey: string | null = null
    if (row.api_key_enc !== null) apiKey = this.secrets.decrypt(row.api_key_enc, row.id)
    else if (row.api_key_env !== null) {
      apiKey = env[row.api_key_env] ?? null
      if (apiKey === null || apiKey === '')
        throw new ServiceError(
          400,
          'missing_env',
          `agent ${JSON.stringify(row.name)} reads its API key from ${row.api_key_env}, which is not set on this server`,
        )
    }
    return {
      id: row.id,
      name: row.name,
      baseUrl: row.base_url,
      model: row.model,
      apiKey,
      timeoutMs: row.timeout_ms,
      concurrency: row.concurrency,
      systemPrompt: row.system_prompt,
    }
  }

  private async row(projectId: string, idOrName: string): Promise<AgentsTable> {
    const { db } = this.store
    const row =
      (await repo.findAgent(db, projectId, idOrName)) ?? (await repo.findAgentByName(db, projectId, idOrName))
    if (!row) throw new NotFoundError('agent', idOrName)
    return row
  }
}
