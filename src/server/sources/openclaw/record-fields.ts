/** Small typed accessors for untyped JSON records. */
import type { TokenTotals } from '../../../shared/model-status.js'

export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/**
 * Sets `target[key]` as an own property, as JSON.parse would: a key named `__proto__` stays data
 * instead of changing the object's prototype.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

export function obj(value: unknown): JsonObject | null {
  return isObject(value) ? value : null
}

/** The largest epoch ms a `Date` holds (±100,000,000 days): beyond it a time cannot even be written. */
const MAX_TIME_MS = 8.64e15

/** Epoch ms from a number a `Date` can hold; null otherwise (a damaged record's `1e308`, say). */
export function time(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_TIME_MS ? value : null
}

/** Epoch ms from an ISO string or a number; null when neither. */
export function epochMs(value: unknown): number | null {
  if (typeof value === 'number') return time(value)
  if (typeof value === 'string' && value.length > 0) {
    const t = Date.parse(value)
    return Number.isNaN(t) ? null : t
  }
  return null
}

/** Token usage in OpenClaw's shape (`totalTokens` or `total`, `cost.total`) to ours. */
export function toUsage(value: unknown): (TokenTotals & { costUsd: number }) | null {
  const u = obj(value)
  if (!u) return null
  const input = count(u.input) ?? 0
  const output = count(u.output) ?? 0
  const cacheRead = count(u.cacheRead) ?? 0
  const cacheWrite = count(u.cacheWrite) ?? 0
  const total = count(u.totalTokens) ?? count(u.total) ?? input + output + cacheRead + cacheWrite
  const cost = obj(u.cost)
  const costUsd = amount(cost ? cost.total : u.cost) ?? 0
  return { input, output, cacheRead, cacheWrite, total, costUsd }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * A token count: a whole number from 0 to 2^53. Anything else (negative, fractional, `1e308`) is a
 * damaged field, and summing it would make every total meaningless or infinite.
 */
function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null
}

/** A cost in USD, within a billion either way for the same reason. */
function amount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 1e9 ? value : null
}
