/**
 * Conversations (seed 001): the list with filters and cursor pages, one conversation with its runs
 * and task list, and task lists posted by agents with their heartbeat credentials.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { APP_KEY_HEADER, APP_SECRET_HEADER } from '../../shared/agent-hosts.js'
import type { ConversationsQuery } from '../../shared/conversations.js'
import { AppError } from '../http/app-error.js'

/** Header naming the agent that posts, for a conversation the server does not know yet. */
export const AGENT_ID_HEADER = 'x-agent-id'
const TASKS_BODY_LIMIT = 1024 * 1024

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

const notFound = (id: string): AppError => new AppError('SWB_CONVERSATION_NOT_FOUND', `No conversation "${id}"`)

export const conversationsRoutes: FastifyPluginAsync = async (app) => {
  const conversations = app.conversations

  // Until the first read is done, wait for it (a little) rather than answer an empty list.
  const FIRST_READ_WAIT_MS = 10_000

  app.get<{ Querystring: ConversationsQuery }>('/api/conversations', async (req) => {
    await conversations.whenReady(FIRST_READ_WAIT_MS)
    const r = conversations.list(req.query)
    if (!r.ok) throw new AppError('SWB_REQUEST_INVALID', `${r.field}: ${r.reason}`, { field: r.field })
    return r.page
  })

  app.get<{ Params: { id: string } }>('/api/conversations/:id', async (req) => {
    await conversations.whenReady(FIRST_READ_WAIT_MS)
    const c = conversations.get(req.params.id)
    if (!c) throw notFound(req.params.id)
    return c
  })

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/conversations/:id/tasks',
    {
      bodyLimit: TASKS_BODY_LIMIT,
      config: { agentAuth: true },
      // As for heartbeats: who is posting is settled before the body is read.
      onRequest: async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
        await conversations.whenReady(FIRST_READ_WAIT_MS)
        const claimed = header(req, AGENT_ID_HEADER)
        const owner = conversations.ownerOf(req.params.id)
        const agentId = claimed ?? owner
        const key = header(req, APP_KEY_HEADER)
        const secret = header(req, APP_SECRET_HEADER)
        if (agentId === null) {
          if (!key || !secret) throw new AppError('SWB_HOST_AUTH_MISSING')
          throw new AppError('SWB_CONVERSATION_NOT_FOUND', `No conversation "${req.params.id}": send ${AGENT_ID_HEADER} to start one for your agent`)
        }
        const auth = app.hosts.authenticate(agentId, key, secret, req.ip)
        if (!auth.ok) {
          if (auth.retryAfterSec !== undefined) reply.header('retry-after', String(auth.retryAfterSec))
          throw new AppError(auth.code)
        }
        if (owner !== null && owner !== agentId) throw new AppError('SWB_HOST_AUTH_FORBIDDEN', `Conversation "${req.params.id}" belongs to agent "${owner}"`)
        const wait = app.hosts.admit(agentId)
        if (wait > 0) {
          reply.header('retry-after', String(wait))
          throw new AppError('SWB_RATE_LIMITED', `Too many requests from agent "${agentId}"; retry after ${wait} s`)
        }
        req.conversationAgent = agentId
      },
    },
    async (req) => {
      const agentId = req.conversationAgent!
      const r = await conversations.postTasks(req.params.id, agentId, req.body, header(req, AGENT_ID_HEADER) !== undefined)
      if (r.ok) return { conversation_id: r.conversation.conversation_id, agent_id: agentId, task_list: r.tasks }
      if (r.code === 'not_found') throw notFound(req.params.id)
      if (r.code === 'forbidden') throw new AppError('SWB_HOST_AUTH_FORBIDDEN', `Conversation "${req.params.id}" belongs to agent "${r.owner}"`)
      const first = r.issues[0]!
      throw new AppError('SWB_REQUEST_INVALID', r.issues.map((i) => (i.path ? `${i.path}: ${i.reason}` : i.reason)).join('; '), {
        field: first.path || 'body',
        issues: r.issues,
      })
    },
  )
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated agent of a task post. */
    conversationAgent?: string
  }
}
