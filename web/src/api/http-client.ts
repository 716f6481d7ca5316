import type { ErrorBody, ErrorCode } from '@shared/errors'
import type { AgentModelStatus, ModelStatusesResponse, ModelSwitchesResponse } from '@shared/model-status'

import type { HealthResponse, SourcesResponse } from '@shared/api'

export type { HealthResponse, SourcesResponse }

/** A failed call: an HTTP error with the server's error code, or a network failure (`status` 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK' | 'TIMEOUT' | 'UNKNOWN',
    message: string,
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
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const baseUrl = options.baseUrl ?? ''
  const timeoutMs = options.timeoutMs ?? 10_000
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)

  async function get<T>(path: string, signal?: AbortSignal, auth = true): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    const token = options.getToken()
    if (auth && token) headers.Authorization = `Bearer ${token}`

    const timeout = AbortSignal.timeout(timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    let res: Response
    try {
      res = await doFetch(`${baseUrl}${path}`, { headers, signal: combined })
    } catch (err) {
      if (signal?.aborted) throw err
      if (timeout.aborted) throw new ApiError(0, 'TIMEOUT', `No answer within ${timeoutMs} ms`)
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err))
    }

    if (res.ok) return (await res.json()) as T

    const body = (await res.json().catch(() => null)) as Partial<ErrorBody> | null
    const error = new ApiError(res.status, body?.error?.code ?? 'UNKNOWN', body?.error?.message ?? res.statusText)
    if (res.status === 401) options.onUnauthorized?.(error)
    throw error
  }

  const agentPath = (agentId: string) => `/api/agents/${encodeURIComponent(agentId)}`

  return {
    health: () => get<HealthResponse>('/healthz', undefined, false),
    modelStatuses: (signal) => get<ModelStatusesResponse>('/api/agents/model-statuses', signal),
    agentModelStatus: (agentId, signal) => get<AgentModelStatus>(`${agentPath(agentId)}/model-status`, signal),
    modelSwitches: (agentId, limit = 20, signal) =>
      get<ModelSwitchesResponse>(`${agentPath(agentId)}/model-switches?limit=${limit}`, signal),
    sources: (signal) => get<SourcesResponse>('/api/sources', signal),
  }
}
