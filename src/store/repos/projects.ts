import type { Executor } from '../bulk.js'
import type { ApiKeysTable, ProjectsTable } from '../schema.js'

export async function insertProject(db: Executor, row: ProjectsTable): Promise<void> {
  await db
    .insertInto('projects')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
}

export async function findProjectById(db: Executor, id: string): Promise<ProjectsTable | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findProjectByName(db: Executor, name: string): Promise<ProjectsTable | undefined> {
  return db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function listProjects(db: Executor): Promise<ProjectsTable[]> {
  return db.selectFrom('projects').selectAll().orderBy('created_at').orderBy('id').execute()
}

export async function insertApiKey(db: Executor, row: ApiKeysTable): Promise<void> {
  await db.insertInto('api_keys').values(row).execute()
}

export async function findApiKeyByHash(db: Executor, keyHash: string): Promise<ApiKeysTable | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst()
}

/** Marks the project's key (by id or displayed prefix) revoked; returns how many keys matched. */
export async function revokeApiKey(
  db: Executor,
  projectId: string,
  idOrPrefix: string,
  at: string,
): Promise<ApiKeysTable[]> {
  const matches = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
    .execute()
  if (matches.length !== 1) return matches
  await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', matches[0]!.id)
    .where('revoked_at', 'is', null)
    .execute()
  return [{ ...matches[0]!, revoked_at: matches[0]!.revoked_at ?? at }]
}

export async function listApiKeys(db: Executor, projectId: string): Promise<ApiKeysTable[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .execute()
}
