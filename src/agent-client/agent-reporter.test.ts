import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AgentPingRequest } from '../shared/agent-hosts.js'
import { createAgentClient } from './agent-client.js'
import { ACCEPTED, createManualTimer, startPingServer, type PingServer } from './agent-client.test-kit.js'
import { createAgentReporter, type AgentReporterOptions, type ReporterEvent } from './agent-reporter.js'
import type { HostSampler } from './host-sampler.js'
import { createStaticTaskSource, type TaskSource } from './task-source.js'

const sampler: HostSampler = { sample: async () => ({ cpu_usage: 12.5, memory_usage: 40 }) }
const unavailable = { status: 503, json: { error: { code: 'SWB_INTERNAL', message: 'down for a moment' } } }
const unauthorized = { status: 401, json: { error: { code: 'SWB_HOST_AUTH_INVALID', message: 'Invalid agent credentials' } } }

describe('agent reporter', () => {
  let server: PingServer
  let timer: ReturnType<typeof createManualTimer>
  let lines: string[]
  let events: ReporterEvent[]
  const stops: (() => Promise<void>)[] = []

  beforeEach(async () => {
    server = await startPingServer()
    timer = createManualTimer()
    lines = []
    events = []
  })
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((s) => s()))
    await server.close()
  })

  const reporter = (extra: Partial<AgentReporterOptions> = {}) => {
    const r = createAgentReporter({
      client: createAgentClient({ url: server.url, agentId: 'gpu-01', appKey: 'ak', appSecret: 'sk', timeoutMs: 2_000 }),
      sampler,
      intervalSec: 10,
      setTimer: timer.setTimer,
      random: () => 0.5,
      log: (line, event) => {
        lines.push(line)
        events.push(event)
      },
      ...extra,
    })
    stops.push(() => r.stop())
    return r
  }
  const bodies = (): AgentPingRequest[] => server.received.map((r) => r.body as AgentPingRequest)

  it('pings at once and then every interval, with interval_sec, logging only the change to connected', async () => {
    const r = reporter()
    r.start()
    expect((await timer.next()).ms).toBe(10_000)
    expect(r.state).toBe('connected')
    expect(bodies()).toEqual([{ status: 'idle', cpu_usage: 12.5, memory_usage: 40, running_tasks: [], interval_sec: 10 }])
    expect(lines).toEqual([`connected to ${server.url} as gpu-01: pinging every 10s (shown offline after 30s of silence)`])
  })

  it('backs off exponentially with jitter on 503, then returns to the interval on success', async () => {
    server.script(unavailable, unavailable, unavailable)
    const r = reporter()
    r.start()
    // Equal jitter with random() = 0.5: three quarters of 1 s, 2 s, 4 s.
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      const t = await timer.next()
      delays.push(t.ms)
      if (i < 3) t.fire()
    }
    expect(delays).toEqual([750, 1_500, 3_000, 10_000])
    expect(server.received).toHaveLength(4)
    expect(lines).toEqual([
      'server error (503 SWB_INTERNAL: down for a moment), retrying in 0.8s',
      `connected to ${server.url} as gpu-01: pinging every 10s (shown offline after 30s of silence)`,
    ])
    expect(r.state).toBe('connected')
  })

  it('never waits longer than the cap between retries, whatever the jitter draws', async () => {
    server.fallback = unavailable
    reporter({ random: () => 0.999, maxBackoffSec: 8 }).start()
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      const t = await timer.next()
      delays.push(t.ms)
      t.fire()
    }
    await timer.next()
    expect(delays.slice(0, 4)).toEqual([1_000, 1_999, 3_998, 7_996])
    expect(Math.max(...delays)).toBeLessThanOrEqual(8_000)
    expect(lines).toHaveLength(1)
  })

  it('says when the server is down and when it is back', async () => {
    await server.close()
    const r = reporter()
    r.start()
    const t = await timer.next()
    expect(t.ms).toBe(750)
    expect(lines).toEqual([expect.stringMatching(/^server down \(cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED\), retrying in 0\.8s$/)])
    expect(r.state).toBe('retrying')
  })

  it('honours Retry-After on 429, and waits at least the interval without one', async () => {
    server.script(
      { status: 429, json: { error: { code: 'SWB_RATE_LIMITED', message: 'slow down' } }, headers: { 'retry-after': '30' } },
      { status: 429, json: { error: { code: 'SWB_RATE_LIMITED', message: 'slow down' } } },
    )
    reporter().start()
    const first = await timer.next()
    expect(first.ms).toBe(30_000)
    first.fire()
    const second = await timer.next()
    expect(second.ms).toBe(10_000)
    second.fire()
    expect((await timer.next()).ms).toBe(10_000)
    expect(lines).toEqual([
      'server asks to slow down (429 SWB_RATE_LIMITED: slow down), retrying in 30s',
      expect.stringMatching(/^connected to /),
    ])
  })

  it('logs rejected credentials once, keeps retrying slowly, and says when they work again', async () => {
    server.script(unauthorized, unauthorized)
    const r = reporter()
    r.start()
    const first = await timer.next()
    expect(first.ms).toBe(60_000)
    expect(r.state).toBe('rejected')
    first.fire()
    const second = await timer.next()
    expect(second.ms).toBe(60_000)
    second.fire()
    expect((await timer.next()).ms).toBe(10_000)
    expect(lines).toEqual([
      'credentials rejected (401 SWB_HOST_AUTH_INVALID: Invalid agent credentials): check the app key and secret; retrying every 60s',
      expect.stringMatching(/^connected to /),
    ])
    expect(events[0]).toMatchObject({ type: 'rejected', error: { status: 401, code: 'SWB_HOST_AUTH_INVALID' } })
  })

  it('names a 403 as the key of another agent', async () => {
    server.script({ status: 403, json: { error: { code: 'SWB_HOST_AUTH_FORBIDDEN', message: 'These credentials belong to another agent' } } })
    reporter({ rejectedRetrySec: 5 }).start()
    expect((await timer.next()).ms).toBe(10_000)
    expect(lines[0]).toBe(
      'credentials rejected (403 SWB_HOST_AUTH_FORBIDDEN: These credentials belong to another agent): this app key belongs to another agent; retrying every 10s',
    )
  })

  it('sends one offline ping on stop, and no more pings after it', async () => {
    const r = reporter({ tasks: createStaticTaskSource([{ task_id: 1, task_type: 'plan', workspace_id: 'w', started_at: '2025-01-07T10:30:00Z' }]) })
    r.start()
    const pending = await timer.next()
    await r.stop()
    pending.fire()
    expect(bodies().map((b) => b.status)).toEqual(['busy', 'offline'])
    expect(bodies()[1]).toEqual({ status: 'offline', cpu_usage: 12.5, memory_usage: 40, running_tasks: [], interval_sec: 10 })
    expect(timer.armed()).toBe(0)
    expect(lines.at(-1)).toBe('sent offline, stopped')
    expect(r.state).toBe('stopped')
  })

  it('aborts a ping in flight on stop and still sends offline', async () => {
    server.script('hang')
    const r = reporter()
    r.start()
    await expect.poll(() => server.received.length).toBe(1)
    await r.stop()
    expect(bodies().map((b) => b.status)).toEqual(['idle', 'offline'])
    expect(timer.armed()).toBe(0)
  })

  it('gives up on the offline ping after its own short timeout', async () => {
    server.script(ACCEPTED, 'hang')
    const r = reporter({ offlineTimeoutMs: 100 })
    r.start()
    await timer.next()
    await r.stop()
    expect(lines.at(-1)).toMatch(/^could not send offline \(no answer from .* within 100 ms\), stopped$/)
  })

  it('sends busy while tasks run, and logs each task problem once', async () => {
    let calls = 0
    const tasks: TaskSource = {
      description: 'test tasks',
      read: async () => {
        calls++
        return {
          tasks: [{ task_id: calls, task_type: 'plan', workspace_id: 'w', started_at: '2025-01-07T10:30:00Z' }],
          problems: calls < 3 ? ['tasks.json: task 1 skipped: bad'] : ['tasks.json: task 2 skipped: worse'],
        }
      },
    }
    reporter({ tasks }).start()
    for (let i = 0; i < 3; i++) (await timer.next()).fire()
    await timer.next()
    expect(bodies().map((b) => [b.status, b.running_tasks[0]?.task_id])).toEqual([
      ['busy', 1],
      ['busy', 2],
      ['busy', 3],
      ['busy', 4],
    ])
    expect(lines.filter((l) => l.startsWith('tasks.json'))).toEqual(['tasks.json: task 1 skipped: bad', 'tasks.json: task 2 skipped: worse'])
  })

  it('sends a fixed status as given', async () => {
    reporter({ status: 'draining' }).start()
    await timer.next()
    expect(bodies()[0]?.status).toBe('draining')
  })

  it('keeps pinging with the last figures when sampling fails, and says so once', async () => {
    let n = 0
    const flaky: HostSampler = {
      sample: async () => {
        if (++n > 1) throw new Error('no /proc')
        return { cpu_usage: 5, memory_usage: 6 }
      },
    }
    reporter({ sampler: flaky }).start()
    for (let i = 0; i < 2; i++) (await timer.next()).fire()
    await timer.next()
    expect(bodies().map((b) => [b.cpu_usage, b.memory_usage])).toEqual([
      [5, 6],
      [5, 6],
      [5, 6],
    ])
    expect(lines.filter((l) => l.startsWith('host sampling failed'))).toHaveLength(1)
  })

  it('pings once outside the loop', async () => {
    server.script(unauthorized)
    const r = reporter()
    const failed = await r.pingOnce()
    expect(failed).toMatchObject({ ok: false, error: { status: 401 } })
    expect(await r.pingOnce()).toMatchObject({ ok: true, response: ACCEPTED.json })
    await r.stop()
    // Never started: no offline ping.
    expect(server.received).toHaveLength(2)
  })

  it('refuses an interval outside 1–3600', () => {
    expect(() => reporter({ intervalSec: 0 })).toThrow(RangeError)
    expect(() => reporter({ intervalSec: 1.5 })).toThrow(RangeError)
  })
})
