/**
 * The operator side of seed 003 for the CLI: the agent registry and its credentials, through the
 * bearer-token API. One method per route; errors come back as `OperatorApiError` with the server's
 * code.
 */
import type {
  CreateHostAgentRequest,
  CreateHostAgentResponse,
  HostAgent,
  HostAgentsResponse,
  IssuedCredential,
  PoolsResponse,
  UpdateHostAgentRequest,
} from '../shared/agent-hosts.js'
import { createOperatorCall, OperatorApiError, type OperatorApiOptions } from './operator-api.js'

export { OperatorApiError }

export interface HostAgentsClient {
  list(): Promise<HostAgentsResponse>
  get(agentId: string): Promise<HostAgent>
  create(request: CreateHostAgentRequest): Promise<CreateHostAgentResponse>
  update(agentId: string, request: UpdateHostAgentRequest): Promise<HostAgent>
  remove(agentId: string): Promise<void>
  addCredential(agentId: string): Promise<IssuedCredential>
  rotateCredential(agentId: string, appKey: string): Promise<IssuedCredential>
  revokeCredential(agentId: string, appKey: string): Promise<void>
  pools(): Promise<PoolsResponse>
}

export type HostAgentsClientOptions = OperatorApiOptions

export function createHostAgentsClient(options: HostAgentsClientOptions): HostAgentsClient {
  const call = createOperatorCall(options)
  const id = encodeURIComponent

  return {
    list: () => call('GET', '/api/v1/agents'),
    get: (agentId) => call('GET', `/api/v1/agents/${id(agentId)}`),
    create: (request) => call('POST', '/api/v1/agents', request),
    update: (agentId, request) => call('PATCH', `/api/v1/agents/${id(agentId)}`, request),
    remove: (agentId) => call('DELETE', `/api/v1/agents/${id(agentId)}`),
    addCredential: (agentId) => call('POST', `/api/v1/agents/${id(agentId)}/credentials`),
    rotateCredential: (agentId, appKey) => call('POST', `/api/v1/agents/${id(agentId)}/credentials/${id(appKey)}/rotate`),
    revokeCredential: (agentId, appKey) => call('DELETE', `/api/v1/agents/${id(agentId)}/credentials/${id(appKey)}`),
    pools: () => call('GET', '/api/v1/agent-pools'),
  }
}
