/**
 * What OpenClaw sessions are working on, as task lists:
 * - durable tasks: the `task_runs` table of `state/openclaw.sqlite` (2026.8+) or of
 *   `tasks/runs.sqlite` (earlier releases). Each row is one detached piece of work (a gateway turn,
 *   a sub-agent, a cron job) tied to a run id and to session keys;
 * - progress cards: `session_progress_cards.steps_json` in the agent database, the plan a session
 *   keeps for itself (`[{step, status: pending | in_progress | completed}]`).
 * Both map onto seed 001's `todo | in_progress | done`. Read-only; rows that do not fit are counted
 * and skipped.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Task, TaskStatus } from '../../../shared/conversations.js'
import type { RejectSink } from './agent-conversations.js'
import { errorText, isObject, str, time } from './record-fields.js'
import { isSpecialFile, NOT_REGULAR_REASON } from './regular-file.js'

/** One durable task with what ties it to a conversation. */
export interface DurableTask {
  task: Task
  agentId: string | null
  runId: string | null
  /** Session keys that may own it, most specific first (child, requester, owner). */
  sessionKeys: string[]
}

/** OpenClaw's task statuses (`src/tasks/task-registry.types.ts`). */
const TASK_STATUS = new Map<string, { status: TaskStatus; outcome: string | null }>([
  ['queued', { status: 'todo', outcome: null }],
  ['running', { status: 'in_progress', outcome: null }],
  ['succeeded', { status: 'done', outcome: 'succeeded' }],
  ['failed', { status: 'done', outcome: 'failed' }],
  ['timed_out', { status: 'done', outcome: 'timed_out' }],
  ['cancelled', { status: 'done', outcome: 'cancelled' }],
  ['lost', { status: 'done', outcome: 'lost' }],
])

const STEP_STATUS = new Map<unknown, TaskStatus>([
  ['pending', 'todo'],
  ['in_progress', 'in_progress'],
  ['completed', 'done'],
])

const TITLE_CHARS = 200

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function title(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > TITLE_CHARS ? `${flat.slice(0, TITLE_CHARS - 1)}…` : flat
}

/** The database files that may hold `task_runs`, newest layout first. */
export function durableTaskDbPaths(stateDir: string): string[] {
  return [join(stateDir, 'state', 'openclaw.sqlite'), join(stateDir, 'tasks', 'runs.sqlite')]
}

function taskFromRow(row: Record<string, unknown>, place: string, out: RejectSink): DurableTask | null {
  const id = str(row.task_id)
  const text = str(row.label) ?? str(row.task)
  const rawStatus = str(row.status)
  const mapped = rawStatus !== null ? TASK_STATUS.get(rawStatus) : undefined
  if (id === null || text === null) {
    out.reject(place, 'task without task_id or task')
    return null
  }
  if (mapped === undefined) {
    out.reject(place, `unknown task status ${JSON.stringify(row.status)}`)
    return null
  }
  const at = time(row.last_event_at) ?? time(row.ended_at) ?? time(row.started_at) ?? time(row.created_at)
  if (at === null) {
    out.reject(place, 'task without any time')
    return null
  }
  const summary = mapped.outcome === null ? str(row.progress_summary) : (str(row.terminal_summary) ?? str(row.progress_summary))
  const error = str(row.error)
  const notes = [summary, error].filter((s): s is string => s !== null).join(' — ')
  const keys = [str(row.child_session_key), str(row.requester_session_key), str(row.owner_key)].filter((k): k is string => k !== null)
  return {
    task: { id, title: title(text), status: mapped.status, notes, updated_at: iso(at), source: 'openclaw', outcome: mapped.outcome },
    agentId: str(row.agent_id),
    runId: str(row.run_id),
    sessionKeys: [...new Set(keys)],
  }
}

/** Every durable task of a state dir. Missing files and tables give none; unreadable ones are reported. */
export function readDurableTasks(stateDir: string, out: RejectSink): DurableTask[] {
  const tasks: DurableTask[] = []
  for (const path of durableTaskDbPaths(stateDir)) {
    if (!existsSync(path)) continue
    if (isSpecialFile(path)) {
      out.reject(path, NOT_REGULAR_REASON)
      continue
    }
    let db: Database.Database | null = null
    try {
      db = new Database(path, { readonly: true, fileMustExist: true, timeout: 250 })
      db.pragma('query_only = ON')
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'task_runs'").get()
      if (!has) continue
      const rows = db.prepare('SELECT * FROM task_runs ORDER BY created_at, task_id').all() as Record<string, unknown>[]
      for (const row of rows) {
        const task = taskFromRow(row, `${path}:task_runs:${String(row.task_id)}`, out)
        if (task !== null) tasks.push(task)
      }
    } catch (err) {
      out.reject(path, `task database not readable: ${errorText(err)}`)
    } finally {
      try {
        db?.close()
      } catch {
        // Nothing left to release.
      }
    }
  }
  return tasks
}

/** The steps of one progress card row as tasks; an unreadable card is reported and gives none. */
export function progressCardTasks(row: Record<string, unknown>, place: string, out: RejectSink): Task[] {
  if (typeof row.steps_json !== 'string') return []
  let steps: unknown
  try {
    steps = JSON.parse(row.steps_json)
  } catch (err) {
    out.reject(place, `invalid steps_json: ${errorText(err)}`)
    return []
  }
  if (!Array.isArray(steps)) {
    out.reject(place, 'steps_json is not an array')
    return []
  }
  const at = iso(time(row.updated_at) ?? 0)
  const tasks: Task[] = []
  steps.forEach((s: unknown, i) => {
    const step = isObject(s) ? str(s.step) : null
    const status = isObject(s) ? STEP_STATUS.get(s.status) : undefined
    if (step === null || status === undefined) {
      out.reject(`${place}:${i}`, 'progress step without step text or with an unknown status')
      return
    }
    tasks.push({ id: `step-${i + 1}`, title: title(step), status, notes: '', updated_at: at, source: 'openclaw', outcome: null })
  })
  return tasks
}
