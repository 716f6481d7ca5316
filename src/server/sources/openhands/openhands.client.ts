/**
 * An OpenHands server's conversations API as its documentation gives it:
 * `GET /api/conversations?limit=&page_id=` → `{results: ConversationInfo[], next_page_id}` and
 * `GET /api/conversations/{id}` → `ConversationInfo | null`. The key goes in `X-Session-API-Key`
 * (self-hosted) and as a bearer token (OpenHands Cloud). Records are checked field by field: a
 * record without an id or with an unknown status is skipped and counted, never trusted.
 */

export const OPENHANDS_STATUSES = ['STARTING', 'RUNNING', 'STOPPED', 'ARCHIVED', 'ERROR'] as const
export type OpenHandsStatus = (typeof OPENHANDS_STATUSES)[number]

/** The fields of OpenHands' `ConversationInfo` that Switchboard keeps (never `session_api_key`). */
export interface OpenHandsConversation {
  conversation_id: string
  title: string
  status: OpenHandsStatus
  runtime_status: string | null
  created_at: string | null
  last_updated_at: string | null
  selected_repository: string | null
  selected_branch: string | null
  trigger: string | null
  num_connections: number
  url: string | null
  pr_number: number[]
}

export interface OpenHandsPage {
  conversations: OpenHandsConversation[]
  nextPageId: string | null
  /** Records that were not conversations, with why. */
  skipped: string[]
}

export class OpenHandsError extends Error {
  override readonly name = 'OpenHandsError'
  readonly status: number | null
  constructor(message: string, status: number | null) {
    super(message)
    this.status = status
  }
}

export interface OpenHandsClientOptions {
  url: string
  apiKey: string | null
  /** Per request. Default is 10000. */
  timeoutMs?: number
  /** Largest answer read. Default is 8 MiB. */
  maxBytes?: number
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null)
const isoOrNull = (v: unknown): string | null => {
  const s = str(v)
  return s && Number.isFinite(Date.parse(s)) ? new Date(Date.parse(s)).toISOString() : null
}

export function parseConversation(raw: unknown): OpenHandsConversation | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object'
  const r = raw as Record<string, unknown>
  const id = str(r.conversation_id)
  if (!id || id.length > 200) return 'no conversation_id'
  const status = r.status ?? 'STOPPED'
  if (!OPENHANDS_STATUSES.includes(status as OpenHandsStatus)) return `unknown status ${JSON.stringify(status).slice(0, 40)}`
  return {
    conversation_id: id,
    title: typeof r.title === 'string' ? r.title.slice(0, 500) : '',
    status: status as OpenHandsStatus,
    runtime_status: str(r.runtime_status),
    created_at: isoOrNull(r.created_at),
    last_updated_at: isoOrNull(r.last_updated_at),
    selected_repository: str(r.selected_repository),
    selected_branch: str(r.selected_branch),
    trigger: str(r.trigger),
    num_connections: typeof r.num_connections === 'number' && Number.isFinite(r.num_connections) ? r.num_connections : 0,
    url: str(r.url),
    pr_number: Array.isArray(r.pr_number) ? r.pr_number.filter((n): n is number => Number.isInteger(n)) : [],
  }
}

export interface OpenHandsClient {
  readonly url: string
  page(pageId: string | null, limit: number): Promise<OpenHandsPage>
  /** Null when the server says there is no such conversation. */
  get(id: string): Promise<OpenHandsConversation | null>
}

/** The body as UTF-8, or null (and the rest cancelled) once it passes `maxBytes`. */
async function readAtMost(res: Response, maxBytes: number): Promise<string | null> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function createOpenHandsClient(options: OpenHandsClientOptions): OpenHandsClient {
  const base = options.url.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024

  const getJson = async (pathname: string): Promise<unknown> => {
    let res: Response
    try {
      res = await fetch(`${base}${pathname}`, {
        headers: {
          accept: 'application/json',
          ...(options.apiKey ? { 'x-session-api-key': options.apiKey, authorization: `Bearer ${options.apiKey}` } : {}),
        },
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      const cause = err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err)
      throw new OpenHandsError(`cannot reach ${base}: ${cause}`, null)
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel()
      throw new OpenHandsError(`${base} refused the API key (HTTP ${res.status})`, res.status)
    }
    if (res.status === 404) {
      await res.body?.cancel()
      return null
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new OpenHandsError(`${base}${pathname} answered HTTP ${res.status}`, res.status)
    }
    const declared = Number(res.headers.get('content-length') ?? 0)
    if (declared > maxBytes) {
      await res.body?.cancel()
      throw new OpenHandsError(`${base}${pathname} answered ${declared} bytes, more than ${maxBytes}`, res.status)
    }
    // Counted as it arrives: an answer without a length (chunked) may not end before the timeout.
    const text = await readAtMost(res, maxBytes)
    if (text === null) throw new OpenHandsError(`${base}${pathname} answered more than ${maxBytes} bytes`, res.status)
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new OpenHandsError(`${base}${pathname} did not answer JSON`, res.status)
    }
  }

  return {
    url: base,
    async page(pageId, limit) {
      const q = new URLSearchParams({ limit: String(limit) })
      if (pageId) q.set('page_id', pageId)
      const body = await getJson(`/api/conversations?${q.toString()}`)
      if (typeof body !== 'object' || body === null || !Array.isArray((body as { results?: unknown }).results)) {
        throw new OpenHandsError(`${base}/api/conversations did not answer {results: […]}`, 200)
      }
      const b = body as { results: unknown[]; next_page_id?: unknown }
      const conversations: OpenHandsConversation[] = []
      const skipped: string[] = []
      for (const raw of b.results) {
        const c = parseConversation(raw)
        if (typeof c === 'string') skipped.push(c)
        else conversations.push(c)
      }
      return { conversations, nextPageId: str(b.next_page_id), skipped }
    },
    async get(id) {
      const body = await getJson(`/api/conversations/${encodeURIComponent(id)}`)
      if (body === null) return null
      const c = parseConversation(body)
      if (typeof c === 'string') throw new OpenHandsError(`${base}/api/conversations/${id}: ${c}`, 200)
      return c
    },
  }
}
