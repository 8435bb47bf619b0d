import type { Executor } from '../bulk.js'
import type { AgentRunsTable, AgentsTable } from '../schema.js'

export async function insertAgent(db: Executor, row: AgentsTable): Promise<void> {
  await db.insertInto('agents').values(row).execute()
}

export async function findAgentByName(
  db: Executor,
  projectId: string,
  name: string,
): Promise<AgentsTable | undefined> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst()
}

export async function findAgent(
  db: Executor,
  projectId: string,
  id: string,
): Promise<AgentsTable | undefined> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function listAgents(db: Executor, projectId: string): Promise<AgentsTable[]> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

export async function deleteAgent(db: Executor, projectId: string, id: string): Promise<void> {
  await db.deleteFrom('agents').where('project_id', '=', projectId).where('id', '=', id).execute()
}

export async function insertAgentRun(db: Executor, row: AgentRunsTable): Promise<void> {
  await db.insertInto('agent_runs').values(row).execute()
}

export async function findAgentRun(
  db: Executor,
  runId: string,
  projectId?: string,
): Promise<AgentRunsTable | undefined> {
  let q = db.selectFrom('agent_runs').selectAll().where('run_id', '=', runId)
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return q.executeTakeFirst()
}

export async function updateAgentRun(
  db: Executor,
  runId: string,
  patch: Partial<Pick<AgentRunsTable, 'phase' | 'cancel_requested' | 'updated_at'>>,
): Promise<void> {
  await db.updateTable('agent_runs').set(patch).where('run_id', '=', runId).execute()
}

/** Agent runs not yet done (what a server resumes or fails when it starts). */
export async function listUnfinishedAgentRuns(db: Executor): Promise<AgentRunsTable[]> {
  return db.selectFrom('agent_runs').selectAll().where('phase', '!=', 'done').orderBy('created_at').execute()
}

/** Dataset item ids of the rows a run holds already (what a resumed agent run does not send again). */
export async function listRunItemIds(db: Executor, runId: string): Promise<string[]> {
  const rows = await db.selectFrom('run_items').select('item_id').where('run_id', '=', runId).execute()
  return rows.map((r) => r.item_id)
}

/** The agent runs among `runIds` (one project), each with whether its agent still exists. */
export async function listAgentRunsWithAgent(
  db: Executor,
  projectId: string,
  runIds: readonly string[],
): Promise<Array<AgentRunsTable & { agent_exists: number }>> {
  if (runIds.length === 0) return []
  const rows = await db
    .selectFrom('agent_runs as ar')
    .leftJoin('agents as a', 'a.id', 'ar.agent_id')
    .selectAll('ar')
    .select('a.id as existing_agent_id')
    .where('ar.project_id', '=', projectId)
    .where('ar.run_id', 'in', [...runIds])
    .execute()
  return rows.map(({ existing_agent_id, ...r }) => ({
    ...r,
    agent_exists: existing_agent_id === null ? 0 : 1,
  }))
}
