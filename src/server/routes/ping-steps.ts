/**
 * The heartbeat's steps (seed 003), shared by the two ways a ping comes in: the Fastify route
 * (`hosts.routes.ts`) and the server's direct path for plain pings (`http/ping-fast-path.ts`).
 * Both take the same steps in the same order, so they give the same answers and counts.
 */
import type { AgentPingResponse } from '../../shared/agent-hosts.js'
import type { HostState } from '../core/host-state.js'
import { validatePing } from '../core/host-status.rules.js'
import { AppError } from '../http/app-error.js'
import type { Metrics, TallyCell } from '../http/metrics.js'

/** A ping is a few hundred bytes; a hundred tasks a few KiB. */
export const PING_BODY_LIMIT = 64 * 1024
/** The route's path, also the `endpoint` label of its request metrics. */
export const PING_ROUTE = '/api/v1/agents/:agentId/ping'

/** Why a ping is refused before its body is read, and when it may come again. */
export interface PingRefusal {
  error: AppError
  retryAfterSec?: number
}

export interface PingSteps {
  /** Credentials, then flood control, before the body is read: the refusal, or null when admitted. */
  admit(agentId: string, appKey: string | undefined, appSecret: string | undefined, clientAddress: string): PingRefusal | null
  /** The body's text as JSON, or an `AppError` (400) naming the body. */
  parse(text: string): unknown
  /** The body checked and the ping taken: the answer's JSON text. Throws an `AppError` (400) naming the field. */
  accept(agentId: string, body: unknown): string
  /** Counts one answered ping in `heartbeats_total`, by its status. */
  count(status: number): void
}

/** The one answer sent thousands of times a second, written out directly (its fields are numbers and a boolean). */
export const pingAnswerJson = (res: AgentPingResponse): string =>
  `{"accepted":${res.accepted},"server_time":${res.server_time},"offline_after_sec":${res.offline_after_sec}}`

const RESULT_BY_STATUS: Record<number, string> = { 200: 'accepted', 400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 413: 'too_large', 429: 'rate_limited' }

export function createPingSteps(hosts: HostState, metrics: Metrics): PingSteps {
  const counters = new Map<number, TallyCell>()
  return {
    admit(agentId, appKey, appSecret, clientAddress) {
      const auth = hosts.authenticate(agentId, appKey, appSecret, clientAddress)
      if (!auth.ok) return { error: new AppError(auth.code), retryAfterSec: auth.retryAfterSec }
      const wait = hosts.admit(agentId)
      if (wait > 0) return { error: new AppError('SWB_RATE_LIMITED', `Too many pings from agent "${agentId}"; retry after ${wait} s`), retryAfterSec: wait }
      return null
    },

    // Plain JSON.parse, without Fastify's default scans of the text for "__proto__" and
    // "constructor" keys: a ping body is only ever read field by field into fresh objects
    // (validatePing), so such keys stay inert data.
    parse(text) {
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new AppError('SWB_REQUEST_INVALID', 'body is not valid JSON', { field: 'body' })
      }
    },

    accept(agentId, body) {
      const checked = validatePing(body)
      if (!checked.ok) throw new AppError('SWB_REQUEST_INVALID', checked.message, { field: checked.field })
      const { offlineAfterSec } = hosts.ping(agentId, checked.value)
      return pingAnswerJson({ accepted: true, server_time: Date.now(), offline_after_sec: offlineAfterSec })
    },

    count(status) {
      let counter = counters.get(status)
      if (!counter) counters.set(status, (counter = metrics.heartbeats.labels({ result: RESULT_BY_STATUS[status] ?? 'error' })))
      counter.inc()
    },
  }
}
