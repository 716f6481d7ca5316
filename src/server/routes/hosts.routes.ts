/**
 * Seed 003: agent hosts. `POST /api/v1/agents/{agent_id}/ping` is authenticated by the agent's own
 * `X-App-Key` / `X-App-Secret`; everything else here is the operator's (bearer token): the registry,
 * credentials, pools and their metrics.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import {
  APP_KEY_HEADER,
  APP_SECRET_HEADER,
  DEFAULT_POOL,
  HOST_ID_PATTERN,
  type CreateHostAgentRequest,
  type UpdateHostAgentRequest,
} from '../../shared/agent-hosts.js'
import { AppError } from '../http/app-error.js'
import { PING_BODY_LIMIT, PING_ROUTE } from './ping-steps.js'
import { HISTORY_RESOLUTION_SEC } from '../core/host-state.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route authenticates agents by app key and secret instead of the operator's token. */
    agentAuth?: boolean
  }
}

const MAX_TAGS = 32
const NAME_MAX = 128

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !HOST_ID_PATTERN.test(value)) {
    throw new AppError('SWB_REQUEST_INVALID', `${field} must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`, { field })
  }
  return value
}

function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > NAME_MAX) {
    throw new AppError('SWB_REQUEST_INVALID', `agent_name must be 1–${NAME_MAX} characters`, { field: 'agent_name' })
  }
  return value.trim()
}

function checkTags(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_TAGS || !value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)) {
    throw new AppError('SWB_REQUEST_INVALID', `tags must be an array of at most ${MAX_TAGS} strings of 1–64 characters`, { field: 'tags' })
  }
  return [...new Set(value as string[])]
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('SWB_REQUEST_INVALID', 'body must be a JSON object', { field: 'body' })
  return body as Record<string, unknown>
}

function parseCreate(body: unknown): CreateHostAgentRequest {
  const b = objectBody(body)
  const out: CreateHostAgentRequest = { agent_id: checkId(b.agent_id, 'agent_id') }
  if (b.agent_name !== undefined) out.agent_name = checkName(b.agent_name)
  out.pool_id = b.pool_id === undefined ? DEFAULT_POOL : checkId(b.pool_id, 'pool_id')
  if (b.tags !== undefined) out.tags = checkTags(b.tags)
  return out
}

function parseUpdate(body: unknown): UpdateHostAgentRequest {
  const b = objectBody(body)
  const out: UpdateHostAgentRequest = {}
  if (b.agent_name !== undefined) out.agent_name = checkName(b.agent_name)
  if (b.pool_id !== undefined) out.pool_id = checkId(b.pool_id, 'pool_id')
  if (b.tags !== undefined) out.tags = checkTags(b.tags)
  return out
}

export const hostsRoutes: FastifyPluginAsync = async (app) => {
  const notFound = (agentId: string): AppError => new AppError('SWB_HOST_AGENT_NOT_FOUND', `Host agent "${agentId}" is not registered`)
  const steps = app.pingSteps

  // The ping route has a scope of its own for its body parser (steps.parse). A plain ping on a
  // listening server is answered before it reaches Fastify (http/ping-fast-path.ts); this route
  // answers every other one, and every ping sent through `app.inject()`, with the same steps.
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      let parsed: unknown
      try {
        parsed = steps.parse(body as string)
      } catch (err) {
        return done(err as AppError, undefined)
      }
      done(null, parsed)
    })

    scope.post<{ Params: { agentId: string }; Body: unknown }>(
      PING_ROUTE,
      {
        bodyLimit: PING_BODY_LIMIT,
        config: { agentAuth: true },
        // Credentials and flood control come before the body is even read. Callback-style hooks
        // and a plain handler: at thousands of pings a second, each promise and microtask shows.
        onRequest: (req: FastifyRequest<{ Params: { agentId: string } }>, reply: FastifyReply, done: (err?: Error) => void) => {
          const refused = steps.admit(req.params.agentId, header(req, APP_KEY_HEADER), header(req, APP_SECRET_HEADER), req.ip)
          if (!refused) return done()
          if (refused.retryAfterSec !== undefined) reply.header('retry-after', String(refused.retryAfterSec))
          done(refused.error)
        },
        onResponse: (_req, reply, done) => {
          steps.count(reply.statusCode)
          done()
        },
      },
      (req, reply) => {
        void reply.type('application/json; charset=utf-8').send(steps.accept(req.params.agentId, req.body))
      },
    )
  })

  app.get('/api/v1/agents', async () => ({ agents: app.hosts.list() }))

  app.post('/api/v1/agents', async (req, reply) => {
    const input = parseCreate(req.body)
    const created = await app.hosts.create(input)
    if (!created) throw new AppError('SWB_HOST_AGENT_EXISTS', `Host agent "${input.agent_id}" is already registered`)
    return reply.code(201).send(created)
  })

  app.get<{ Params: { agentId: string } }>('/api/v1/agents/:agentId', async (req) => {
    return app.hosts.get(req.params.agentId) ?? Promise.reject(notFound(req.params.agentId))
  })

  app.patch<{ Params: { agentId: string } }>('/api/v1/agents/:agentId', async (req) => {
    const updated = await app.hosts.update(req.params.agentId, parseUpdate(req.body))
    if (!updated) throw notFound(req.params.agentId)
    return updated
  })

  app.delete<{ Params: { agentId: string } }>('/api/v1/agents/:agentId', async (req, reply) => {
    if (!(await app.hosts.remove(req.params.agentId))) throw notFound(req.params.agentId)
    return reply.code(204).send()
  })

  app.post<{ Params: { agentId: string } }>('/api/v1/agents/:agentId/credentials', async (req, reply) => {
    const issued = await app.hosts.addCredential(req.params.agentId)
    if (!issued) throw notFound(req.params.agentId)
    return reply.code(201).send(issued)
  })

  app.post<{ Params: { agentId: string; appKey: string } }>('/api/v1/agents/:agentId/credentials/:appKey/rotate', async (req, reply) => {
    const { agentId, appKey } = req.params
    if (!app.hosts.get(agentId)) throw notFound(agentId)
    const issued = await app.hosts.rotateCredential(agentId, appKey)
    if (!issued) throw new AppError('SWB_HOST_CREDENTIAL_NOT_FOUND', `Agent "${agentId}" has no app key "${appKey}"`)
    return reply.code(201).send(issued)
  })

  app.delete<{ Params: { agentId: string; appKey: string } }>('/api/v1/agents/:agentId/credentials/:appKey', async (req, reply) => {
    const { agentId, appKey } = req.params
    if (!app.hosts.get(agentId)) throw notFound(agentId)
    if (!(await app.hosts.revokeCredential(agentId, appKey))) {
      throw new AppError('SWB_HOST_CREDENTIAL_NOT_FOUND', `Agent "${agentId}" has no app key "${appKey}"`)
    }
    return reply.code(204).send()
  })

  app.get<{ Params: { agentId: string } }>('/api/v1/agents/:agentId/metrics/history', async (req) => {
    const { agentId } = req.params
    if (!app.hosts.get(agentId)) throw notFound(agentId)
    return { agent_id: agentId, resolution_sec: HISTORY_RESOLUTION_SEC, points: app.hosts.history(agentId) }
  })

  app.get('/api/v1/agent-pools', async () => ({ pools: app.hosts.pools() }))

  // A pool exists while an agent is in it; an empty or unknown pool answers with empty lists.
  app.get<{ Params: { poolId: string } }>('/api/v1/agent-pools/:poolId/metrics', async (req) => {
    const poolId = checkId(req.params.poolId, 'pool_id')
    const seq = app.hub.seq
    return { pool_id: poolId, agents: app.hosts.poolAgents(poolId), metrics: app.hosts.poolMetrics(poolId).metrics, seq }
  })

  app.get<{ Params: { poolId: string } }>('/api/v1/agent-pools/:poolId/history', async (req) => {
    const poolId = checkId(req.params.poolId, 'pool_id')
    const agents: Record<string, ReturnType<typeof app.hosts.history>> = {}
    for (const a of app.hosts.poolAgents(poolId)) agents[a.agent_id] = app.hosts.history(a.agent_id)
    return { pool_id: poolId, resolution_sec: HISTORY_RESOLUTION_SEC, agents }
  })
}
