/** Seed 000 §4.1.4: model status of OpenClaw agents. Paths and shapes are kept exactly. */
import type { FastifyPluginAsync } from 'fastify'
import { AppError } from '../http/app-error.js'

const MAX_SWITCHES = 1000

export const modelStatusRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/agents/model-statuses', async (_req, reply) => {
    return reply.type('application/json; charset=utf-8').send(app.fleet.listEncoded())
  })

  app.get<{ Params: { agentId: string } }>('/api/agents/:agentId/model-status', async (req, reply) => {
    const encoded = app.fleet.getEncoded(req.params.agentId)
    if (!encoded) throw new AppError('SWB_AGENT_NOT_FOUND', `Agent "${req.params.agentId}" not found`)
    return reply.type('application/json; charset=utf-8').send(encoded)
  })

  app.get<{ Params: { agentId: string }; Querystring: { limit?: string } }>(
    '/api/agents/:agentId/model-switches',
    async (req) => {
      const raw = req.query.limit
      let limit = 20
      if (raw !== undefined) {
        if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_SWITCHES) {
          throw new AppError('SWB_REQUEST_INVALID', `limit must be an integer from 1 to ${MAX_SWITCHES}`, { field: 'limit' })
        }
        limit = Number(raw)
      }
      const agent = app.fleet.get(req.params.agentId)
      if (!agent) throw new AppError('SWB_AGENT_NOT_FOUND', `Agent "${req.params.agentId}" not found`)
      const { switches, total } = await app.fleetRepository.listSwitches(agent.agentId, limit)
      return { agentId: agent.agentId, agentName: agent.agentName, switches, total }
    },
  )
}
