import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createCommandTaskSource,
  createFileTaskSource,
  createStaticTaskSource,
  MAX_RUNNING_TASKS,
  parseRunningTasks,
} from './task-source.js'

const task = (id: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  task_id: id,
  task_type: 'plan',
  workspace_id: 'ws-1',
  started_at: '2025-01-07T10:30:00Z',
  ...extra,
})

describe('parseRunningTasks', () => {
  it('takes an array or {running_tasks}, keeping only the contract fields', () => {
    const a = parseRunningTasks([task(1, { title: 'Plan it', extra: 'dropped' }), task('t-2')], 'x')
    expect(a.problems).toEqual([])
    expect(a.tasks).toEqual([
      { task_id: 1, task_type: 'plan', workspace_id: 'ws-1', started_at: '2025-01-07T10:30:00Z', title: 'Plan it' },
      { task_id: 't-2', task_type: 'plan', workspace_id: 'ws-1', started_at: '2025-01-07T10:30:00Z' },
    ])
    expect(parseRunningTasks({ running_tasks: [task(3)] }, 'x').tasks).toHaveLength(1)
  })

  it('skips each invalid item and says which and why, keeping the valid ones', () => {
    const r = parseRunningTasks(
      [
        task(1),
        'nope',
        task(-1),
        task(1.5),
        task(''),
        task('x'.repeat(129)),
        task(2, { task_type: 7 }),
        task(3, { workspace_id: 3 }),
        task(4, { started_at: 'yesterday' }),
        task(5, { started_at: '2025-13-45T99:00:00Z' }),
        task(6, { title: 42 }),
        task(1),
        task(7, { started_at: '2025-01-07T10:30:00.250+08:00' }),
      ],
      'tasks.json',
    )
    expect(r.tasks.map((t) => t.task_id)).toEqual([1, 7])
    expect(r.problems).toHaveLength(11)
    expect(r.problems[0]).toBe('tasks.json: task 1 skipped: expected an object, got a string ("nope")')
    expect(r.problems.every((p) => p.startsWith('tasks.json: task '))).toBe(true)
    expect(r.problems.find((p) => p.includes('task 11'))).toMatch(/task_id 1 appears twice/)
    expect(r.problems.find((p) => p.includes('task 8'))).toMatch(/started_at must be an RFC 3339 time/)
  })

  it('takes an empty workspace id (the seed has no rule against it)', () => {
    expect(parseRunningTasks([task(1, { workspace_id: '' })], 'x')).toMatchObject({ problems: [], tasks: [{ workspace_id: '' }] })
  })

  it('keeps a numeric and a string id with the same digits apart', () => {
    expect(parseRunningTasks([task(1), task('1')], 'x').tasks).toHaveLength(2)
  })

  it(`keeps at most ${MAX_RUNNING_TASKS} tasks and says how many were left out`, () => {
    const r = parseRunningTasks(
      Array.from({ length: 130 }, (_, i) => task(i)),
      'x',
    )
    expect(r.tasks).toHaveLength(MAX_RUNNING_TASKS)
    expect(r.tasks.at(-1)?.task_id).toBe(99)
    expect(r.problems).toEqual([`x: 30 task(s) beyond the first ${MAX_RUNNING_TASKS} left out`])
  })

  it('refuses other shapes as a whole', () => {
    expect(parseRunningTasks(null, 'x')).toEqual({ tasks: [], problems: ['x: expected an array of tasks or {"running_tasks": [...]}, got null'] })
    expect(parseRunningTasks({ running_tasks: 'a' }, 'x').problems).toEqual(['x: running_tasks must be an array, got a string ("a")'])
    expect(parseRunningTasks({ tasks: [] }, 'x').tasks).toEqual([])
  })
})

describe('file task source', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swb-tasks-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the file anew on every read', async () => {
    const file = join(dir, 'tasks.json')
    writeFileSync(file, JSON.stringify([task(1)]))
    const source = createFileTaskSource(file)
    expect((await source.read()).tasks).toHaveLength(1)
    writeFileSync(file, JSON.stringify({ running_tasks: [task(1), task(2)] }))
    expect(await source.read()).toMatchObject({ problems: [], tasks: [{ task_id: 1 }, { task_id: 2 }] })
  })

  // Before, a FIFO waited for a writer forever and /dev/zero was read until memory ran out.
  it.runIf(process.platform !== 'win32')('refuses a FIFO or a device at once, without reading it', async () => {
    const fifo = join(dir, 'tasks.fifo')
    execFileSync('mkfifo', [fifo])
    for (const file of [fifo, '/dev/zero']) {
      expect(await createFileTaskSource(file).read()).toEqual({ tasks: [], problems: [`tasks file ${file}: not a regular file (a FIFO, device or socket?)`] })
    }
  })

  it('turns a missing file, a directory, bad JSON, an empty or too large file into a problem', async () => {
    const missing = await createFileTaskSource(join(dir, 'nope.json')).read()
    expect(missing).toEqual({ tasks: [], problems: [`tasks file ${join(dir, 'nope.json')}: not found`] })

    mkdirSync(join(dir, 'sub'))
    expect((await createFileTaskSource(join(dir, 'sub')).read()).problems[0]).toMatch(/is a directory$/)

    writeFileSync(join(dir, 'bad.json'), '[{"task_id": 1,')
    expect((await createFileTaskSource(join(dir, 'bad.json')).read()).problems[0]).toMatch(/not valid JSON/)

    writeFileSync(join(dir, 'empty.json'), '  \n')
    expect((await createFileTaskSource(join(dir, 'empty.json')).read()).problems[0]).toMatch(/empty, expected JSON$/)

    writeFileSync(join(dir, 'big.json'), JSON.stringify([task(1)]))
    const big = await createFileTaskSource(join(dir, 'big.json'), { maxBytes: 10 }).read()
    expect(big.tasks).toEqual([])
    expect(big.problems[0]).toMatch(/more than the 10 read$/)
  })
})

/** Alive and not a zombie waiting for its (killed) parent to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

describe('command task source', () => {
  const json = JSON.stringify([task(1), task('bad', { started_at: 3 })])

  it('parses what the command prints', async () => {
    const r = await createCommandTaskSource(`printf '%s' '${json}'`).read()
    expect(r.tasks.map((t) => t.task_id)).toEqual([1])
    expect(r.problems).toEqual([expect.stringMatching(/^tasks command `.*`: task 1 skipped: started_at must be/)])
  })

  it('gives no tasks and the first stderr line when the command fails', async () => {
    const r = await createCommandTaskSource(`printf '%s' '${json}'; echo 'db is down' >&2; exit 3`).read()
    expect(r.tasks).toEqual([])
    expect(r.problems).toEqual([expect.stringMatching(/: exited with 3: db is down$/)])
  })

  it('kills a command that runs too long, with what it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swb-tasks-cmd-'))
    try {
      const pidFile = join(dir, 'pid')
      const r = await createCommandTaskSource(`sleep 30 & echo $! > '${pidFile}'; wait`, { timeoutMs: 300 }).read()
      expect(r).toEqual({ tasks: [], problems: [expect.stringMatching(/no exit within 300 ms \(killed\)$/)] })
      // The shell's child went too: the whole process group was killed, not just the shell.
      const pid = Number(readFileSync(pidFile, 'utf8'))
      await expect.poll(() => isAlive(pid), { timeout: 2_000 }).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('kills a command that prints too much', async () => {
    const r = await createCommandTaskSource('yes', { maxOutputBytes: 10_000 }).read()
    expect(r).toEqual({ tasks: [], problems: [expect.stringMatching(/more than 10000 bytes of output \(killed\)$/)] })
  })

  it('reports bad JSON and a command that is not there', async () => {
    expect((await createCommandTaskSource('echo "{oops"').read()).problems[0]).toMatch(/not valid JSON/)
    expect((await createCommandTaskSource('definitely-not-a-command-swb').read()).problems[0]).toMatch(/exited with 127/)
  })
})

describe('static task source', () => {
  it('gives its tasks, validated', async () => {
    expect(await createStaticTaskSource().read()).toEqual({ tasks: [], problems: [] })
  })
})
