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

export class OperatorApiError extends Error {
  override readonly name = 'OperatorApiError'
  /** HTTP status, or null when the server could not be reached. */
  readonly status: number | null
  readonly code: string | null

  constructor(message: string, status: number | null, code: string | null) {
    super(message)
    this.status = status
    this.code = code
  }
}

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

export interface HostAgentsClientOptions {
  url: string
  token: string
  /** Per request, in milliseconds. Default is 15000. */
  timeoutMs?: number
}

export function createHostAgentsClient(options: HostAgentsClientOptions): HostAgentsClient {
  const base = options.url.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 15_000
  const id = encodeURIComponent

  async function call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    let res: Response
    let text: string
    try {
      res = await fetch(`${base}${pathname}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      })
      text = await res.text()
    } catch (err) {
      const cause = err instanceof Error ? (err.cause as { code?: string } | undefined)?.code : undefined
      throw new OperatorApiError(`cannot reach ${base}: ${cause ?? (err instanceof Error ? err.message : String(err))}`, null, null)
    }
    if (!res.ok) {
      let code: string | null = null
      let message = text.slice(0, 300) || res.statusText
      try {
        const e = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
        if (typeof e.error?.code === 'string') code = e.error.code
        if (typeof e.error?.message === 'string') message = e.error.message
      } catch {
        // Not JSON: show it as it is.
      }
      throw new OperatorApiError(`${res.status}${code ? ` ${code}` : ''}: ${message}`, res.status, code)
    }
    if (res.status === 204 || text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new OperatorApiError(`${res.status}: the answer is not JSON: ${text.slice(0, 200)}`, res.status, null)
    }
  }

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
