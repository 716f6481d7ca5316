/** Defaults and bounds of the limits every run has (`RunnerLimits` on the wire). */
import type { RunnerLimits } from '../../shared/executions.js'

/** Default is 120000 (two minutes). */
export const DEFAULT_TIMEOUT_MS = 120_000
/** Default is 1 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024

export const MIN_TIMEOUT_MS = 100
export const MAX_TIMEOUT_MS = 3_600_000
export const MIN_OUTPUT_BYTES = 1
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024

/**
 * Room for what wraps the output on the wire (JSON escaping and fields, a WebSocket frame, an
 * OpenClaw result envelope): a reader that must hold a whole document before it can take the
 * output out of it accepts `2 × maxOutputBytes + ENVELOPE_BYTES`.
 */
export const ENVELOPE_BYTES = 64 * 1024

export interface ResolvedLimits {
  timeoutMs: number
  maxOutputBytes: number
}

/** The limits to run with: the given ones, the defaults for the rest. */
export function resolveLimits(limits: RunnerLimits = {}): ResolvedLimits {
  return {
    timeoutMs: limits.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    maxOutputBytes: limits.max_output_bytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  }
}

/** How many bytes of a document that carries at most `maxOutputBytes` of output a reader holds. */
export const envelopeCap = (maxOutputBytes: number): number => maxOutputBytes * 2 + ENVELOPE_BYTES
