/**
 * Finding 6: any key could mint keys for its project (19 in a probe), the endpoint ignored its
 * body, and no key could be revoked.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  let db: string
  let cli: string
  beforeAll(async () => {
    cli = await buildCli()
    db = await dbs.next()
    server = await startServer({ db, requireAuth: true })
  })
  afterAll(async () => {
    await server?.close()
  })

  async function createKey(admin: boolean): Promise<string> {
    const r = await runCli(cli, [
      'keys',
      'create',
      '--project',
      'team',
      '--db',
      db,
      ...(admin ? ['--admin'] : []),
    ])
    expect(r.code, r.stderr).toBe(0)
    return r.stdout.trim()
  }

  test('a project key cannot mint keys; an admin key can, with a JSON body only', async () => {
    const projectKey = await createKey(false)
    const asProject = client(server.url, projectKey)
    const projectId = (await asProject.get('/api/v1/projects/current')).body.id
    const denied = await asProject.post(`/api/v1/projects/${projectId}/keys`, {})
    expect(denied.status).toBe(403)
    expect(denied.body.error.message).toContain('admin credential')

    const admin = client(server.url, await createKey(true))
    // no body: a CORS "simple" request could send that
    const noBody = await admin.post(`/api/v1/projects/${projectId}/keys`)
    expect(noBody.status).toBe(400)
    expect(noBody.body.error.message).toContain('JSON body is required')
    const text = await admin.raw('POST', `/api/v1/projects/${projectId}/keys`, '{}', {
      'content-type': 'text/plain',
    })
    expect(text.status).toBe(415)
    const unknown = await admin.post(`/api/v1/projects/${projectId}/keys`, { scope: 'project', name: 'x' })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toContain('name')
    const minted = await admin.post(`/api/v1/projects/${projectId}/keys`, {})
    expect(minted.status).toBe(201)
    expect(minted.body).toMatchObject({ scope: 'project', revokedAt: null })
    expect((await client(server.url, minted.body.key).get('/api/v1/runs')).status).toBe(200)
    const otherProject = await admin.post('/api/v1/projects/some-other-id/keys', {})
    expect(otherProject.status).toBe(404)
  })

  test('evalgate keys revoke: the running server refuses the key at once (401)', async () => {
    const key = await createKey(false)
    const api = client(server.url, key)
    expect((await api.get('/api/v1/runs')).status).toBe(200)
    const prefix = key.slice(0, 10)
    const revoked = await runCli(cli, ['keys', 'revoke', prefix, '--project', 'team', '--db', db])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toContain(`revoked API key ${prefix}`)
    const after = await api.get('/api/v1/runs')
    expect(after.status).toBe(401)
    expect(after.body.error.message).toContain('revoked')
    const listed = await runCli(cli, ['keys', 'list', '--project', 'team', '--db', db])
    expect(listed.stdout).toMatch(new RegExp(`${prefix}…\\t\\S+\\tproject\\t\\S+\\trevoked `))
    const unknown = await runCli(cli, ['keys', 'revoke', 'egk_nope', '--project', 'team', '--db', db])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('not found')
  })

  test('an admin key revokes over HTTP (DELETE), effective at once', async () => {
    const admin = client(server.url, await createKey(true))
    const projectId = (await admin.get('/api/v1/projects/current')).body.id
    const minted = (await admin.post(`/api/v1/projects/${projectId}/keys`, {})).body
    const victim = client(server.url, minted.key)
    expect((await victim.get('/api/v1/runs')).status).toBe(200)
    expect((await victim.raw('DELETE', `/api/v1/projects/${projectId}/keys/${minted.id}`)).status).toBe(403)
    const del = await admin.raw('DELETE', `/api/v1/projects/${projectId}/keys/${minted.id}`)
    expect(del.status).toBe(200)
    expect(del.body.revokedAt).not.toBeNull()
    expect((await victim.get('/api/v1/runs')).status).toBe(401)
  })
})
