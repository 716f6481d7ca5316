/**
 * OpenClaw's JSONL log (tslog format: field "0" the logger name, "1" the structured payload,
 * `_meta.date` the time) to `fallback_decision` events. Only `model_fallback_decision` and
 * `model_fallback_chain_stopped` payloads are events; every other line is simply not one.
 */
import type { FallbackDecisionEvent, FallbackPreviousAttempt } from '../../core/events.js'
import { normalizeFailureReason } from './failure-reason.normalizer.js'
import { createNeedleScanner } from './line-prefilter.js'
import { epochMs, isObject, num, obj, str } from './record-fields.js'

export interface GatewayLogContext {
  /**
   * Stable id of the line's place (file + byte offset). The line's time is appended, so that a line
   * at the same offset of a rotated or truncated file gets another id.
   */
  placeId: string
  /** Agent of a session id, when known. */
  agentOfSession(sessionId: string): string | null
}

export type GatewayLogResult = { event: FallbackDecisionEvent | null } | { reject: string }

const DECISIONS = new Set(['candidate_failed', 'candidate_succeeded', 'probe_cooldown_candidate'])

function modelRef(provider: unknown, model: unknown): string | null {
  const p = str(provider)
  const m = str(model)
  if (m === null) return null
  return p === null ? m : `${p}/${m}`
}

function previousAttempts(value: unknown): FallbackPreviousAttempt[] | undefined {
  if (!Array.isArray(value)) return undefined
  const out: FallbackPreviousAttempt[] = []
  for (const item of value) {
    if (!isObject(item)) continue
    const candidate = modelRef(item.provider, item.model)
    if (candidate === null) continue
    const rawReason = str(item.reason)
    const httpStatus = num(item.status)
    const message = str(item.errorPreview)
    out.push({
      candidate,
      reason: normalizeFailureReason({ rawReason, httpStatus, text: message }) ?? 'unknown',
      rawReason,
      httpStatus,
      message,
    })
  }
  return out
}

export function translateGatewayLogRecord(line: unknown, ctx: GatewayLogContext): GatewayLogResult {
  if (!isObject(line)) return { event: null }
  const payload = obj(line['1'])
  if (payload === null) return { event: null }
  const kind = payload.event
  let decision: FallbackDecisionEvent['decision']
  if (kind === 'model_fallback_chain_stopped') decision = 'chain_stopped'
  else if (kind === 'model_fallback_decision') {
    const d = str(payload.decision)
    if (d === null || !DECISIONS.has(d)) return { event: null }
    decision = d as FallbackDecisionEvent['decision']
  } else return { event: null }

  const candidate = modelRef(payload.candidateProvider, payload.candidateModel)
  if (candidate === null) return { reject: `${String(kind)} without candidate` }
  const meta = obj(line._meta)
  const at = epochMs(meta?.date) ?? epochMs(line.time)
  if (at === null) return { reject: `${String(kind)} without time` }

  const runId = str(payload.runId)
  // Before sessionId was logged (2026.4.x) the embedded run id was the session id.
  const sessionId = str(payload.sessionId) ?? str(line.session_id) ?? runId
  const rawReason = str(payload.reason)
  const httpStatus = num(payload.status)
  const message = str(payload.errorPreview)
  const event: FallbackDecisionEvent = {
    kind: 'fallback_decision',
    agentId: str(payload.agentId) ?? (sessionId === null ? null : ctx.agentOfSession(sessionId)),
    sessionId,
    runId,
    eventId: `${ctx.placeId}@${at}`,
    at,
    decision,
    requested: modelRef(payload.requestedProvider, payload.requestedModel),
    candidate,
    next: modelRef(payload.nextCandidateProvider, payload.nextCandidateModel),
    attempt: num(payload.attempt),
    reason: decision === 'candidate_succeeded' ? null : normalizeFailureReason({ rawReason, httpStatus, text: message }),
    rawReason,
    httpStatus,
    message,
  }
  const previous = previousAttempts(payload.previousAttempts)
  if (previous !== undefined) event.previousAttempts = previous
  return { event }
}

export interface GatewayLogLineFilter {
  reset(): void
  /** True when the line may hold a fallback event and must be parsed. */
  mayBeEvent(buf: Buffer, start: number, end: number): boolean
}

/** `"event":"model_fallback_` can only match the structural key/value, never escaped text. */
export function createGatewayLogLineFilter(): GatewayLogLineFilter {
  const compact = createNeedleScanner('"event":"model_fallback_')
  const spaced = createNeedleScanner('"event": "model_fallback_')
  return {
    reset() {
      compact.reset()
      spaced.reset()
    },
    mayBeEvent: (buf, start, end) => compact.find(buf, start, end) !== -1 || spaced.find(buf, start, end) !== -1,
  }
}
