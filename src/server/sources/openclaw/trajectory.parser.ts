/**
 * Trajectory records (`<sessionId>.trajectory.jsonl` lines in 2026.7, `trajectory_runtime_events`
 * rows since 2026.8) to `model_attempt` events. Only `model.completed` says anything about a model
 * attempt; it is the one place where 429s and 401s show up in releases that no longer write a
 * failed assistant message for them.
 */
import type { ModelAttemptEvent } from '../../core/events.js'
import { normalizeFailureReason, parseHttpStatus } from './failure-reason.normalizer.js'
import { createNeedleScanner, looksLikeCompleteObject } from './line-prefilter.js'
import { epochMs, isObject, obj, str, toUsage, type JsonObject } from './record-fields.js'

export interface TrajectoryState {
  /** Run id of the last `model.completed` seen in this session. */
  lastRunId: string | null
}

export function isTrajectoryState(value: unknown): value is TrajectoryState {
  return isObject(value) && (value.lastRunId === null || typeof value.lastRunId === 'string')
}

export interface TrajectoryContext {
  agentId: string
  /** Session the record was found under (file name or `session_id` column). */
  sessionId: string
  /** Stable id of the record's place: the row seq or the 0-based line index. */
  position: number
  /** Run id from the row, when the record itself lacks one. */
  runId?: string | null
  /** Row creation time, when the record lacks `ts`. */
  createdAt?: number | null
  state: TrajectoryState
}

export type TrajectoryResult = { event: ModelAttemptEvent | null } | { reject: string }

const SUCCESS_STOP_REASONS = new Set(['stop', 'toolUse', 'length', 'end_turn', 'tool_use', 'max_tokens'])

/** The assistant message of this attempt: the last one after the last user message, if any. */
function attemptAssistant(snapshot: unknown): JsonObject | null {
  if (!Array.isArray(snapshot)) return null
  for (let i = snapshot.length - 1; i >= 0; i--) {
    const m: unknown = snapshot[i]
    if (!isObject(m)) continue
    if (m.role === 'assistant') return m
    if (m.role === 'user') return null
  }
  return null
}

export function translateTrajectoryRecord(record: unknown, ctx: TrajectoryContext): TrajectoryResult {
  if (!isObject(record)) return { reject: 'trajectory record is not a JSON object' }
  if (record.type !== 'model.completed') return { event: null }
  const provider = str(record.provider)
  const model = str(record.modelId) ?? str(record.model)
  if (provider === null || model === null) return { reject: 'model.completed without provider/modelId' }
  const at = epochMs(record.ts) ?? ctx.createdAt ?? null
  if (at === null) return { reject: 'model.completed without ts' }
  const sessionId = str(record.sessionId) ?? ctx.sessionId
  const runId = str(record.runId) ?? ctx.runId ?? null
  const data = obj(record.data) ?? {}
  const assistant = attemptAssistant(data.messagesSnapshot)
  const errorCode = assistant ? str(assistant.errorCode) : null
  const promptError = str(data.promptError)
  const errorMessage = (assistant ? str(assistant.errorMessage) : null) ?? promptError
  const stopReason = str(data.stopReason) ?? (assistant ? str(assistant.stopReason) : null)

  let outcome: ModelAttemptEvent['outcome']
  let reason: ModelAttemptEvent['reason'] = null
  const httpStatus = parseHttpStatus(errorMessage)
  if (data.timedOut === true || data.idleTimedOut === true) {
    outcome = 'failed'
    reason = 'timeout'
  } else if (promptError !== null || stopReason === 'error') {
    outcome = 'failed'
    reason = normalizeFailureReason({ errorCode, httpStatus, text: errorMessage }) ?? 'unknown'
  } else if (stopReason === 'aborted' || (stopReason === null && (data.aborted === true || data.externalAbort === true))) {
    outcome = 'aborted'
    reason = normalizeFailureReason({ errorCode, httpStatus, text: errorMessage })
  } else if (stopReason !== null && !SUCCESS_STOP_REASONS.has(stopReason) && errorMessage !== null) {
    outcome = 'failed'
    reason = normalizeFailureReason({ errorCode, httpStatus, text: errorMessage }) ?? 'unknown'
  } else {
    outcome = 'succeeded'
  }

  const turnStart = runId !== null && runId !== ctx.state.lastRunId
  if (runId !== null) ctx.state.lastRunId = runId
  return {
    event: {
      kind: 'model_attempt',
      agentId: ctx.agentId,
      sessionId,
      runId,
      eventId: `${sessionId}:trajectory:${ctx.position}`,
      source: 'trajectory',
      provider,
      model,
      at,
      outcome,
      reason,
      httpStatus: outcome === 'succeeded' ? null : httpStatus,
      message: outcome === 'succeeded' ? null : errorMessage,
      usage: toUsage(data.usage ?? (assistant ? assistant.usage : undefined)),
      turnStart,
    },
  }
}

const ANY_TYPE = '"type":"'
const COMPLETED_TYPE = '"type":"model.completed"'

/**
 * Skips trajectory lines that cannot be `model.completed` without parsing them. The exact compact
 * needle is searched anywhere in the line (key order is not relied on); a line written without
 * compact separators has no `"type":"` at all and is parsed.
 */
export function createTrajectoryLineFilter(): { reset(): void; shouldParse(buf: Buffer, start: number, end: number): boolean } {
  const anyType = createNeedleScanner(ANY_TYPE)
  const completed = createNeedleScanner(COMPLETED_TYPE)
  return {
    reset() {
      anyType.reset()
      completed.reset()
    },
    shouldParse(buf, start, end) {
      if (completed.find(buf, start, end) !== -1) return true
      if (anyType.find(buf, start, end) === -1) return true
      return !looksLikeCompleteObject(buf, start, end)
    },
  }
}
