/**
 * The bearer-token API as the CLI calls it: JSON in and out, a timeout per request, and every
 * failure as an `OperatorApiError` carrying the server's code (or saying the server is unreachable).
 */
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

export interface OperatorApiOptions {
  url: string
  token: string
  /** Per request, in milliseconds. Default is 15000. */
  timeoutMs?: number
}

export type OperatorCall = <T>(method: string, pathname: string, body?: unknown) => Promise<T>

export function createOperatorCall(options: OperatorApiOptions): OperatorCall {
  const base = options.url.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 15_000

  return async function call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
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
}
