/**
 * Transcript entries (JSONL lines up to 2026.7, `transcript_events` rows since 2026.8 — the same
 * objects) to `model_changed` and `model_attempt` events.
 */
import type { ModelAttemptEvent, ModelChangedEvent, OpenClawEvent } from '../../core/events.js'
import { isIdleTimeout, normalizeFailureReason, parseHttpStatus } from './failure-reason.normalizer.js'
import {
  createNeedleScanner,
  looksLikeCompleteObject,
  readSimpleString,
  startsWithBytes,
} from './line-prefilter.js'
import { epochMs, isObject, obj, str, time, toUsage, type JsonObject } from './record-fields.js'

/** What the parser must remember between entries of one session (kept in checkpoints). */
export interface TranscriptState {
  /** A user message that is not a retry was seen and no attempt followed it yet. */
  pendingTurn: boolean
  /** A `model_change` was already seen in this session. */
  sawModelChange: boolean
  /** Timestamp of the last `leaf` entry (a rewind); entries re-linked after it are copies. */
  leafAt: number | null
}

export function initialTranscriptState(): TranscriptState {
  return { pendingTurn: false, sawModelChange: false, leafAt: null }
}

export function isTranscriptState(value: unknown): value is TranscriptState {
  if (!isObject(value)) return false
  return (
    typeof value.pendingTurn === 'boolean' &&
    typeof value.sawModelChange === 'boolean' &&
    (value.leafAt === null || typeof value.leafAt === 'number')
  )
}

export interface TranscriptContext {
  agentId: string
  sessionId: string
  state: TranscriptState
}

export const RETRY_PREFIX = '[Retry after the previous model attempt failed or timed out]'

const SUCCESS_STOP_REASONS = new Set(['stop', 'toolUse', 'length', 'end_turn', 'tool_use', 'max_tokens'])

/** Result of translating one entry: events, or a reason to reject it. */
export type EntryResult = { events: OpenClawEvent[] } | { reject: string }

const NO_EVENTS: EntryResult = { events: [] }

export function translateTranscriptEntry(entry: unknown, ctx: TranscriptContext): EntryResult {
  if (!isObject(entry)) return { reject: 'transcript entry is not a JSON object' }
  const type = str(entry.type)
  if (type === null) return { reject: 'transcript entry without type' }
  switch (type) {
    case 'model_change':
      return modelChange(entry, ctx)
    case 'custom':
      return custom(entry, ctx)
    case 'message':
      return message(entry, ctx)
    case 'leaf': {
      const at = epochMs(entry.timestamp)
      if (at !== null) ctx.state.leafAt = Math.max(ctx.state.leafAt ?? at, at)
      return NO_EVENTS
    }
    default:
      return NO_EVENTS
  }
}

function entryId(entry: JsonObject, ctx: TranscriptContext): string | null {
  const id = str(entry.id)
  return id === null ? null : `${ctx.sessionId}:${id}`
}

/** An entry whose own moment precedes the last rewind was copied onto the new branch. */
function isReplay(intrinsicAt: number | null, ctx: TranscriptContext): boolean {
  return intrinsicAt !== null && ctx.state.leafAt !== null && intrinsicAt < ctx.state.leafAt
}

function modelChange(entry: JsonObject, ctx: TranscriptContext): EntryResult {
  const provider = str(entry.provider)
  const model = str(entry.modelId) ?? str(entry.model)
  const at = epochMs(entry.timestamp)
  const eventId = entryId(entry, ctx)
  if (provider === null || model === null) return { reject: 'model_change without provider/modelId' }
  if (at === null || eventId === null) return { reject: 'model_change without id/timestamp' }
  if (isReplay(at, ctx)) return NO_EVENTS
  const event: ModelChangedEvent = {
    kind: 'model_changed',
    agentId: ctx.agentId,
    sessionId: ctx.sessionId,
    eventId,
    provider,
    model,
    at,
    initial: !ctx.state.sawModelChange,
  }
  ctx.state.sawModelChange = true
  return { events: [event] }
}

function attempt(
  ctx: TranscriptContext,
  fields: Omit<ModelAttemptEvent, 'kind' | 'agentId' | 'sessionId' | 'source' | 'turnStart'>,
): EntryResult {
  const turnStart = ctx.state.pendingTurn
  ctx.state.pendingTurn = false
  return {
    events: [
      { kind: 'model_attempt', agentId: ctx.agentId, sessionId: ctx.sessionId, source: 'transcript', turnStart, ...fields },
    ],
  }
}

function custom(entry: JsonObject, ctx: TranscriptContext): EntryResult {
  const customType = str(entry.customType)
  if (customType !== 'model-snapshot' && customType !== 'openclaw:prompt-error') return NO_EVENTS
  const data = obj(entry.data)
  const eventId = entryId(entry, ctx)
  if (data === null || eventId === null) return { reject: `${customType} without id/data` }
  const intrinsicAt = time(data.timestamp)
  const at = epochMs(entry.timestamp) ?? intrinsicAt
  if (at === null) return { reject: `${customType} without timestamp` }
  if (isReplay(intrinsicAt, ctx)) return NO_EVENTS
  const provider = str(data.provider)
  const runId = str(data.runId)
  if (customType === 'model-snapshot') {
    const model = str(data.modelId) ?? str(data.model)
    if (provider === null || model === null) return { reject: 'model-snapshot without provider/modelId' }
    return attempt(ctx, {
      runId,
      eventId,
      provider,
      model,
      at,
      outcome: 'started',
      reason: null,
      httpStatus: null,
      message: null,
      usage: null,
    })
  }
  const model = str(data.model) ?? str(data.modelId)
  // A prompt error not tied to a model says nothing about model health.
  if (provider === null || model === null) return NO_EVENTS
  const error = str(data.error)
  const httpStatus = parseHttpStatus(error)
  return attempt(ctx, {
    runId,
    eventId,
    provider,
    model,
    at,
    outcome: 'failed',
    reason: isIdleTimeout(error) ? 'timeout' : (normalizeFailureReason({ text: error, httpStatus }) ?? 'unknown'),
    httpStatus,
    message: error,
    usage: null,
  })
}

function firstText(content: unknown): string | null {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return null
  for (const part of content) {
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text
  }
  return null
}

function message(entry: JsonObject, ctx: TranscriptContext): EntryResult {
  const msg = obj(entry.message)
  if (msg === null) return { reject: 'message entry without message' }
  const role = str(msg.role)
  if (role === 'user') {
    const text = firstText(msg.content)
    if (!(text !== null && text.startsWith(RETRY_PREFIX))) ctx.state.pendingTurn = true
    return NO_EVENTS
  }
  if (role !== 'assistant') return NO_EVENTS
  const provider = str(msg.provider)
  const model = str(msg.model)
  // Assistant messages that OpenClaw injects itself carry no model: not an attempt.
  if (provider === null || model === null) return NO_EVENTS
  const eventId = entryId(entry, ctx)
  const intrinsicAt = time(msg.timestamp)
  const at = epochMs(entry.timestamp) ?? intrinsicAt
  if (eventId === null || at === null) return { reject: 'assistant message without id/timestamp' }
  if (isReplay(intrinsicAt, ctx)) return NO_EVENTS
  const stopReason = str(msg.stopReason)
  const errorMessage = str(msg.errorMessage)
  const errorCode = str(msg.errorCode)
  const meta = obj(msg.__openclaw)
  const runId = meta ? str(meta.runId) : null
  let outcome: ModelAttemptEvent['outcome']
  if (stopReason === 'error') outcome = 'failed'
  else if (stopReason === 'aborted') outcome = 'aborted'
  else if (stopReason !== null && SUCCESS_STOP_REASONS.has(stopReason)) outcome = 'succeeded'
  else outcome = errorMessage !== null || errorCode !== null ? 'failed' : 'succeeded'
  const httpStatus = outcome === 'succeeded' ? null : parseHttpStatus(errorMessage)
  const reason =
    outcome === 'succeeded'
      ? null
      : outcome === 'failed'
        ? (normalizeFailureReason({ errorCode, httpStatus, text: errorMessage }) ?? 'unknown')
        : normalizeFailureReason({ errorCode, httpStatus, text: errorMessage })
  return attempt(ctx, {
    runId,
    eventId,
    provider,
    model,
    at,
    outcome,
    reason,
    httpStatus,
    message: outcome === 'succeeded' ? null : errorMessage,
    usage: toUsage(msg.usage),
  })
}

// ---------------------------------------------------------------------------------------------
// Line-level pre-filter for JSONL transcripts: most bytes of a real transcript are tool results
// and bookkeeping entries that can never become an event.

const TYPE_PREFIX = Buffer.from('{"type":"')
const PARSED_TYPES = new Set(['message', 'custom', 'model_change', 'leaf'])
const PARSED_CUSTOM = new Set(['model-snapshot', 'openclaw:prompt-error'])
const PARSED_ROLES = new Set(['user', 'assistant'])
const ROLE_NEEDLE = '"message":{"role":"'
const CUSTOM_TYPE_NEEDLE = '"customType":"'

export interface TranscriptLineFilter {
  reset(): void
  /** False only when the line provably cannot produce an event and looks complete. */
  shouldParse(buf: Buffer, start: number, end: number): boolean
}

export function createTranscriptLineFilter(): TranscriptLineFilter {
  const role = createNeedleScanner(ROLE_NEEDLE)
  const customType = createNeedleScanner(CUSTOM_TYPE_NEEDLE)
  return {
    reset() {
      role.reset()
      customType.reset()
    },
    shouldParse(buf, start, end) {
      if (!startsWithBytes(buf, start, end, TYPE_PREFIX)) return true
      const type = readSimpleString(buf, start + TYPE_PREFIX.length, end)
      if (type === null) return true
      let relevant: boolean
      if (!PARSED_TYPES.has(type)) relevant = false
      else if (type === 'message') {
        const at = role.find(buf, start, end)
        if (at === -1) return true
        const value = readSimpleString(buf, at + ROLE_NEEDLE.length, end)
        relevant = value === null || PARSED_ROLES.has(value)
      } else if (type === 'custom') {
        const at = customType.find(buf, start, end)
        if (at === -1) return true
        const value = readSimpleString(buf, at + CUSTOM_TYPE_NEEDLE.length, end)
        relevant = value === null || PARSED_CUSTOM.has(value)
      } else relevant = true
      // A skipped line must still look whole, so that a truncated one is parsed and rejected.
      return relevant || !looksLikeCompleteObject(buf, start, end)
    },
  }
}
