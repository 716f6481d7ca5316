/** Seed 000 §4.1.4: model status of OpenClaw agents. Paths and shapes are kept exactly. */
import type { FastifyPluginAsync } from 'fastify'
import { AppError } from '../http/app-error.js'
import { acceptsGzip } from '../http/accepts-gzip.js'

const MAX_SWITCHES = 1000

export const modelStatusRoutes: FastifyPluginAsync = async (app) => {
  // The dashboard polls this when its WebSocket is down, and 1,000 agents make a few MB of JSON:
  // it is encoded and compressed once per change, and a poll with a matching ETag gets a 304.
  // Auth profiles are a third of the bytes and only the detail page shows them: the list leaves them
  // out unless asked with `?include=authProfiles` (the per-agent endpoint always has them).
  app.get<{ Querystring: { include?: string } }>('/api/agents/model-statuses', async (req, reply) => {
    const include = req.query.include
    if (include !== undefined && include !== 'authProfiles') {
      throw new AppError('SWB_REQUEST_INVALID', 'include may only be "authProfiles"', { field: 'include' })
    }
    const variant = include === 'authProfiles' ? 'full' : 'summary'
    const etag = `"ms-${variant === 'full' ? 'f' : 's'}${app.fleet.listVersion}"`
    reply.header('etag', etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding')
    if (req.headers['if-none-match'] === etag) return reply.code(304).send()
    reply.type('application/json; charset=utf-8')
    const list = app.fleet.listCompressed(variant)
    if (acceptsGzip(req.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(list.gzip)
    return reply.send(list.raw)
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
