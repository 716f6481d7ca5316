import type {
  CreateHostAgentRequest,
  CreateHostAgentResponse,
  HostAgent,
  HostAgentsResponse,
  IssuedCredential,
  PoolHistoryResponse,
  PoolMetricsResponse,
  PoolsResponse,
  UpdateHostAgentRequest,
} from '@shared/agent-hosts'
import type { ConversationDetail, ConversationsPage, ConversationStatus } from '@shared/conversations'
import type { ErrorBody, ErrorCode } from '@shared/errors'
import type {
  Execution,
  ExecutionsPage,
  ExecutionStatus,
  ExecutionType,
  RunnerConfig,
  RunnerLimits,
  StartAgentTestRequest,
} from '@shared/executions'
import type { AgentModelStatus, ModelStatusesResponse, ModelSwitchesResponse } from '@shared/model-status'
import type { RunWorkflowRequest, Workflow, WorkflowInput, WorkflowsList } from '@shared/workflows'

import type { HealthResponse, SourcesResponse } from '@shared/api'

export type { HealthResponse, SourcesResponse }

/** An agent's runner as the server keeps it (`GET`/`PUT /api/agents/{id}/runner`). */
export type AgentRunner = RunnerConfig & RunnerLimits

/** Filters of `GET /api/executions`; every one is optional. */
export interface ExecutionsQuery {
  type?: ExecutionType
  status?: ExecutionStatus
  agent_id?: string
  /** Runs of one workflow. */
  workflow_id?: number
  q?: string
  /** `next_cursor` of the previous page. */
  cursor?: string
  limit?: number
}

/** Filters of `GET /api/conversations`; every one is optional. */
export interface ConversationsListQuery {
  agent?: string
  /** Any of these statuses. */
  status?: ConversationStatus[]
  /** ISO 8601: only conversations updated at or after it. */
  updated_since?: string
  /** Searched in title, agent, id and model. */
  q?: string
  /** `next_cursor` of the previous page. */
  cursor?: string
  limit?: number
}

/** A failed call: an HTTP error with the server's error code, or a network failure (`status` 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK' | 'TIMEOUT' | 'UNKNOWN',
    message: string,
    /** The server's `details` (e.g. `{ field }` of a rejected input). */
    readonly details?: unknown,
  ) {
    super(message)
  }

  get isAuth(): boolean {
    return this.status === 401
  }

  get isNetwork(): boolean {
    return this.code === 'NETWORK' || this.code === 'TIMEOUT'
  }
}

export interface HttpClientOptions {
  /** Prefix of every request path. Default is `''` (same origin). */
  baseUrl?: string
  /** Read on every call, so a new token takes effect at once. */
  getToken: () => string | null
  /** Called once per failed call answered 401, before the promise rejects. */
  onUnauthorized?: (error: ApiError) => void
  /** Abort a call after this many milliseconds. Default is 10000. */
  timeoutMs?: number
  /** Default is the global `fetch`. */
  fetch?: typeof fetch
}

export interface HttpClient {
  health(): Promise<HealthResponse>
  modelStatuses(signal?: AbortSignal): Promise<ModelStatusesResponse>
  agentModelStatus(agentId: string, signal?: AbortSignal): Promise<AgentModelStatus>
  modelSwitches(agentId: string, limit?: number, signal?: AbortSignal): Promise<ModelSwitchesResponse>
  sources(signal?: AbortSignal): Promise<SourcesResponse>
  /** Agent hosts (seed 003): pools, their live metrics and the last hour of history. */
  pools(signal?: AbortSignal): Promise<PoolsResponse>
  poolMetrics(poolId: string, signal?: AbortSignal): Promise<PoolMetricsResponse>
  poolHistory(poolId: string, signal?: AbortSignal): Promise<PoolHistoryResponse>
  hostAgents(signal?: AbortSignal): Promise<HostAgentsResponse>
  /** The answer holds the only copy of the secret the client will ever see. */
  createHostAgent(request: CreateHostAgentRequest): Promise<CreateHostAgentResponse>
  updateHostAgent(agentId: string, request: UpdateHostAgentRequest): Promise<HostAgent>
  deleteHostAgent(agentId: string): Promise<void>
  addCredential(agentId: string): Promise<IssuedCredential>
  rotateCredential(agentId: string, appKey: string): Promise<IssuedCredential>
  revokeCredential(agentId: string, appKey: string): Promise<void>
  /** Executions (seed 002): agent tests and workflow runs, newest first. */
  executions(query?: ExecutionsQuery, signal?: AbortSignal): Promise<ExecutionsPage>
  execution(id: number, signal?: AbortSignal): Promise<Execution>
  cancelExecution(id: number): Promise<Execution>
  /** Starts a test in the background; the answer comes at once, `pending` or `running`. */
  startAgentTest(agentId: string, request: StartAgentTestRequest): Promise<Execution>
  /** Rejects with 404 `SWB_RUNNER_NOT_CONFIGURED` while the agent has none. */
  agentRunner(agentId: string, signal?: AbortSignal): Promise<AgentRunner>
  saveAgentRunner(agentId: string, runner: AgentRunner): Promise<AgentRunner>
  /** Conversations (seed 001), newest update first. */
  conversations(query?: ConversationsListQuery, signal?: AbortSignal): Promise<ConversationsPage>
  /** Rejects with 404 `SWB_CONVERSATION_NOT_FOUND` for an id the server does not know. */
  conversation(id: string, signal?: AbortSignal): Promise<ConversationDetail>
  /** Workflows (seed 002), ordered by name. */
  workflows(signal?: AbortSignal): Promise<WorkflowsList>
  workflow(id: number, signal?: AbortSignal): Promise<Workflow>
  /** Rejects with 409 `SWB_WORKFLOW_EXISTS` when the name is taken, 400 with `details.field` otherwise. */
  createWorkflow(input: WorkflowInput): Promise<Workflow>
  /** Replaces the whole workflow. */
  updateWorkflow(id: number, input: WorkflowInput): Promise<Workflow>
  /** Its past runs stay in the history. */
  deleteWorkflow(id: number): Promise<void>
  /** Starts a run in the background; the answer comes at once, `pending`, one step each. */
  runWorkflow(id: number, request: RunWorkflowRequest): Promise<Execution>
}

function queryString(query: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const baseUrl = options.baseUrl ?? ''
  const timeoutMs = options.timeoutMs ?? 10_000
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)

  async function request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    { body, signal, auth = true }: { body?: unknown; signal?: AbortSignal; auth?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    const token = options.getToken()
    if (auth && token) headers.Authorization = `Bearer ${token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'

    const timeout = AbortSignal.timeout(timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    let res: Response
    try {
      res = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      })
    } catch (err) {
      if (signal?.aborted) throw err
      if (timeout.aborted) throw new ApiError(0, 'TIMEOUT', `No answer within ${timeoutMs} ms`)
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err))
    }

    if (res.status === 204) return undefined as T
    if (res.ok) return (await res.json()) as T

    const failure = (await res.json().catch(() => null)) as Partial<ErrorBody> | null
    const error = new ApiError(
      res.status,
      failure?.error?.code ?? 'UNKNOWN',
      failure?.error?.message ?? res.statusText,
      failure?.error?.details,
    )
    // A late answer to a call made with an older token says nothing about the current one.
    if (res.status === 401 && options.getToken() === token) options.onUnauthorized?.(error)
    throw error
  }

  const get = <T>(path: string, signal?: AbortSignal): Promise<T> => request<T>('GET', path, { signal })
  const agentPath = (agentId: string) => `/api/agents/${encodeURIComponent(agentId)}`
  const poolPath = (poolId: string) => `/api/v1/agent-pools/${encodeURIComponent(poolId)}`
  const hostPath = (agentId: string) => `/api/v1/agents/${encodeURIComponent(agentId)}`
  const executionPath = (id: number) => `/api/executions/${encodeURIComponent(String(id))}`
  const workflowPath = (id: number) => `/api/workflows/${encodeURIComponent(String(id))}`
  const credentialPath = (agentId: string, appKey: string) => `${hostPath(agentId)}/credentials/${encodeURIComponent(appKey)}`

  return {
    health: () => request<HealthResponse>('GET', '/healthz', { auth: false }),
    modelStatuses: (signal) => get<ModelStatusesResponse>('/api/agents/model-statuses', signal),
    agentModelStatus: (agentId, signal) => get<AgentModelStatus>(`${agentPath(agentId)}/model-status`, signal),
    modelSwitches: (agentId, limit = 20, signal) =>
      get<ModelSwitchesResponse>(`${agentPath(agentId)}/model-switches?limit=${limit}`, signal),
    sources: (signal) => get<SourcesResponse>('/api/sources', signal),
    pools: (signal) => get<PoolsResponse>('/api/v1/agent-pools', signal),
    poolMetrics: (poolId, signal) => get<PoolMetricsResponse>(`${poolPath(poolId)}/metrics`, signal),
    poolHistory: (poolId, signal) => get<PoolHistoryResponse>(`${poolPath(poolId)}/history`, signal),
    hostAgents: (signal) => get<HostAgentsResponse>('/api/v1/agents', signal),
    createHostAgent: (body) => request<CreateHostAgentResponse>('POST', '/api/v1/agents', { body }),
    updateHostAgent: (agentId, body) => request<HostAgent>('PATCH', hostPath(agentId), { body }),
    deleteHostAgent: (agentId) => request<void>('DELETE', hostPath(agentId)),
    addCredential: (agentId) => request<IssuedCredential>('POST', `${hostPath(agentId)}/credentials`, { body: {} }),
    rotateCredential: (agentId, appKey) => request<IssuedCredential>('POST', `${credentialPath(agentId, appKey)}/rotate`, { body: {} }),
    revokeCredential: (agentId, appKey) => request<void>('DELETE', credentialPath(agentId, appKey)),
    executions: (query = {}, signal) => get<ExecutionsPage>(`/api/executions${queryString(query)}`, signal),
    execution: (id, signal) => get<Execution>(executionPath(id), signal),
    cancelExecution: (id) => request<Execution>('POST', `${executionPath(id)}/cancel`, { body: {} }),
    startAgentTest: (agentId, body) => request<Execution>('POST', `${agentPath(agentId)}/test`, { body }),
    agentRunner: (agentId, signal) => get<AgentRunner>(`${agentPath(agentId)}/runner`, signal),
    saveAgentRunner: (agentId, body) => request<AgentRunner>('PUT', `${agentPath(agentId)}/runner`, { body }),
    conversations: (query = {}, signal) =>
      get<ConversationsPage>(`/api/conversations${queryString({ ...query, status: query.status?.join(',') })}`, signal),
    conversation: (id, signal) => get<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`, signal),
    workflows: (signal) => get<WorkflowsList>('/api/workflows', signal),
    workflow: (id, signal) => get<Workflow>(workflowPath(id), signal),
    createWorkflow: (body) => request<Workflow>('POST', '/api/workflows', { body }),
    updateWorkflow: (id, body) => request<Workflow>('PUT', workflowPath(id), { body }),
    deleteWorkflow: (id) => request<void>('DELETE', workflowPath(id)),
    runWorkflow: (id, body) => request<Execution>('POST', `${workflowPath(id)}/run`, { body }),
  }
}
