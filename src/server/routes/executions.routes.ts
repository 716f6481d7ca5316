/**
 * Seed 002: agent tests start at once and run in the background; the execution history with
 * filters, search and cursor pages; cancel; and the runner each agent's tests use.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ExecutionStatus, ExecutionType, RunnerConfig, RunnerLimits } from '../../shared/executions.js'
import { AppError } from '../http/app-error.js'
import { validateRunnerConfig } from '../runners/registry.js'
import { agentExists as exists, runnerOf as storedRunnerOf } from '../executions/agent-runners.js'

const MAX_INPUT = 100_000
const TYPES: readonly ExecutionType[] = ['agent_test', 'workflow']
const STATUSES: readonly ExecutionStatus[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']

function invalid(field: string, message: string): AppError {
  return new AppError('SWB_REQUEST_INVALID', message, { field })
}

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('SWB_EXECUTION_NOT_FOUND', `No execution "${raw}"`)
  return Number(raw)
}

export const executionsRoutes: FastifyPluginAsync = async (app) => {
  const agentExists = (agentId: string): boolean => exists(app, agentId)
  const runnerOf = (agentId: string): Promise<(RunnerConfig & RunnerLimits) | null> => storedRunnerOf(app, agentId)

  app.post<{ Params: { agentId: string }; Body: unknown }>('/api/agents/:agentId/test', async (req) => {
    const { agentId } = req.params
    const body = req.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'body must be a JSON object')
    const b = body as Record<string, unknown>
    if (typeof b.test_input !== 'string' || b.test_input.length === 0 || b.test_input.length > MAX_INPUT) {
      throw invalid('test_input', `test_input must be a string of 1 to ${MAX_INPUT} characters`)
    }
    if (!agentExists(agentId)) throw new AppError('SWB_AGENT_NOT_FOUND', `Agent "${agentId}" not found`)
    let config: (RunnerConfig & RunnerLimits) | null
    if (b.runner !== undefined) {
      const checked = validateRunnerConfig(b.runner)
      if (!checked.ok) throw invalid(`runner.${checked.field}`, checked.message)
      config = checked.value
    } else {
      config = await runnerOf(agentId)
    }
    if (!config) throw new AppError('SWB_RUNNER_NOT_CONFIGURED', `Agent "${agentId}" has no runner: set one with PUT /api/agents/${agentId}/runner`)
    return app.executions.startAgentTest({ agentId, input: b.test_input, config, startedBy: 'api' })
  })

  app.get<{ Params: { agentId: string } }>('/api/agents/:agentId/runner', async (req) => {
    const { agentId } = req.params
    if (!agentExists(agentId)) throw new AppError('SWB_AGENT_NOT_FOUND', `Agent "${agentId}" not found`)
    const config = await runnerOf(agentId)
    if (!config) throw new AppError('SWB_RUNNER_NOT_CONFIGURED', `Agent "${agentId}" has no runner: set one with PUT /api/agents/${agentId}/runner`)
    return config
  })

  app.put<{ Params: { agentId: string }; Body: unknown }>('/api/agents/:agentId/runner', async (req) => {
    const { agentId } = req.params
    if (!agentExists(agentId)) throw new AppError('SWB_AGENT_NOT_FOUND', `Agent "${agentId}" not found`)
    const checked = validateRunnerConfig(req.body)
    if (!checked.ok) throw invalid(checked.field, checked.message)
    await app.executionsRepository.putRunner(agentId, checked.value, Date.now())
    return checked.value
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/executions', async (req) => {
    const { type, status, agent_id: agentId, workflow_id: workflowId, q, cursor, limit: rawLimit } = req.query
    if (type !== undefined && !TYPES.includes(type as ExecutionType)) throw invalid('type', `type must be one of ${TYPES.join(', ')}`)
    if (status !== undefined && !STATUSES.includes(status as ExecutionStatus)) throw invalid('status', `status must be one of ${STATUSES.join(', ')}`)
    if (workflowId !== undefined && !/^\d{1,15}$/.test(workflowId)) throw invalid('workflow_id', 'workflow_id must be a workflow id')
    if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw invalid('cursor', 'cursor must be the next_cursor of a previous page')
    let limit = 50
    if (rawLimit !== undefined) {
      if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 200) throw invalid('limit', 'limit must be an integer from 1 to 200')
      limit = Number(rawLimit)
    }
    if (q !== undefined && q.length > 200) throw invalid('q', 'q must be at most 200 characters')
    const rows = await app.executionsRepository.list({
      ...(type ? { type: type as ExecutionType } : {}),
      ...(status ? { status: status as ExecutionStatus } : {}),
      ...(agentId ? { agentId } : {}),
      ...(workflowId ? { workflowId: Number(workflowId) } : {}),
      ...(q ? { q } : {}),
      ...(cursor ? { beforeId: Number(cursor) } : {}),
      limit: limit + 1,
    })
    const more = rows.length > limit
    const page = more ? rows.slice(0, limit) : rows
    return { executions: page, next_cursor: more ? String(page[page.length - 1]!.id) : null }
  })

  app.get<{ Params: { id: string } }>('/api/executions/:id', async (req) => {
    const e = await app.executionsRepository.get(parseId(req.params.id))
    if (!e) throw new AppError('SWB_EXECUTION_NOT_FOUND', `No execution "${req.params.id}"`)
    return app.executions.withLiveOutput(e)
  })

  app.post<{ Params: { id: string } }>('/api/executions/:id/cancel', async (req) => {
    const e = await app.executions.cancel(parseId(req.params.id))
    if (!e) throw new AppError('SWB_EXECUTION_NOT_FOUND', `No execution "${req.params.id}"`)
    return e
  })
}
