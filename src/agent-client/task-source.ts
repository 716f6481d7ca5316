/**
 * Where an agent's running tasks come from: a JSON file another process keeps up to date, or a
 * command that prints them. Either gives an array of `RunningTask` or `{ "running_tasks": [...] }`.
 * Reading never throws: it returns the valid tasks and, for everything else, a problem saying where
 * and why (an invalid item is skipped, never patched up).
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import type { RunningTask } from '../shared/agent-hosts.js'

export interface TaskReadResult {
  tasks: RunningTask[]
  /** One line per thing that was wrong, naming the source and the place. Empty when all was well. */
  problems: string[]
}

export interface TaskSource {
  /** For messages, e.g. `tasks file /run/agent/tasks.json`. */
  readonly description: string
  read(): Promise<TaskReadResult>
}

/** The most tasks a ping carries; more are left out (and said so). */
export const MAX_RUNNING_TASKS = 100
/** A task id given as a string is at most this long. */
export const MAX_TASK_ID_LENGTH = 128
/** Task type, workspace id and title are at most this long. */
export const MAX_TASK_TEXT_LENGTH = 256
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

/** Validates what a file or command gave: the tasks that are valid, a problem for each that is not. */
export function parseRunningTasks(value: unknown, where: string): TaskReadResult {
  const problems: string[] = []
  let list: unknown
  if (Array.isArray(value)) list = value
  else if (typeof value === 'object' && value !== null && 'running_tasks' in value) list = (value as { running_tasks: unknown }).running_tasks
  else return { tasks: [], problems: [`${where}: expected an array of tasks or {"running_tasks": [...]}, got ${kindOf(value)}`] }
  if (!Array.isArray(list)) return { tasks: [], problems: [`${where}: running_tasks must be an array, got ${kindOf(list)}`] }

  const tasks: RunningTask[] = []
  const seen = new Set<string>()
  let over = 0
  list.forEach((item: unknown, i) => {
    const why = invalidTask(item)
    if (why) {
      problems.push(`${where}: task ${i} skipped: ${why}`)
      return
    }
    const t = item as RunningTask
    const key = `${typeof t.task_id}:${String(t.task_id)}`
    if (seen.has(key)) {
      problems.push(`${where}: task ${i} skipped: task_id ${JSON.stringify(t.task_id)} appears twice`)
      return
    }
    seen.add(key)
    if (tasks.length >= MAX_RUNNING_TASKS) {
      over++
      return
    }
    // Only the fields of the contract go on the wire.
    tasks.push({
      task_id: t.task_id,
      task_type: t.task_type,
      workspace_id: t.workspace_id,
      started_at: t.started_at,
      ...(t.title !== undefined ? { title: t.title } : {}),
    })
  })
  if (over > 0) problems.push(`${where}: ${over} task(s) beyond the first ${MAX_RUNNING_TASKS} left out`)
  return { tasks, problems }
}

function invalidTask(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return `expected an object, got ${kindOf(item)}`
  const t = item as Record<string, unknown>
  const id = t.task_id
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0) return `task_id must be a whole number ≥ 0 or a string, got ${id}`
  } else if (typeof id === 'string') {
    if (id.length === 0 || id.length > MAX_TASK_ID_LENGTH) return `task_id must be 1–${MAX_TASK_ID_LENGTH} characters`
  } else return `task_id must be a whole number ≥ 0 or a string, got ${kindOf(id)}`
  for (const field of ['task_type', 'workspace_id'] as const) {
    const v = t[field]
    if (typeof v !== 'string') return `${field} must be a string, got ${kindOf(v)}`
    if (field === 'task_type' && v.length === 0) return 'task_type must not be empty'
    if (v.length > MAX_TASK_TEXT_LENGTH) return `${field} is longer than ${MAX_TASK_TEXT_LENGTH} characters`
  }
  const started = t.started_at
  if (typeof started !== 'string' || !RFC3339.test(started) || Number.isNaN(Date.parse(started))) {
    return `started_at must be an RFC 3339 time like 2025-01-07T10:30:00Z, got ${typeof started === 'string' ? JSON.stringify(started) : kindOf(started)}`
  }
  if (t.title !== undefined) {
    if (typeof t.title !== 'string') return `title must be a string, got ${kindOf(t.title)}`
    if (t.title.length > MAX_TASK_TEXT_LENGTH) return `title is longer than ${MAX_TASK_TEXT_LENGTH} characters`
  }
  return null
}

function kindOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return v.length > 40 ? `a string (${JSON.stringify(v.slice(0, 40))}…)` : `a string (${JSON.stringify(v)})`
  if (typeof v === 'number') return `a number (${v})`
  return typeof v === 'object' ? 'an object' : typeof v
}

function parseJsonText(text: string, where: string): TaskReadResult {
  if (text.trim() === '') return { tasks: [], problems: [`${where}: empty, expected JSON`] }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { tasks: [], problems: [`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`] }
  }
  return parseRunningTasks(value, where)
}

export interface FileTaskSourceOptions {
  /** A larger file is not read. Default is 1 MiB. */
  maxBytes?: number
}

const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

/** Tasks from a JSON file, read on every `read()` (a missing file is a problem, not an error). */
export function createFileTaskSource(file: string, options: FileTaskSourceOptions = {}): TaskSource {
  const maxBytes = options.maxBytes ?? 1024 * 1024
  const where = `tasks file ${file}`
  return {
    description: where,
    async read() {
      let text: string
      try {
        // One open, then size and read through it: the file may be replaced between two calls.
        // Opened without blocking: a FIFO would otherwise wait for a writer and hold up the
        // pings; it, a device (/dev/zero never ends) or a socket is refused.
        const fh = await open(file, READ_FLAGS)
        try {
          const st = await fh.stat()
          if (st.isDirectory()) return { tasks: [], problems: [`${where}: is a directory`] }
          if (!st.isFile()) return { tasks: [], problems: [`${where}: not a regular file (a FIFO, device or socket?)`] }
          const { size } = st
          if (size > maxBytes) return { tasks: [], problems: [`${where}: ${size} bytes, more than the ${maxBytes} read`] }
          text = await fh.readFile('utf8')
        } finally {
          await fh.close()
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(err)
        return { tasks: [], problems: [`${where}: ${why}`] }
      }
      return parseJsonText(text, where)
    },
  }
}

export interface CommandTaskSourceOptions {
  /** The command is killed after this long, in milliseconds. Default is 5000. */
  timeoutMs?: number
  /** The command is killed once its stdout passes this many bytes. Default is 1 MiB. */
  maxOutputBytes?: number
  /** Working directory. Default is the current one. */
  cwd?: string
}

/**
 * Tasks from a shell command's stdout, run on every `read()`. A non-zero exit, a timeout or too much
 * output gives no tasks and a problem (with the start of stderr).
 */
export function createCommandTaskSource(command: string, options: CommandTaskSourceOptions = {}): TaskSource {
  const timeoutMs = options.timeoutMs ?? 5_000
  const maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024
  const where = `tasks command \`${command}\``
  return {
    description: where,
    read: () =>
      new Promise<TaskReadResult>((resolve) => {
        const fail = (why: string): void => resolve({ tasks: [], problems: [`${where}: ${why}`] })
        let child: ReturnType<typeof spawn>
        try {
          // Own process group (not on Windows), so a timeout kills what the shell started too.
          child = spawn(command, { shell: true, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' })
        } catch (err) {
          fail(`could not start (${err instanceof Error ? err.message : String(err)})`)
          return
        }
        const out: Buffer[] = []
        let outBytes = 0
        let err = ''
        let killedFor: string | null = null
        const kill = (why: string): void => {
          if (killedFor !== null) return
          killedFor = why
          try {
            if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL')
            else child.kill('SIGKILL')
          } catch {
            // Already gone.
          }
        }
        const timer = setTimeout(() => kill(`no exit within ${timeoutMs} ms (killed)`), timeoutMs)
        child.stdout?.on('data', (b: Buffer) => {
          outBytes += b.length
          if (outBytes > maxOutputBytes) kill(`more than ${maxOutputBytes} bytes of output (killed)`)
          else out.push(b)
        })
        child.stderr?.on('data', (b: Buffer) => {
          if (err.length < 2_000) err += b.toString('utf8')
        })
        child.once('error', (e) => {
          clearTimeout(timer)
          fail(`could not start (${e.message})`)
        })
        child.once('close', (code, signal) => {
          clearTimeout(timer)
          if (killedFor !== null) return fail(killedFor)
          const firstErr = err.trim().split('\n')[0]?.slice(0, 200)
          if (code !== 0) return fail(`exited with ${code ?? signal}${firstErr ? `: ${firstErr}` : ''}`)
          resolve(parseJsonText(Buffer.concat(out).toString('utf8'), where))
        })
      }),
  }
}

/** Fixed tasks (none by default): for an agent that reports only CPU and memory, or for tests. */
export function createStaticTaskSource(tasks: RunningTask[] = []): TaskSource {
  return {
    description: 'fixed task list',
    read: async () => parseRunningTasks(tasks, 'fixed task list'),
  }
}
