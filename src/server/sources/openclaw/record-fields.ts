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

export function obj(value: unknown): JsonObject | null {
  return isObject(value) ? value : null
}

/** Epoch ms from an ISO string or a number; null when neither. */
export function epochMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
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
  const input = num(u.input) ?? 0
  const output = num(u.output) ?? 0
  const cacheRead = num(u.cacheRead) ?? 0
  const cacheWrite = num(u.cacheWrite) ?? 0
  const total = num(u.totalTokens) ?? num(u.total) ?? input + output + cacheRead + cacheWrite
  const cost = obj(u.cost)
  const costUsd = (cost ? num(cost.total) : num(u.cost)) ?? 0
  return { input, output, cacheRead, cacheWrite, total, costUsd }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
