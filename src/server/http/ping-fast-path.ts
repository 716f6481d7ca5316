/**
 * The direct path for plain heartbeats. Hosts ping thousands of times a second, and Fastify's
 * request and reply objects, routing and hook runs are a share of each ping's CPU: under
 * callgrind a bare `node:http` server takes about 82k instructions for the benchmark's ping and a
 * bare Fastify route 95–101k; this path took the heartbeat route from 123–127k to 114–117k.
 *
 * A request that is plainly a ping — `POST`, the exact path with a well-formed agent id and no
 * query, `Content-Type: application/json` (optionally `; charset=utf-8`), a declared length
 * within the limit — is answered here, on the raw request, by the steps the Fastify route takes
 * (`routes/ping-steps.ts`): credentials and flood control before the body is read, then the body
 * parsed, checked and taken. It is counted in the same request and heartbeat metrics. Any other
 * request, including every odd-shaped ping (an encoded or unusual path, a chunked or oversized
 * body, another media type), goes on to Fastify and is answered exactly as before. A test sends
 * the same requests both ways and holds the answers equal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import { APP_KEY_HEADER, APP_SECRET_HEADER, HOST_ID_PATTERN } from '../../shared/agent-hosts.js'
import { ERROR_CODES } from '../../shared/errors.js'
import { PING_BODY_LIMIT, type PingSteps } from '../routes/ping-steps.js'
import { AppError } from './app-error.js'

/** Answers a plain ping and returns true; returns false, having touched nothing, for any other request. */
export type PingFastPath = (req: IncomingMessage, res: ServerResponse) => boolean

const PREFIX = '/api/v1/agents/'
const SUFFIX = '/ping'
const JSON_TYPE = 'application/json; charset=utf-8'

const oneHeader = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)

/** The agent id of a plain ping's path, or null. */
function plainPingId(url: string): string | null {
  if (url.length > PREFIX.length + 64 + SUFFIX.length || !url.startsWith(PREFIX) || !url.endsWith(SUFFIX)) return null
  const id = url.slice(PREFIX.length, url.length - SUFFIX.length)
  // An id of HOST_ID_PATTERN's characters needs no decoding: the raw path segment is the id.
  return HOST_ID_PATTERN.test(id) ? id : null
}

function isPlainJson(type: string | undefined): boolean {
  return type === 'application/json' || type === JSON_TYPE
}

export function createPingFastPath(deps: {
  steps: PingSteps
  /** Counts and times one answered request, as the route's own meter does. */
  meter: (status: number, seconds: number) => void
  log: FastifyBaseLogger | null
  /** Off once the server is closing: Fastify then answers every request itself (503). */
  enabled: () => boolean
}): PingFastPath {
  const { steps, meter, log } = deps

  const answer = (res: ServerResponse, startedAt: number, status: number, body: string, retryAfterSec?: number): void => {
    const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) }
    if (retryAfterSec !== undefined) headers['retry-after'] = String(retryAfterSec)
    res.writeHead(status, headers)
    res.end(body)
    steps.count(status)
    meter(status, (performance.now() - startedAt) / 1000)
  }

  const fail = (res: ServerResponse, startedAt: number, err: unknown, url: string): void => {
    if (err instanceof AppError) return answer(res, startedAt, err.statusCode, JSON.stringify(err.toBody()))
    log?.error({ err, url }, 'request failed')
    answer(res, startedAt, 500, JSON.stringify({ error: { code: 'SWB_INTERNAL', message: ERROR_CODES.SWB_INTERNAL.message } }))
  }

  return (req, res) => {
    if (req.method !== 'POST' || !deps.enabled()) return false
    const url = req.url ?? ''
    const agentId = plainPingId(url)
    if (agentId === null) return false
    const headers = req.headers
    const declared = headers['content-length']
    if (!isPlainJson(headers['content-type']) || declared === undefined || headers['transfer-encoding'] !== undefined) return false
    if (Number(declared) > PING_BODY_LIMIT) return false

    const startedAt = performance.now()
    const refused = steps.admit(agentId, oneHeader(headers[APP_KEY_HEADER]), oneHeader(headers[APP_SECRET_HEADER]), req.socket.remoteAddress ?? '')
    if (refused) {
      answer(res, startedAt, refused.error.statusCode, JSON.stringify(refused.error.toBody()), refused.retryAfterSec)
      return true
    }
    // The declared length is within the limit, and Node's parser ends the body there.
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
        answer(res, startedAt, 200, steps.accept(agentId, steps.parse(text)))
      } catch (err) {
        fail(res, startedAt, err, url)
      }
    })
    return true
  }
}
