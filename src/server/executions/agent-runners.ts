/** Which agents exist, and which runner each one's tests and workflow steps use. */
import type { FastifyInstance } from 'fastify'
import type { RunnerSetup } from './execution-service.js'

export function agentExists(app: FastifyInstance, agentId: string): boolean {
  return app.fleet.get(agentId) !== undefined || app.hosts.get(agentId) !== null
}

/** The agent's stored runner, else OpenClaw's own for an OpenClaw agent, else none. */
export async function runnerOf(app: FastifyInstance, agentId: string): Promise<RunnerSetup | null> {
  const stored = await app.executionsRepository.getRunner(agentId)
  if (stored) return stored
  return app.fleet.get(agentId) ? { kind: 'openclaw', agent: agentId } : null
}
