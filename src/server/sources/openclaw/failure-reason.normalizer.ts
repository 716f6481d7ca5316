/**
 * Turns OpenClaw's many ways of saying why a model call failed (its own reason strings, HTTP
 * statuses, provider error codes, free error text) into one `FailureReason`.
 */
import { FAILURE_REASONS, type FailureReason } from '../../../shared/model-status.js'

export interface FailureClues {
  /** OpenClaw's own classification (`reason` in the log, `cooldownReason`…). */
  rawReason?: string | null | undefined
  /** Provider error code, e.g. `rate_limit_exceeded`, `invalid_api_key`. */
  errorCode?: string | null | undefined
  httpStatus?: number | null | undefined
  /** Error text, e.g. `401 Incorrect API key provided…` or `LLM idle timeout (8s)…`. */
  text?: string | null | undefined
}

const KNOWN = new Set<string>(FAILURE_REASONS)

const STATUS_REASONS: ReadonlyMap<number, FailureReason> = new Map<number, FailureReason>([
  [400, 'format'],
  [401, 'auth'],
  [402, 'billing'],
  [403, 'auth'],
  [404, 'model_not_found'],
  [408, 'timeout'],
  [429, 'rate_limit'],
  [503, 'overloaded'],
  [504, 'timeout'],
  [529, 'overloaded'],
])

// Order matters: "insufficient_quota" must win over the generic quota/rate wording, and an
// explicit model-not-found over a generic 404-ish text.
const TEXT_RULES: ReadonlyArray<readonly [RegExp, FailureReason]> = [
  [/insufficient[_ ]quota|billing|payment required|credit balance|out of credits/i, 'billing'],
  [/rate[_ -]?limit|too many requests|resource[_ ]exhausted/i, 'rate_limit'],
  [/invalid[_ ]api[_ ]key|incorrect api key|unauthori[sz]ed|forbidden|authentication|permission denied/i, 'auth'],
  [/idle timeout|timed? ?out|timeout|deadline exceeded/i, 'timeout'],
  [/overloaded|service unavailable|server is busy|capacity/i, 'overloaded'],
  [/model[_ ]not[_ ]found|no such model|unknown model|model .{0,80}does not exist/i, 'model_not_found'],
  [/invalid[_ ]request|bad request|malformed|invalid format|schema/i, 'format'],
]

/** Extracts an HTTP status from error text like `401 Incorrect API key…` or `HTTP 401: …`. */
export function parseHttpStatus(text: string | null | undefined): number | null {
  if (!text) return null
  const m =
    /^\s*(?:HTTP\s*)?([1-5]\d\d)\b/i.exec(text) ??
    /\bHTTP(?:\/[\d.]+)?\s*:?\s*([1-5]\d\d)\b/i.exec(text) ??
    /\bstatus(?:\s*code)?\s*[:=]?\s*([1-5]\d\d)\b/i.exec(text)
  if (!m?.[1]) return null
  const status = Number(m[1])
  return status >= 400 ? status : null
}

/** True for OpenClaw's LLM idle timeout wording (`LLM idle timeout (8s): no response from model`). */
export function isIdleTimeout(text: string | null | undefined): boolean {
  return !!text && /idle[_ ]timeout/i.test(text)
}

function fromText(text: string | null | undefined): FailureReason | null {
  if (!text) return null
  for (const [re, reason] of TEXT_RULES) if (re.test(text)) return reason
  return null
}

/**
 * Normalises the clues of one failure. Returns null when there is no clue at all (a success),
 * `unknown` when there are clues but none says why.
 */
export function normalizeFailureReason(clues: FailureClues): FailureReason | null {
  const raw = clues.rawReason?.trim() || null
  const code = clues.errorCode?.trim() || null
  const text = clues.text?.trim() || null
  const status = clues.httpStatus ?? parseHttpStatus(text)
  if (raw === null && code === null && text === null && status === null) return null
  // OpenClaw's own classification is what it acted on (e.g. a 429 whose Retry-After outlived the
  // idle timeout is a timeout to it), so it wins over the raw status.
  if (raw !== null && KNOWN.has(raw) && raw !== 'unknown') return raw as FailureReason
  const byCode = fromText(code)
  if (byCode) return byCode
  if (status !== null) {
    const byStatus = STATUS_REASONS.get(status)
    if (byStatus) return byStatus
  }
  return fromText(raw) ?? fromText(text) ?? 'unknown'
}
