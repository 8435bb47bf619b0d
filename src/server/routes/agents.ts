/**
 * Agents on the native API (mounted under /api/v1), project-scoped like everything else:
 *
 *   POST   /agents                CreateAgentBody → AgentSchema (201; admin credential)
 *   GET    /agents                → { agents: Agent[] }
 *   GET    /agents/:id            → AgentSchema (id or name)
 *   DELETE /agents/:id            → AgentSchema, the removed agent (admin credential)
 *   POST   /runs/:id/cancel       → { id, status }: cancels an agent's evaluation run
 *
 * No response carries an agent's API key. Registering or removing an agent needs an admin
 * credential (an admin-scoped key, or keyless loopback): an agent makes the server send requests
 * to a URL of the caller's choosing, with a key, which a plain project key should not be able to do.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import * as z from 'zod'
import {
  AgentListSchema,
  AgentSchema,
  CancelRunResponseSchema,
  CreateAgentBodySchema,
} from '../../schema/agents.js'
import { IdSchema } from '../../schema/common.js'
import { parseOr400 } from '../http/validate.js'
import { ForbiddenError } from '../service/errors.js'
import type { Services } from '../service/index.js'

const AgentParams = z.object({ id: z.string().min(1).max(300) })
const RunParams = z.object({ id: IdSchema })

function requireAgentAdmin(req: FastifyRequest): void {
  if (req.keyless || req.keyScope === 'admin') return
  throw new ForbiddenError(
    'registering or removing agents needs an admin credential: an admin-scoped key, or `evalgate agents` on the server’s machine',
  )
}

export function registerAgentRoutes(app: FastifyInstance, services: Services): void {
  const { agents, agentRuns } = services

  app.post('/agents', async (req, reply) => {
    requireAgentAdmin(req)
    const body = parseOr400(CreateAgentBodySchema, req.body, 'body')
    reply.status(201)
    return AgentSchema.parse(await agents.add(req.projectId, body))
  })

  app.get('/agents', async (req) => AgentListSchema.parse({ agents: await agents.list(req.projectId) }))

  app.get('/agents/:id', async (req) => {
    const { id } = parseOr400(AgentParams, req.params, 'params')
    return AgentSchema.parse(await agents.get(req.projectId, id))
  })

  app.delete('/agents/:id', async (req) => {
    requireAgentAdmin(req)
    const { id } = parseOr400(AgentParams, req.params, 'params')
    return AgentSchema.parse(await agents.remove(req.projectId, id))
  })

  app.post('/runs/:id/cancel', async (req) => {
    const { id } = parseOr400(RunParams, req.params, 'params')
    return CancelRunResponseSchema.parse(await agentRuns.cancel(req.projectId, id))
  })
}
