import { describe, expect, it } from 'vitest'
import type { AgentPingRequest } from '../../shared/agent-hosts.js'
import type { HostRepository } from '../store/host.repository.js'
import { createHub, type HubSubscriber } from '../ws/hub.js'
import { createHostState } from './host-state.js'

const T0 = 1_795_000_000_000

/** The store is tested on both dialects elsewhere; here it only has to accept writes. */
const memoryRepository = (): HostRepository => ({
  load: () => Promise.resolve({ agents: [], credentials: [] }),
  insertAgent: () => Promise.resolve(),
  updateAgent: () => Promise.resolve(),
  deleteAgent: () => Promise.resolve(),
  insertCredential: () => Promise.resolve(),
  deleteCredential: () => Promise.resolve(),
  saveTimes: () => Promise.resolve(),
})

/** `lateMs`: how long after it is due each timer fires, as a busy event loop makes it. */
function setup(options: Parameters<typeof createHostState>[0] extends infer O ? Partial<O> : never = {}, lateMs = 0) {
  let t = T0
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = []
  const hub = createHub({ now: () => t })
  const got: { type: string; seq: number; topic: string; data: Record<string, unknown> }[] = []
  const batches: number[] = []
  const sub: HubSubscriber = {
    send: (m) => (got.push(JSON.parse(m.encoded) as (typeof got)[number]), true),
    sendBatch: (b) => {
      batches.push(b.messages.length)
      for (const m of b.messages) got.push(JSON.parse(m.encoded) as (typeof got)[number])
      return true
    },
  }
  hub.subscribe(sub, ['pools'])
  const hosts = createHostState({
    hub,
    repository: memoryRepository(),
    now: () => t,
    setTimer: (fn, ms) => {
      const timer = { at: t + ms + lateMs, fn, cancelled: false }
      timers.push(timer)
      return () => (timer.cancelled = true)
    },
    ...options,
  })
  /** Moves the clock, firing due timers in order, and sweeps as the server does every second. */
  const advance = (ms: number): void => {
    const end = t + ms
    for (;;) {
      const next = timers.filter((x) => !x.cancelled && x.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      t = Math.max(t, next.at)
      next.cancelled = true
      next.fn()
    }
    t = end
    hosts.sweep()
  }
  return { hosts, hub, got, batches, advance, now: () => t }
}

const ping = (cpu: number, extra: Partial<AgentPingRequest> = {}): AgentPingRequest => ({
  status: 'busy',
  cpu_usage: cpu,
  memory_usage: 50,
  running_tasks: [],
  ...extra,
})

describe('host state', () => {
  it('authenticates by key and secret: unknown → 401, wrong secret → 401, another agent → 403', async () => {
    const { hosts } = setup()
    const a = (await hosts.create({ agent_id: 'a', pool_id: 'p' }))!
    const b = (await hosts.create({ agent_id: 'b', pool_id: 'p' }))!
    expect(hosts.authenticate('a', a.credential.app_key, a.credential.app_secret, 'ip')).toEqual({ ok: true })
    expect(hosts.authenticate('a', undefined, undefined, 'ip')).toMatchObject({ ok: false, code: 'SWB_HOST_AUTH_MISSING' })
    expect(hosts.authenticate('a', 'swb_ak_nope', a.credential.app_secret, 'ip')).toMatchObject({ code: 'SWB_HOST_AUTH_INVALID' })
    expect(hosts.authenticate('a', a.credential.app_key, b.credential.app_secret, 'ip')).toMatchObject({ code: 'SWB_HOST_AUTH_INVALID' })
    // One character off, at the end or the start, is as wrong as any other secret.
    const s = a.credential.app_secret
    const flip = (c: string): string => (c === 'A' ? 'B' : 'A')
    expect(hosts.authenticate('a', a.credential.app_key, s.slice(0, -1) + flip(s.at(-1)!), 'ip')).toMatchObject({ code: 'SWB_HOST_AUTH_INVALID' })
    expect(hosts.authenticate('a', a.credential.app_key, flip(s[0]!) + s.slice(1), 'ip')).toMatchObject({ code: 'SWB_HOST_AUTH_INVALID' })
    expect(hosts.authenticate('a', a.credential.app_key, s + 'x', 'ip')).toMatchObject({ code: 'SWB_HOST_AUTH_INVALID' })
    expect(hosts.authenticate('a', b.credential.app_key, b.credential.app_secret, 'ip')).toMatchObject({ code: 'SWB_HOST_AUTH_FORBIDDEN' })
    expect(await hosts.create({ agent_id: 'a' })).toBeNull()
    // The secret is never part of what is listed.
    expect(JSON.stringify(hosts.list())).not.toContain(a.credential.app_secret)
  })

  it('limits failed authentications per address, and floods of pings per agent', async () => {
    const { hosts, advance } = setup({ authFailureBurst: 3, pingBurst: 2, pingRatePerSec: 1 })
    const a = (await hosts.create({ agent_id: 'a' }))!
    for (let i = 0; i < 3; i++) expect(hosts.authenticate('a', 'x', 'y', 'bad')).toMatchObject({ code: 'SWB_HOST_AUTH_INVALID' })
    expect(hosts.authenticate('a', a.credential.app_key, a.credential.app_secret, 'bad')).toMatchObject({ code: 'SWB_RATE_LIMITED' })
    expect(hosts.authenticate('a', a.credential.app_key, a.credential.app_secret, 'good')).toEqual({ ok: true })
    expect([hosts.admit('a'), hosts.admit('a'), hosts.admit('a')]).toEqual([0, 0, 1])
    advance(1000)
    expect(hosts.admit('a')).toBe(0)
  })

  it('rotates and revokes credentials', async () => {
    const { hosts } = setup()
    const { credential: first } = (await hosts.create({ agent_id: 'a' }))!
    const second = (await hosts.addCredential('a'))!
    const third = (await hosts.rotateCredential('a', first.app_key))!
    expect(hosts.authenticate('a', first.app_key, first.app_secret, 'ip').ok).toBe(false)
    expect(hosts.authenticate('a', second.app_key, second.app_secret, 'ip').ok).toBe(true)
    expect(hosts.authenticate('a', third.app_key, third.app_secret, 'ip').ok).toBe(true)
    expect(await hosts.revokeCredential('a', second.app_key)).toBe(true)
    expect(hosts.authenticate('a', second.app_key, second.app_secret, 'ip').ok).toBe(false)
    expect(hosts.get('a')!.credentials.map((c) => c.app_key)).toEqual([third.app_key])
    expect(await hosts.rotateCredential('a', 'swb_ak_unknown')).toBeNull()
  })

  it('pushes on the next grid tick, then at most one update per agent per interval, batched per pool', async () => {
    const { hosts, got, batches, advance } = setup({ minPushIntervalMs: 1000 })
    await hosts.create({ agent_id: 'a', pool_id: 'p' })
    await hosts.create({ agent_id: 'b', pool_id: 'p' })
    got.length = 0
    hosts.ping('a', ping(10))
    hosts.ping('b', ping(20))
    advance(0)
    const updates = () => got.filter((m) => m.type === 'metrics_update').map((m) => (m.data.metrics as { cpu_usage: number }).cpu_usage)
    expect(updates()).toEqual([10, 20])
    expect(batches.at(-1)).toBe(2)
    hosts.ping('a', ping(11))
    hosts.ping('a', ping(12))
    advance(500)
    expect(updates()).toEqual([10, 20])
    // The state is current even before the push.
    expect(hosts.poolMetrics('p').metrics.find((m) => m.agent_id === 'a')!.cpu_usage).toBe(12)
    advance(500)
    expect(updates()).toEqual([10, 20, 12])
  })

  it('keeps an agent that pings many times a second on one update a second when the timer fires late', async () => {
    const { hosts, got, advance } = setup({ minPushIntervalMs: 1000 }, 3)
    await hosts.create({ agent_id: 'a', pool_id: 'p' })
    got.length = 0
    for (let i = 0; i < 50; i++) {
      hosts.ping('a', ping(i))
      advance(100)
    }
    // Pushed at the ticks of 0, 1, 2, 3 and 4 s (each 3 ms late), each with the latest ping then;
    // counting the interval from when the late timer fired would skip every other tick.
    const pushed = got.filter((m) => m.type === 'metrics_update').map((m) => (m.data.metrics as { cpu_usage: number }).cpu_usage)
    expect(pushed).toEqual([0, 10, 20, 30, 40])
  })

  it('goes offline after three missed intervals, comes back, and drops metrics after five minutes', async () => {
    const { hosts, got, advance } = setup({ defaultIntervalMs: 10_000 })
    await hosts.create({ agent_id: 'a', pool_id: 'p' })
    hosts.ping('a', ping(10))
    advance(30_000)
    expect(hosts.get('a')!.online).toBe(true)
    advance(1)
    expect(hosts.get('a')!.online).toBe(false)
    const offline = got.filter((m) => m.type === 'agent_offline')
    expect(offline).toHaveLength(1)
    expect(offline[0]).toMatchObject({ topic: 'pool:p', data: { pool_id: 'p', metrics: { agent_id: 'a', status: 'offline' } } })
    expect(hosts.poolMetrics('p').metrics[0]!.status).toBe('offline')
    expect(hosts.pools()[0]).toMatchObject({ agents: 1, online: 0, offline: 1, avg_cpu: null })
    advance(300_000 - 30_001)
    expect(hosts.poolMetrics('p').metrics).toHaveLength(1)
    advance(1)
    expect(hosts.poolMetrics('p').metrics).toEqual([])
    // The registry still knows when it was last seen.
    expect(hosts.get('a')!.last_seen_at).toBe(T0)
    hosts.ping('a', ping(33))
    expect(hosts.get('a')!.online).toBe(true)
    // Pushes go out on the next tick of the 1 s grid.
    advance(999)
    expect(got.at(-1)).toMatchObject({ type: 'metrics_update' })
  })

  it('uses the interval an agent declares, and a goodbye ping is offline at once', async () => {
    const { hosts, advance } = setup({ defaultIntervalMs: 60_000 })
    await hosts.create({ agent_id: 'a' })
    hosts.ping('a', ping(10, { interval_sec: 2 }))
    advance(6001)
    expect(hosts.get('a')!.online).toBe(false)
    hosts.ping('a', ping(10))
    expect(hosts.onlineCount).toBe(1)
    hosts.ping('a', ping(0, { status: 'offline' }))
    expect(hosts.get('a')!.online).toBe(false)
    expect(hosts.onlineCount).toBe(0)
  })

  it('an agent with a long interval goes offline when its metrics are dropped, never silently', async () => {
    const { hosts, got, advance } = setup({ defaultIntervalMs: 10_000 })
    await hosts.create({ agent_id: 'slow', pool_id: 'p' })
    // Three missed intervals of 120 s would be 360 s; metrics are kept 300 s.
    expect(hosts.ping('slow', ping(10, { interval_sec: 120 }))).toEqual({ offlineAfterSec: 300 })
    advance(300_000)
    expect(hosts.get('slow')!.online).toBe(true)
    advance(1)
    expect(hosts.get('slow')!.online).toBe(false)
    expect(got.filter((m) => m.type === 'agent_offline')).toEqual([
      expect.objectContaining({ topic: 'pool:p', data: { pool_id: 'p', metrics: { agent_id: 'slow', status: 'offline', last_update_time: new Date(T0).toISOString() } } }),
    ])
    expect(got.at(-1)).toMatchObject({ type: 'host_agent_update', data: { agent: { agent_id: 'slow', online: false } } })
    expect(hosts.poolMetrics('p').metrics).toEqual([])
    expect(hosts.onlineCount).toBe(0)
  })

  it('keeps an hour of history in 10-second slots, the last value of each', async () => {
    const { hosts, advance } = setup({ defaultIntervalMs: 3_600_000, pingBurst: 1000 })
    await hosts.create({ agent_id: 'a' })
    for (let i = 0; i < 800; i++) {
      hosts.ping('a', ping(i % 100, { running_tasks: [] }))
      advance(5_000)
    }
    const points = hosts.history('a')
    expect(points.length).toBeLessThanOrEqual(360)
    expect(points.length).toBeGreaterThan(350)
    for (let i = 1; i < points.length; i++) expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0])
    expect(points.at(-1)![1]).toBe(799 % 100)
  })

  it('hands over the times to save once each: last ping per agent, last use per key, none for removed agents or revoked keys', async () => {
    const { hosts, advance } = setup()
    const created = { a: (await hosts.create({ agent_id: 'a' }))!, b: (await hosts.create({ agent_id: 'b' }))!, c: (await hosts.create({ agent_id: 'c' }))! }
    for (const [id, { credential }] of Object.entries(created)) {
      expect(hosts.authenticate(id, credential.app_key, credential.app_secret, 'ip')).toEqual({ ok: true })
      hosts.ping(id, ping(10))
    }
    advance(500)
    const a = created.a.credential
    expect(hosts.authenticate('a', a.app_key, a.app_secret, 'ip')).toEqual({ ok: true })
    hosts.ping('a', ping(11))
    expect(await hosts.revokeCredential('b', created.b.credential.app_key)).toBe(true)
    expect(await hosts.remove('c')).toBe(true)
    const { seen, used } = hosts.drainTimes()
    expect([...seen]).toEqual([
      ['a', T0 + 500],
      ['b', T0],
    ])
    expect([...used]).toEqual([[a.app_key, T0 + 500]])
    expect(hosts.drainTimes()).toEqual({ seen: new Map(), used: new Map() })
    hosts.ping('b', ping(12))
    expect([...hosts.drainTimes().seen]).toEqual([['b', T0 + 500]])
  })

  it('a removed agent is gone for the ping that follows its check, and one registered again under its id starts afresh', async () => {
    const { hosts, got, advance } = setup()
    const { credential } = (await hosts.create({ agent_id: 'a', pool_id: 'p' }))!
    expect(hosts.authenticate('a', credential.app_key, credential.app_secret, 'ip')).toEqual({ ok: true })
    hosts.ping('a', ping(10))
    expect(await hosts.remove('a')).toBe(true)
    got.length = 0
    expect(hosts.admit('a')).toBe(0)
    hosts.ping('a', ping(20))
    advance(2000)
    expect(got.filter((m) => m.type === 'metrics_update')).toEqual([])
    expect(hosts.get('a')).toBeNull()
    await hosts.create({ agent_id: 'a', pool_id: 'p' })
    expect(hosts.get('a')).toMatchObject({ online: false, last_seen_at: null })
    expect(hosts.history('a')).toEqual([])
    hosts.ping('a', ping(30))
    advance(1000)
    expect(got.filter((m) => m.type === 'metrics_update').map((m) => (m.data.metrics as { cpu_usage: number }).cpu_usage)).toEqual([30])
    expect(hosts.history('a').map((p) => p[1])).toEqual([30])
  })

  it('moving an agent to another pool tells both pools', async () => {
    const { hosts, got, advance } = setup()
    await hosts.create({ agent_id: 'a', pool_id: 'p' })
    hosts.ping('a', ping(10))
    advance(2000)
    got.length = 0
    await hosts.update('a', { pool_id: 'q', agent_name: 'Alpha' })
    advance(0)
    expect(got.map((m) => [m.type, m.topic])).toEqual([
      ['host_agent_removed', 'pool:p'],
      ['host_agent_update', 'pool:q'],
      ['metrics_update', 'pool:q'],
    ])
    expect(hosts.poolMetrics('q').metrics[0]).toMatchObject({ agent_name: 'Alpha', pool_id: 'q' })
    expect(hosts.poolMetrics('p').metrics).toEqual([])
    expect(await hosts.remove('a')).toBe(true)
    expect(hosts.pools()).toEqual([])
  })
})
