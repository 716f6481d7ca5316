import { createHash } from 'node:crypto'
import type { AttemptOutcome } from './types.js'

/** What a failure message may mention. */
export interface FailureContext {
  /** Model id without provider, e.g. `mock-primary`. */
  modelId: string
  /** `provider/model`. */
  modelRef: string
  /** Cooldown or disable window this failure starts. */
  windowMs: number
  profileId: string
}

/** How one failing outcome shows up: the wording follows what the real releases wrote. */
export interface FailureShape {
  /** OpenClaw's failover reason (`reason` in the log, `cooldownReason` in auth state). */
  reason: string
  /** HTTP status in the log; null when OpenClaw logs none. */
  status: number | null
  /** Provider error as the SDK surfaces it (`errorMessage` of the failed assistant message). */
  errorMessage(ctx: FailureContext): string
  /** `errorCode` / `errorType` / `errorBody` of the failed assistant message (2026.9.6). */
  errorCode: string | null
  errorType: string | null
  errorBodyMessage(ctx: FailureContext): string
  /** `errorPreview` of a 2026.4.15 log line. */
  legacyPreview(ctx: FailureContext): string
  /** Cooldown (or disable window for billing) when the caller gives none. */
  defaultWindowMs: number
}

export type FailingOutcome = Exclude<AttemptOutcome, 'ok'>

export const IDLE_TIMEOUT_MESSAGE = 'LLM idle timeout (8s): no response from model'

/** The `custom` entry both releases write when an attempt hits the idle timeout. */
export function idleTimeoutPromptError(o: { at: number; runId: string; sessionId: string; provider: string; model: string; api: string }): {
  customType: 'openclaw:prompt-error'
  data: Record<string, unknown>
} {
  return {
    customType: 'openclaw:prompt-error',
    data: { timestamp: o.at, runId: o.runId, sessionId: o.sessionId, provider: o.provider, model: o.model, api: o.api, error: IDLE_TIMEOUT_MESSAGE },
  }
}
export const RETRY_PREFIX = '[Retry after the previous model attempt failed or timed out]\n\n'
export const TURN_ABORTED_TEXT =
  '<turn_aborted>\nThe previous turn was interrupted. Any running background processes may still be active. ' +
  'If any tools or commands were aborted, they may have partially executed.\n</turn_aborted>'

const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000))

export const FAILURES: Record<FailingOutcome, FailureShape> = {
  rate_limit: {
    reason: 'rate_limit',
    status: 429,
    errorMessage: (c) => `429 ${rateLimitText(c.modelId, c.windowMs)}; Retry-After: ${seconds(c.windowMs)} seconds`,
    errorCode: 'rate_limit_exceeded',
    errorType: 'requests',
    errorBodyMessage: (c) => rateLimitText(c.modelId, c.windowMs),
    legacyPreview: (c) => `⚠️ Rate limit reached for ${c.modelId}. Please try again in ${seconds(c.windowMs)}s.`,
    defaultWindowMs: 60_000,
  },
  auth: {
    reason: 'auth',
    status: 401,
    errorMessage: () => `401 ${AUTH_TEXT}`,
    errorCode: 'invalid_api_key',
    errorType: 'invalid_request_error',
    errorBodyMessage: () => AUTH_TEXT,
    legacyPreview: () => `HTTP 401: ${AUTH_TEXT}`,
    defaultWindowMs: 30_000,
  },
  billing: {
    reason: 'billing',
    status: 402,
    errorMessage: () => `402 ${BILLING_TEXT}`,
    errorCode: 'insufficient_quota',
    errorType: 'insufficient_quota',
    errorBodyMessage: () => BILLING_TEXT,
    legacyPreview: () => `HTTP 402: ${BILLING_TEXT}`,
    defaultWindowMs: 5 * 60_000,
  },
  overloaded: {
    reason: 'overloaded',
    status: 529,
    errorMessage: () => `529 ${OVERLOADED_TEXT}`,
    errorCode: 'overloaded_error',
    errorType: 'overloaded_error',
    errorBodyMessage: () => OVERLOADED_TEXT,
    legacyPreview: () => `HTTP 529: ${OVERLOADED_TEXT}`,
    defaultWindowMs: 30_000,
  },
  timeout: {
    reason: 'timeout',
    status: 408,
    errorMessage: () => IDLE_TIMEOUT_MESSAGE,
    errorCode: null,
    errorType: null,
    errorBodyMessage: () => IDLE_TIMEOUT_MESSAGE,
    legacyPreview: () => 'LLM request timed out.',
    defaultWindowMs: 0,
  },
  cooldown_skip: {
    reason: 'unknown',
    status: null,
    errorMessage: unavailableText,
    errorCode: null,
    errorType: null,
    errorBodyMessage: unavailableText,
    legacyPreview: unavailableText,
    defaultWindowMs: 0,
  },
}

const AUTH_TEXT = 'Incorrect API key provided: dummy. You can find your API key at https://example.invalid.'
const BILLING_TEXT = 'You exceeded your current quota, please check your plan and billing details.'
const OVERLOADED_TEXT = 'Overloaded: the model is temporarily overloaded, please retry later.'

function unavailableText(c: FailureContext): string {
  return `Auth profile "${c.profileId}" is temporarily unavailable for ${c.modelRef}.`
}

function rateLimitText(model: string, ms: number): string {
  return (
    `Rate limit reached for ${model} in organization org-demo on requests per min (RPM): ` +
    `Limit 60, Used 60. Please try again in ${seconds(ms)}s.`
  )
}

/** `sha256:<12 hex>`, the short hash OpenClaw puts next to previews and profile ids in its log. */
export function shortHash(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`
}
