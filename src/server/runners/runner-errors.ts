/** Small helpers shared by the runners for building `RunnerError`s. */
import { RunnerError, type RunnerErrorCode } from './runner.js'

/** Why a run's signal was aborted; a bare abort counts as a cancel. */
export function abortReason(signal: AbortSignal): RunnerError {
  const reason: unknown = signal.reason
  return reason instanceof RunnerError ? reason : new RunnerError('cancelled', 'The run was cancelled')
}

/** The same error with what the run produced before it stopped (the abort reason is shared, so copied). */
export function withPartial(error: RunnerError, partialOutput: string, meta?: Record<string, unknown>): RunnerError {
  return new RunnerError(error.code, error.message, {
    meta: meta ?? error.meta,
    partialOutput: partialOutput === '' ? error.partialOutput : partialOutput,
  })
}

export function runnerError(code: RunnerErrorCode, message: string, partialOutput: string, meta?: Record<string, unknown>): RunnerError {
  return new RunnerError(code, message, { meta, partialOutput: partialOutput === '' ? undefined : partialOutput })
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The Node error code of an error or of its cause (`fetch` wraps socket errors), if any. */
export function errnoCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

/** Socket errors that mean the target could not be reached at all (as opposed to failing mid-run). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** The last `maxChars` characters of a text, trimmed, with a marker when cut. */
export function tail(text: string, maxChars = 500): string {
  const t = text.trim()
  return t.length <= maxChars ? t : `…${t.slice(t.length - maxChars)}`
}
