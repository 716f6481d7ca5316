/**
 * Task lists posted by agents (`POST /api/conversations/{id}/tasks`): validation of the body and
 * merging with what OpenClaw keeps. Pure; the route maps issues to a 4xx with the error catalogue.
 */
import { TASK_STATUSES, type Task, type TaskStatus } from '../../shared/conversations.js'

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export const MAX_TASKS = 200
export const MAX_TASK_TITLE = 500
export const MAX_TASK_NOTES = 4000
export const MAX_TASK_ID = 200

export interface TaskInputIssue {
  /** Where in the body, e.g. `task_list[2].status`. */
  path: string
  reason: string
}

export type TaskListParse =
  | { ok: true; tasks: Task[]; result: string | null }
  | { ok: false; issues: TaskInputIssue[] }

/**
 * Validates a posted task list (the whole list: it replaces the previous one). Every issue is
 * reported, not only the first. A task whose title, status and notes did not change keeps the
 * `updated_at` it had in `previous`.
 */
export function parseTaskListInput(body: unknown, now: number, previous: readonly Task[] = []): TaskListParse {
  const issues: TaskInputIssue[] = []
  if (!isObject(body)) return { ok: false, issues: [{ path: '', reason: 'body must be a JSON object' }] }
  if (body.command !== undefined && body.command !== 'plan') issues.push({ path: 'command', reason: 'must be "plan" when given' })
  let result: string | null = null
  if (body.result !== undefined && body.result !== null) {
    if (typeof body.result !== 'string' || body.result.length > MAX_TASK_NOTES) {
      issues.push({ path: 'result', reason: `must be a string of at most ${MAX_TASK_NOTES} characters` })
    } else result = body.result
  }
  const list = body.task_list
  if (!Array.isArray(list)) {
    issues.push({ path: 'task_list', reason: 'must be an array' })
    return { ok: false, issues }
  }
  if (list.length > MAX_TASKS) issues.push({ path: 'task_list', reason: `at most ${MAX_TASKS} tasks` })
  const before = new Map(previous.filter((t) => t.source === 'api').map((t) => [t.id, t]))
  const ids = new Set<string>()
  const tasks: Task[] = []
  list.slice(0, MAX_TASKS).forEach((item: unknown, i) => {
    const at = `task_list[${i}]`
    if (!isObject(item)) {
      issues.push({ path: at, reason: 'must be an object' })
      return
    }
    let id = `task-${i + 1}`
    if (item.id !== undefined) {
      if (typeof item.id !== 'string' || item.id.trim() === '' || item.id.length > MAX_TASK_ID) {
        issues.push({ path: `${at}.id`, reason: `must be a non-empty string of at most ${MAX_TASK_ID} characters` })
      } else id = item.id.trim()
    }
    if (ids.has(id)) issues.push({ path: `${at}.id`, reason: `duplicate id ${JSON.stringify(id)}` })
    ids.add(id)
    const title = typeof item.title === 'string' ? item.title.trim() : ''
    if (title === '' || title.length > MAX_TASK_TITLE) {
      issues.push({ path: `${at}.title`, reason: `must be a non-empty string of at most ${MAX_TASK_TITLE} characters` })
    }
    if (!(TASK_STATUSES as readonly unknown[]).includes(item.status)) {
      issues.push({ path: `${at}.status`, reason: `must be one of ${TASK_STATUSES.join(', ')}` })
    }
    let notes = ''
    if (item.notes !== undefined && item.notes !== null) {
      if (typeof item.notes !== 'string' || item.notes.length > MAX_TASK_NOTES) {
        issues.push({ path: `${at}.notes`, reason: `must be a string of at most ${MAX_TASK_NOTES} characters` })
      } else notes = item.notes
    }
    const status = item.status as TaskStatus
    const old = before.get(id)
    const unchanged = old !== undefined && old.title === title && old.status === status && old.notes === notes
    tasks.push({
      id,
      title,
      status,
      notes,
      updated_at: unchanged ? old.updated_at : new Date(now).toISOString(),
      source: 'api',
      outcome: null,
    })
  })
  return issues.length > 0 ? { ok: false, issues } : { ok: true, tasks, result }
}

/** One list for a conversation: what OpenClaw keeps first, then what agents posted. */
export function mergeTaskLists(fromOpenClaw: readonly Task[], posted: readonly Task[]): Task[] {
  return [...fromOpenClaw, ...posted]
}

export function taskCounts(tasks: readonly Task[]): Record<TaskStatus, number> {
  const counts: Record<TaskStatus, number> = { todo: 0, in_progress: 0, done: 0 }
  for (const t of tasks) counts[t.status]++
  return counts
}
