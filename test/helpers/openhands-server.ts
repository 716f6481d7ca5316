/**
 * A local HTTP server that answers like OpenHands' documented conversations API
 * (`GET /api/conversations?limit=&page_id=` → `{results, next_page_id}`,
 * `GET /api/conversations/{id}` → `ConversationInfo | null`, `X-Session-API-Key`), with
 * conversations a test can change while it runs.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeOpenHandsConversation {
  conversation_id: string
  title: string
  status: string
  runtime_status?: string | null
  created_at: string
  last_updated_at?: string | null
  selected_repository?: string | null
  session_api_key?: string | null
  [extra: string]: unknown
}

export interface FakeOpenHands {
  url: string
  apiKey: string
  conversations: FakeOpenHandsConversation[]
  /** Requests seen, as `METHOD path?query`. */
  requests: string[]
  /** When set, every request answers this HTTP status. */
  failWith: number | null
  /** Raw list body to answer instead of the conversations (malformed answers). */
  rawList: string | null
  close(): Promise<void>
}

export async function startFakeOpenHands(apiKey = 'oh-test-key'): Promise<FakeOpenHands> {
  const fake: FakeOpenHands = { url: '', apiKey, conversations: [], requests: [], failWith: null, rawList: null, close: async () => {} }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    fake.requests.push(`${req.method} ${url.pathname}${url.search}`)
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    if (fake.failWith) return send(fake.failWith, { detail: 'failing on purpose' })
    if (req.headers['x-session-api-key'] !== fake.apiKey) return send(401, { detail: 'Invalid session API key' })
    if (req.method === 'GET' && url.pathname === '/api/conversations') {
      if (fake.rawList !== null) return send(200, fake.rawList)
      const limit = Number(url.searchParams.get('limit') ?? 20)
      const offset = Number(Buffer.from(url.searchParams.get('page_id') ?? '', 'base64').toString() || 0)
      const sorted = [...fake.conversations].sort((a, b) => b.created_at.localeCompare(a.created_at))
      const results = sorted.slice(offset, offset + limit)
      const next = offset + limit < sorted.length ? Buffer.from(String(offset + limit)).toString('base64') : null
      return send(200, { results, next_page_id: next })
    }
    const one = /^\/api\/conversations\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'GET' && one) {
      return send(200, fake.conversations.find((c) => c.conversation_id === decodeURIComponent(one[1]!)) ?? null)
    }
    send(404, { detail: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () => new Promise((resolve) => server.close(() => resolve()))
  return fake
}
