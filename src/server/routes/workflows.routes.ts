/**
 * Workflows (seed 002): stored definitions of ordered agent steps, and runs of them that go to
 * the background like agent tests (`POST /api/workflows/{id}/run` returns the pending execution).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { parseTemplate, WORKFLOW_LIMITS, type WorkflowInput, type WorkflowStep } from '../../shared/workflows.js'
import { AppError } from '../http/app-error.js'
import { agentExists, runnerOf } from '../executions/agent-runners.js'
import type { RunnerSetup } from '../executions/execution-service.js'

const MAX_TIMEOUT_MS = 24 * 3_600_000

function invalid(field: string, message: string): AppError {
  return new AppError('SWB_REQUEST_INVALID', message, { field })
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseWorkflowId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('SWB_WORKFLOW_NOT_FOUND', `No workflow "${raw}"`)
  return Number(raw)
}

function checkStep(app: FastifyInstance, raw: unknown, i: number): WorkflowStep {
  const at = `steps[${i}]`
  if (!isObject(raw)) throw invalid(at, `${at} must be an object`)
  const step: WorkflowStep = { agent_id: '', input: '' }
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== 'string' || raw.name.trim().length > WORKFLOW_LIMITS.maxNameLength) {
      throw invalid(`${at}.name`, `${at}.name must be a string of at most ${WORKFLOW_LIMITS.maxNameLength} characters`)
    }
    if (raw.name.trim()) step.name = raw.name.trim()
  }
  if (typeof raw.agent_id !== 'string' || raw.agent_id.length === 0) throw invalid(`${at}.agent_id`, `${at}.agent_id must be an agent id`)
  if (!agentExists(app, raw.agent_id)) throw invalid(`${at}.agent_id`, `${at}.agent_id: no agent "${raw.agent_id}"`)
  step.agent_id = raw.agent_id
  if (typeof raw.input !== 'string' || raw.input.length === 0 || raw.input.length > WORKFLOW_LIMITS.maxTemplateLength) {
    throw invalid(`${at}.input`, `${at}.input must be a template of 1 to ${WORKFLOW_LIMITS.maxTemplateLength} characters`)
  }
  const parsed = parseTemplate(raw.input, i + 1)
  if (!parsed.ok) throw invalid(`${at}.input`, `${at}.input: ${parsed.message}`)
  step.input = raw.input
  if (raw.on_failure !== undefined && raw.on_failure !== null) {
    if (raw.on_failure !== 'stop' && raw.on_failure !== 'continue') throw invalid(`${at}.on_failure`, `${at}.on_failure must be "stop" or "continue"`)
    step.on_failure = raw.on_failure
  } else step.on_failure = 'stop'
  if (raw.timeout_ms !== undefined && raw.timeout_ms !== null) {
    if (typeof raw.timeout_ms !== 'number' || !Number.isInteger(raw.timeout_ms) || raw.timeout_ms < 1 || raw.timeout_ms > MAX_TIMEOUT_MS) {
      throw invalid(`${at}.timeout_ms`, `${at}.timeout_ms must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`)
    }
    step.timeout_ms = raw.timeout_ms
  }
  return step
}

/** A clean `WorkflowInput` from a request body, or a 400 naming the field. */
function checkWorkflow(app: FastifyInstance, body: unknown): WorkflowInput {
  if (!isObject(body)) throw invalid('body', 'body must be a JSON object')
  const name = typeof body.name === 'string' ? body.name.trim() : ''
  if (!name || name.length > WORKFLOW_LIMITS.maxNameLength) throw invalid('name', `name must be 1 to ${WORKFLOW_LIMITS.maxNameLength} characters`)
  if (/^\d+$/.test(name)) throw invalid('name', 'name must not be only digits (it would read as an id)')
  let description: string | null = null
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== 'string' || body.description.length > WORKFLOW_LIMITS.maxDescriptionLength) {
      throw invalid('description', `description must be a string of at most ${WORKFLOW_LIMITS.maxDescriptionLength} characters`)
    }
    description = body.description.trim() || null
  }
  if (!Array.isArray(body.steps) || body.steps.length === 0 || body.steps.length > WORKFLOW_LIMITS.maxSteps) {
    throw invalid('steps', `steps must be a list of 1 to ${WORKFLOW_LIMITS.maxSteps} steps`)
  }
  const steps = body.steps.map((s, i) => checkStep(app, s, i))
  return { name, description, steps }
}

export const workflowsRoutes: FastifyPluginAsync = async (app) => {
  const repo = app.workflowsRepository

  const load = async (raw: string) => {
    const w = await repo.get(parseWorkflowId(raw))
    if (!w) throw new AppError('SWB_WORKFLOW_NOT_FOUND', `No workflow "${raw}"`)
    return w
  }

  app.get('/api/workflows', async () => ({ workflows: await repo.list() }))

  app.post<{ Body: unknown }>('/api/workflows', async (req, reply) => {
    const input = checkWorkflow(app, req.body)
    const created = await repo.insert(input, Date.now())
    if (!created) throw new AppError('SWB_WORKFLOW_EXISTS', `A workflow named "${input.name}" already exists`, { field: 'name' })
    return reply.code(201).send(created)
  })

  app.get<{ Params: { id: string } }>('/api/workflows/:id', async (req) => load(req.params.id))

  app.put<{ Params: { id: string }; Body: unknown }>('/api/workflows/:id', async (req) => {
    const id = parseWorkflowId(req.params.id)
    const input = checkWorkflow(app, req.body)
    const updated = await repo.update(id, input, Date.now())
    if (updated === 'missing') throw new AppError('SWB_WORKFLOW_NOT_FOUND', `No workflow "${req.params.id}"`)
    if (updated === 'name_taken') throw new AppError('SWB_WORKFLOW_EXISTS', `A workflow named "${input.name}" already exists`, { field: 'name' })
    return updated
  })

  app.delete<{ Params: { id: string } }>('/api/workflows/:id', async (req, reply) => {
    if (!(await repo.delete(parseWorkflowId(req.params.id)))) throw new AppError('SWB_WORKFLOW_NOT_FOUND', `No workflow "${req.params.id}"`)
    return reply.code(204).send()
  })

  app.post<{ Params: { id: string }; Body: unknown }>('/api/workflows/:id/run', async (req) => {
    const workflow = await load(req.params.id)
    const body = req.body ?? {}
    if (!isObject(body)) throw invalid('body', 'body must be a JSON object')
    let input = ''
    if (body.input !== undefined && body.input !== null) {
      if (typeof body.input !== 'string' || body.input.length > WORKFLOW_LIMITS.maxInputLength) {
        throw invalid('input', `input must be a string of at most ${WORKFLOW_LIMITS.maxInputLength} characters`)
      }
      input = body.input
    }
    // Each step's runner as it is now: a run is not changed by edits made while it waits.
    const runners: RunnerSetup[] = []
    for (const [i, step] of workflow.steps.entries()) {
      if (!agentExists(app, step.agent_id)) throw invalid(`steps[${i}].agent_id`, `Step ${i + 1}: agent "${step.agent_id}" no longer exists`)
      const config = await runnerOf(app, step.agent_id)
      if (!config) {
        throw new AppError('SWB_RUNNER_NOT_CONFIGURED', `Step ${i + 1}: agent "${step.agent_id}" has no runner: set one with PUT /api/agents/${step.agent_id}/runner`, {
          field: `steps[${i}].agent_id`,
        })
      }
      runners.push(config)
    }
    return app.executions.startWorkflow({ workflow, input, runners, startedBy: 'api' })
  })
}
