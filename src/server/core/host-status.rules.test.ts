import { describe, expect, it } from 'vitest'
import { isOffline, isStale, offlineAfterMs, takeToken, validatePing, type Bucket } from './host-status.rules.js'

const task = { task_id: 123, task_type: 'plan', workspace_id: 'ws-xxx', started_at: '2025-01-07T10:30:00Z' }
const good = { status: 'busy', cpu_usage: 45.5, memory_usage: 62.3, running_tasks: [task] }

describe('validatePing', () => {
  it("accepts the seed's example body and keeps only known fields", () => {
    const r = validatePing({ ...good, extra: 'ignored' })
    expect(r).toEqual({ ok: true, value: good })
  })

  it('accepts string task ids, a title, an interval and a missing task list', () => {
    const r = validatePing({ status: 'idle', cpu_usage: 0, memory_usage: 100, interval_sec: 10, running_tasks: [{ ...task, task_id: 'job-7', title: 'Nightly' }] })
    expect(r.ok).toBe(true)
    expect(validatePing({ status: 'idle', cpu_usage: 1, memory_usage: 1 })).toMatchObject({ ok: true, value: { running_tasks: [] } })
  })

  it.each([
    [null, 'body'],
    [[], 'body'],
    [{ ...good, status: 'BUSY!' }, 'status'],
    [{ ...good, status: 7 }, 'status'],
    [{ ...good, cpu_usage: 100.1 }, 'cpu_usage'],
    [{ ...good, cpu_usage: -1 }, 'cpu_usage'],
    [{ ...good, cpu_usage: '45' }, 'cpu_usage'],
    [{ ...good, memory_usage: null }, 'memory_usage'],
    [{ ...good, running_tasks: 'none' }, 'running_tasks'],
    [{ ...good, running_tasks: Array.from({ length: 101 }, () => task) }, 'running_tasks'],
    [{ ...good, running_tasks: [7] }, 'running_tasks[0]'],
    [{ ...good, running_tasks: [task, { ...task, task_id: -3 }] }, 'running_tasks[1].task_id'],
    [{ ...good, running_tasks: [{ ...task, task_id: 1.5 }] }, 'running_tasks[0].task_id'],
    [{ ...good, running_tasks: [{ ...task, task_type: 3 }] }, 'running_tasks[0].task_type'],
    [{ ...good, running_tasks: [{ ...task, started_at: 'yesterday' }] }, 'running_tasks[0].started_at'],
    [{ ...good, running_tasks: [{ ...task, started_at: '2025-13-45T99:00:00Z' }] }, 'running_tasks[0].started_at'],
    [{ ...good, running_tasks: [{ ...task, workspace_id: 'x'.repeat(300) }] }, 'running_tasks[0].workspace_id'],
    [{ ...good, interval_sec: 0 }, 'interval_sec'],
  ])('rejects %j naming %s', (body, field) => {
    const r = validatePing(body)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.field).toBe(field)
  })
})

describe('offline and clean-up', () => {
  const rule = { defaultIntervalMs: 30_000, missedIntervals: 3 }
  it('is offline after the missed intervals, from the agent interval when it says one', () => {
    expect(offlineAfterMs(rule, undefined)).toBe(90_000)
    expect(offlineAfterMs(rule, 10)).toBe(30_000)
    expect(isOffline(1000, 30_000, 31_000)).toBe(false)
    expect(isOffline(1000, 30_000, 31_001)).toBe(true)
  })
  it('drops metrics older than five minutes (seed)', () => {
    expect(isStale(0, 300_000)).toBe(false)
    expect(isStale(0, 300_001)).toBe(true)
  })
})

describe('takeToken', () => {
  it('allows a burst, then the sustained rate, and says how long to wait', () => {
    const b: Bucket = { tokens: 3, at: 0 }
    expect([takeToken(b, 0, 1, 3), takeToken(b, 0, 1, 3), takeToken(b, 0, 1, 3)]).toEqual([0, 0, 0])
    expect(takeToken(b, 0, 1, 3)).toBe(1)
    expect(takeToken(b, 1000, 1, 3)).toBe(0)
    expect(takeToken(b, 1000, 0.1, 3)).toBe(10)
  })
})
