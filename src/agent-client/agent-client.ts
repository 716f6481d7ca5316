/**
 * The agent side of seed 003: a typed client for `POST /api/v1/agents/{agent_id}/ping`. Node
 * built-ins only (global `fetch`, which keeps connections alive by default), so an agent can import
 * it without pulling the server in.
 */
import { APP_KEY_HEADER, APP_SECRET_HEADER, type AgentPingRequest, type AgentPingResponse } from '../shared/agent-hosts.js'

export interface AgentClientOptions {
  /** The Switchboard server, e.g. `http://127.0.0.1:7420`. A path prefix is kept (for a reverse proxy). */
  url: string
  agentId: string
  appKey: string
  appSecret: string
  /** How long one request may take, body included, in milliseconds. Default is 10000. */
  timeoutMs?: number
  /** The `fetch` to use. Default is the global one. */
  fetch?: typeof fetch
}

export interface PingOptions {
  /** Overrides the client's `timeoutMs` for this request. */
  timeoutMs?: number
  /** Aborts the request (it then fails with kind `aborted`). */
  signal?: AbortSignal
}

export interface AgentClient {
  readonly url: string
  readonly agentId: string
  ping(body: AgentPingRequest, options?: PingOptions): Promise<AgentPingResponse>
}

/**
 * What went wrong:
 * - `network`: no answer (refused, reset, DNS…);
 * - `timeout`: no complete answer within the timeout;
 * - `aborted`: the caller aborted;
 * - `http`: the server answered with a non-2xx status;
 * - `protocol`: a 2xx answer that is not a ping response (a proxy's page, say);
 * - `config`: the client options cannot work (bad URL, empty credentials).
 */
export type AgentClientErrorKind = 'network' | 'timeout' | 'aborted' | 'http' | 'protocol' | 'config'

/** The only error a client throws. */
export class AgentClientError extends Error {
  override readonly name = 'AgentClientError'
  readonly kind: AgentClientErrorKind
  /** HTTP status, when the server answered. */
  readonly status: number | null
  /** The server's error code (`error.code` of its body), when it sent one. */
  readonly code: string | null
  /** The server's `Retry-After`, in seconds, when it sent one. */
  readonly retryAfterSec: number | null
  /** The server's `error.details`, when it sent some. */
  readonly details: unknown

  constructor(
    kind: AgentClientErrorKind,
    message: string,
    extra: { status?: number | null; code?: string | null; retryAfterSec?: number | null; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause })
    this.kind = kind
    this.status = extra.status ?? null
    this.code = extra.code ?? null
    this.retryAfterSec = extra.retryAfterSec ?? null
    this.details = extra.details
  }

  /** Worth retrying soon: the server is unreachable, overloaded or failing, not refusing this agent. */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout' || this.kind === 'protocol') return true
    if (this.kind !== 'http' || this.status === null) return false
    return this.status >= 500 || this.status === 429 || this.status === 408
  }

  /** The server refused these credentials (401) or this key is another agent's (403). */
  get credentialsRejected(): boolean {
    return this.kind === 'http' && (this.status === 401 || this.status === 403)
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000
/** Error bodies worth reading are small; anything longer is cut before it is shown. */
const MAX_ERROR_TEXT = 300

export function createAgentClient(options: AgentClientOptions): AgentClient {
  const { agentId, appKey, appSecret } = options
  for (const [name, value] of [
    ['agentId', agentId],
    ['appKey', appKey],
    ['appSecret', appSecret],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) throw new AgentClientError('config', `${name} is required`)
  }
  let base: URL
  try {
    base = new URL(options.url)
  } catch {
    throw new AgentClientError('config', `not a URL: ${options.url}`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new AgentClientError('config', `the URL must be http:// or https://, not ${base.protocol}`)
  }
  const baseText = base.href.replace(/\/+$/, '')
  const endpoint = `${baseText}/api/v1/agents/${encodeURIComponent(agentId)}/ping`
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const doFetch = options.fetch ?? globalThis.fetch

  return {
    url: baseText,
    agentId,
    async ping(body, pingOptions = {}) {
      const timeoutMs = pingOptions.timeoutMs ?? defaultTimeout
      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = pingOptions.signal ? AbortSignal.any([timeout, pingOptions.signal]) : timeout
      const failed = (err: unknown): AgentClientError => {
        if (pingOptions.signal?.aborted) return new AgentClientError('aborted', 'ping aborted', { cause: err })
        if (timeout.aborted) return new AgentClientError('timeout', `no answer from ${base.host} within ${timeoutMs} ms`, { cause: err })
        return new AgentClientError('network', `cannot reach ${base.host}: ${describeNetworkError(err)}`, { cause: err })
      }

      let payload: string
      try {
        payload = JSON.stringify(body)
      } catch (err) {
        throw new AgentClientError('config', `the ping body cannot be sent as JSON: ${errorText(err)}`, { cause: err })
      }
      let res: Response
      let text: string
      try {
        res = await doFetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            [APP_KEY_HEADER]: appKey,
            [APP_SECRET_HEADER]: appSecret,
          },
          body: payload,
          signal,
        })
        text = await res.text()
      } catch (err) {
        throw failed(err)
      }

      if (!res.ok) throw httpError(res, text)
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new AgentClientError('protocol', `the server answered ${res.status} with something that is not JSON: ${clip(text)}`, {
          status: res.status,
        })
      }
      if (!isPingResponse(parsed)) {
        throw new AgentClientError('protocol', `the server answered ${res.status} without a ping response: ${clip(text)}`, {
          status: res.status,
        })
      }
      return parsed
    },
  }
}

function isPingResponse(v: unknown): v is AgentPingResponse {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return r.accepted === true && typeof r.server_time === 'number' && typeof r.offline_after_sec === 'number'
}

function httpError(res: Response, text: string): AgentClientError {
  let code: string | null = null
  let message: string | null = null
  let details: unknown
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    if (typeof body.error?.code === 'string') code = body.error.code
    if (typeof body.error?.message === 'string') message = body.error.message
    details = body.error?.details
  } catch {
    // Not JSON (a proxy's page, say): the status and the start of the text say enough.
  }
  const retryAfterSec = parseRetryAfter(res.headers.get('retry-after'), Date.now())
  const what = message ?? (clip(text) || res.statusText || 'no details')
  return new AgentClientError('http', `${res.status}${code ? ` ${code}` : ''}: ${what}`, {
    status: res.status,
    code,
    retryAfterSec,
    details,
  })
}

/** `Retry-After` is either whole seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  // Every HTTP date starts with the day's name; anything else Date.parse would guess at.
  if (!/^[A-Za-z]{3}/.test(v)) return null
  const at = Date.parse(v)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function describeNetworkError(err: unknown): string {
  // Undici's `fetch failed` hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  if (cause && typeof cause.code === 'string') return cause.code
  if (cause && typeof cause.message === 'string') return cause.message
  return errorText(err)
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_ERROR_TEXT ? `${oneLine.slice(0, MAX_ERROR_TEXT)}…` : oneLine
}
