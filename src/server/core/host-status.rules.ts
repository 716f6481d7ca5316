/**
 * Rules of agent hosts (seed 003), as pure functions of their input and a clock: what a valid ping
 * is, when an agent is offline, when its metrics are cleaned up, how floods are limited.
 */
import type { AgentPingRequest, RunningTask } from '../../shared/agent-hosts.js'

export const MAX_RUNNING_TASKS = 100
const MAX_TEXT = 256
const STATUS_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

export type PingValidation = { ok: true; value: AgentPingRequest } | { ok: false; field: string; message: string }

const fail = (field: string, message: string): PingValidation => ({ ok: false, field, message })

function isPercent(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100
}

function checkText(v: unknown, field: string, max = MAX_TEXT): string | PingValidation {
  if (typeof v !== 'string') return fail(field, `${field} must be a string`)
  if (v.length > max) return fail(field, `${field} must be at most ${max} characters`)
  return v
}

function checkTask(raw: unknown, i: number): RunningTask | PingValidation {
  const at = `running_tasks[${i}]`
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(at, `${at} must be an object`)
  const t = raw as Record<string, unknown>
  const id = t.task_id
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0) return fail(`${at}.task_id`, `${at}.task_id must be an unsigned integer or a string`)
  } else if (typeof id === 'string') {
    if (id.length === 0 || id.length > 128) return fail(`${at}.task_id`, `${at}.task_id must be 1 to 128 characters`)
  } else {
    return fail(`${at}.task_id`, `${at}.task_id must be an unsigned integer or a string`)
  }
  const type = checkText(t.task_type, `${at}.task_type`)
  if (typeof type !== 'string') return type
  const ws = checkText(t.workspace_id ?? '', `${at}.workspace_id`)
  if (typeof ws !== 'string') return ws
  const started = t.started_at
  if (typeof started !== 'string' || !RFC3339.test(started) || Number.isNaN(Date.parse(started))) {
    return fail(`${at}.started_at`, `${at}.started_at must be an RFC 3339 time, e.g. 2025-01-07T10:30:00Z`)
  }
  const task: RunningTask = { task_id: id, task_type: type, workspace_id: ws, started_at: started }
  if (t.title !== undefined) {
    const title = checkText(t.title, `${at}.title`)
    if (typeof title !== 'string') return title
    task.title = title
  }
  return task
}

/** Checks a ping body field by field; the first problem is named. Unknown fields are ignored. */
export function validatePing(body: unknown): PingValidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('body', 'body must be a JSON object')
  const b = body as Record<string, unknown>
  if (typeof b.status !== 'string' || !STATUS_PATTERN.test(b.status)) {
    return fail('status', 'status must be a lowercase word of at most 32 characters, e.g. "busy" or "idle"')
  }
  if (!isPercent(b.cpu_usage)) return fail('cpu_usage', 'cpu_usage must be a number from 0 to 100')
  if (!isPercent(b.memory_usage)) return fail('memory_usage', 'memory_usage must be a number from 0 to 100')
  const rawTasks = b.running_tasks ?? []
  if (!Array.isArray(rawTasks)) return fail('running_tasks', 'running_tasks must be an array')
  if (rawTasks.length > MAX_RUNNING_TASKS) return fail('running_tasks', `running_tasks may hold at most ${MAX_RUNNING_TASKS} tasks`)
  const tasks: RunningTask[] = []
  for (let i = 0; i < rawTasks.length; i++) {
    const t = checkTask(rawTasks[i], i)
    if ('ok' in t) return t
    tasks.push(t)
  }
  const value: AgentPingRequest = { status: b.status, cpu_usage: b.cpu_usage, memory_usage: b.memory_usage, running_tasks: tasks }
  if (b.interval_sec !== undefined) {
    const s = b.interval_sec
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 1 || s > 3600) return fail('interval_sec', 'interval_sec must be a number of seconds from 1 to 3600')
    value.interval_sec = s
  }
  return { ok: true, value }
}

export interface OfflineRule {
  /** The ping interval assumed when an agent does not say its own. */
  defaultIntervalMs: number
  /** An agent is offline after this many intervals without a ping. */
  missedIntervals: number
}

/** How long after its last ping an agent is shown offline. */
export function offlineAfterMs(rule: OfflineRule, intervalSec: number | undefined): number {
  const interval = intervalSec !== undefined ? intervalSec * 1000 : rule.defaultIntervalMs
  return Math.max(1, rule.missedIntervals) * interval
}

export function isOffline(lastSeenAt: number, afterMs: number, now: number): boolean {
  return now - lastSeenAt > afterMs
}

/** Seed 003: metrics not updated for 5 minutes are dropped from memory. */
export const METRICS_TTL_MS = 5 * 60_000

export function isStale(lastSeenAt: number, now: number, ttlMs = METRICS_TTL_MS): boolean {
  return now - lastSeenAt > ttlMs
}

/** A token bucket: `burst` requests at once, refilled at `perSec`. */
export interface Bucket {
  tokens: number
  at: number
}

/** Takes one token if there is one. Returns the seconds to wait when there is none. */
export function takeToken(bucket: Bucket, now: number, perSec: number, burst: number): number {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSec)
  bucket.at = now
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1
    return 0
  }
  return Math.max(1, Math.ceil((1 - bucket.tokens) / perSec))
}

/** One history slot per this many ms: an hour of them is kept per agent. */
export const HISTORY_SLOT_MS = 10_000
export const HISTORY_SLOTS = 360

export function slotOf(t: number, slotMs = HISTORY_SLOT_MS): number {
  return Math.floor(t / slotMs)
}
