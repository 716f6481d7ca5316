/**
 * Agent hosts (seed 003): the registry of agents allowed to ping, their latest metrics in memory
 * grouped by pool, an hour of history per agent for sparklines, offline detection, clean-up, and
 * the push of `metrics_update` / `agent_offline` to each pool's topic.
 *
 * A ping updates the state at once (REST reads see it); the push is throttled per agent to one
 * update per `minPushIntervalMs`, and pushes go out on a 1 s grid as one batch per pool, so a
 * thousand dashboards cost a thousand socket writes per tick, not one per agent per dashboard.
 */
import { hash, randomBytes } from 'node:crypto'
import {
  DEFAULT_POOL,
  poolTopic,
  type AgentMetrics,
  type AgentPingRequest,
  type HostAgent,
  type InitialMetricsData,
  type IssuedCredential,
  type MetricsPoint,
  type PoolSummary,
} from '../../shared/agent-hosts.js'
import type { ErrorCode } from '../../shared/errors.js'
import type { BatchItem, Hub } from '../ws/hub.js'
import type { HostRepository, StoredCredential, StoredHostAgent } from '../store/host.repository.js'
import {
  HISTORY_SLOT_MS,
  HISTORY_SLOTS,
  isOffline,
  isStale,
  METRICS_TTL_MS,
  offlineAfterMs,
  slotOf,
  takeToken,
  type Bucket,
  type OfflineRule,
} from './host-status.rules.js'

export interface HostStateOptions {
  hub: Hub
  repository: HostRepository
  now?: () => number
  /** Schedules a callback; returns a cancel function. Default is `setTimeout` (unref'd). */
  setTimer?: (fn: () => void, ms: number) => () => void
  /** Ping interval assumed when an agent does not send `interval_sec`. Default is 30000. */
  defaultIntervalMs?: number
  /** Missed intervals after which an agent is offline. Default is 3. */
  missedIntervals?: number
  /** Metrics older than this are dropped from memory (seed: 5 minutes). Default is 300000. */
  metricsTtlMs?: number
  /** At most one push per agent per this many ms; pings in between update the state only. Default is 1000. */
  minPushIntervalMs?: number
  /** Pushes go out on ticks of this grid (ms since the epoch divisible by it). Default is 500. */
  pushGridMs?: number
  /** Sustained pings per second allowed per agent. Default is 2. */
  pingRatePerSec?: number
  /** Pings allowed at once per agent. Default is 10. */
  pingBurst?: number
  /** Failed authentications allowed at once per client address, refilled at one per second. Default is 20. */
  authFailureBurst?: number
}

export type AuthResult =
  | { ok: true }
  | { ok: false; code: ErrorCode; retryAfterSec?: number; result: 'unauthorized' | 'forbidden' | 'rate_limited' }

interface Registered extends StoredHostAgent {
  credentials: Map<string, StoredCredential>
}

/**
 * The record a ping reads, written field by field. Not `{ ...stored, credentials }`: on Node 20
 * (V8 11.3) a spread followed by a new key gives every object a hidden class of its own, so each
 * registered agent had one, every read of them in a ping missed V8's caches, and a thousand of
 * them crowded the cache every other lookup shares (see docs/benchmarks.md).
 */
const registered = (s: StoredHostAgent): Registered => ({
  agent_id: s.agent_id,
  agent_name: s.agent_name,
  pool_id: s.pool_id,
  tags: s.tags,
  created_at: s.created_at,
  last_seen_at: s.last_seen_at,
  credentials: new Map(),
})

interface Live {
  metrics: AgentMetrics
  lastSeenAt: number
  offlineAfterMs: number
  offline: boolean
  lastPushedAt: number
}

/** One slot per HISTORY_SLOT_MS, the last value of the slot kept, an hour of slots in a ring. */
interface History {
  at: Float64Array
  cpu: Float32Array
  mem: Float32Array
  tasks: Uint16Array
  newest: number
}

export interface HostState {
  /** Checks the seed's headers for a ping to `agentId`; failures are limited per client address. */
  authenticate(agentId: string, appKey: string | undefined, appSecret: string | undefined, clientAddress: string): AuthResult
  /** Takes a token from the agent's flood bucket; returns 0 or the seconds to wait. */
  admit(agentId: string): number
  /** Applies a valid ping. Returns the offline delay for the reply. */
  ping(agentId: string, body: AgentPingRequest): { offlineAfterSec: number }

  list(): HostAgent[]
  get(agentId: string): HostAgent | null
  create(input: { agent_id: string; agent_name?: string; pool_id?: string; tags?: string[] }): Promise<{ agent: HostAgent; credential: IssuedCredential } | null>
  update(agentId: string, input: { agent_name?: string; pool_id?: string; tags?: string[] }): Promise<HostAgent | null>
  remove(agentId: string): Promise<boolean>
  addCredential(agentId: string): Promise<IssuedCredential | null>
  /** Issues a new key and revokes `appKey` in one step. Null when the agent or key is unknown. */
  rotateCredential(agentId: string, appKey: string): Promise<IssuedCredential | null>
  revokeCredential(agentId: string, appKey: string): Promise<boolean>

  pools(): PoolSummary[]
  poolAgents(poolId: string): HostAgent[]
  poolMetrics(poolId: string): InitialMetricsData
  /** `[t, cpu, mem, tasks]` of the last hour, oldest first. */
  history(agentId: string): MetricsPoint[]
  readonly onlineCount: number

  /** Judges offline agents and drops stale metrics; the server runs it every second. */
  sweep(): void
  /** Pushes whatever is due now. */
  flush(): void
  /** Times to persist since the last call: last ping per agent, last use per app key. */
  drainTimes(): { seen: Map<string, number>; used: Map<string, number> }
  restore(data: { agents: StoredHostAgent[]; credentials: StoredCredential[] }): void
  dispose(): void
}

export const HISTORY_RESOLUTION_SEC = HISTORY_SLOT_MS / 1000
/**
 * Every push is aligned to this grid: a pool's dashboards get one write a second however many of
 * its hosts ping (a host is pushed at most once a second anyway), and each write is a system call
 * and a wake-up of the reader per dashboard. With 1,000 dashboards, a 250 ms grid spent a quarter
 * of the server's core on them; a 500 ms grid cost 7–37 % of the ping throughput, a 1 s grid 5–17 %.
 */
const PUSH_GRID_MS = 1000

// One-shot hashing to hex: a ping is checked on every request, and a Hash object or a Buffer per
// call costs more than the hash itself.
const sha256Hex = (s: string): string => hash('sha256', s, 'hex')
/** Whether two hex digests are equal, in a time that depends only on their length (always 64). */
const sameDigest = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
const newKey = (): string => `swb_ak_${randomBytes(12).toString('base64url')}`
const newSecret = (): string => `swb_sk_${randomBytes(32).toString('base64url')}`
let isoAt = NaN
let isoText = ''
/** ISO time of `t`; pings arriving in the same millisecond share one string. */
const iso = (t: number): string => {
  if (t !== isoAt) {
    isoAt = t
    isoText = new Date(t).toISOString()
  }
  return isoText
}

export function createHostState(options: HostStateOptions): HostState {
  const { hub, repository } = options
  const now = options.now ?? Date.now
  const setTimer =
    options.setTimer ??
    ((fn, ms) => {
      const t = setTimeout(fn, ms)
      t.unref()
      return () => clearTimeout(t)
    })
  const rule: OfflineRule = { defaultIntervalMs: options.defaultIntervalMs ?? 30_000, missedIntervals: options.missedIntervals ?? 3 }
  const ttlMs = options.metricsTtlMs ?? METRICS_TTL_MS
  const minPushMs = options.minPushIntervalMs ?? 1000
  const pushGridMs = options.pushGridMs ?? PUSH_GRID_MS
  const pingRate = options.pingRatePerSec ?? 2
  const pingBurst = options.pingBurst ?? 10
  const authBurst = options.authFailureBurst ?? 20

  const agents = new Map<string, Registered>()
  const keys = new Map<string, { agentId: string; hash: string }>()
  const live = new Map<string, Live>()
  const histories = new Map<string, History>()
  const pingBuckets = new Map<string, Bucket>()
  const authFailures = new Map<string, Bucket>()
  const seenDirty = new Map<string, number>()
  const usedDirty = new Map<string, number>()
  /** Agents with an update not yet pushed, and when it may go. */
  const pending = new Map<string, number>()
  let cancelFlush: (() => void) | null = null
  let flushAt = Infinity
  let online = 0

  const view = (a: Registered): HostAgent => {
    const l = live.get(a.agent_id)
    return {
      agent_id: a.agent_id,
      agent_name: a.agent_name,
      pool_id: a.pool_id,
      tags: a.tags,
      created_at: a.created_at,
      last_seen_at: a.last_seen_at,
      online: l !== undefined && !l.offline,
      credentials: [...a.credentials.values()].map((c) => ({ app_key: c.app_key, created_at: c.created_at, last_used_at: c.last_used_at })),
    }
  }

  const issue = (agentId: string): { stored: StoredCredential; issued: IssuedCredential } => {
    const app_key = newKey()
    const app_secret = newSecret()
    const created_at = now()
    return {
      stored: { app_key, agent_id: agentId, secret_sha256: sha256Hex(app_secret), created_at, last_used_at: null },
      issued: { agent_id: agentId, app_key, app_secret, created_at },
    }
  }

  const indexCredential = (a: Registered, c: StoredCredential): void => {
    a.credentials.set(c.app_key, c)
    keys.set(c.app_key, { agentId: a.agent_id, hash: c.secret_sha256.toLowerCase() })
  }

  const publishAgent = (a: Registered): void => {
    hub.publish('host_agent_update', poolTopic(a.pool_id), { agent: view(a), timestamp: now() })
  }

  const scheduleFlush = (at: number): void => {
    if (at >= flushAt) return
    cancelFlush?.()
    flushAt = at
    cancelFlush = setTimer(
      () => {
        cancelFlush = null
        flushAt = Infinity
        state.flush()
      },
      Math.max(0, at - now()),
    )
  }

  const recordHistory = (agentId: string, t: number, m: AgentMetrics): void => {
    let h = histories.get(agentId)
    if (!h) {
      h = {
        at: new Float64Array(HISTORY_SLOTS),
        cpu: new Float32Array(HISTORY_SLOTS),
        mem: new Float32Array(HISTORY_SLOTS),
        tasks: new Uint16Array(HISTORY_SLOTS),
        newest: 0,
      }
      histories.set(agentId, h)
    }
    const i = slotOf(t) % HISTORY_SLOTS
    h.at[i] = t
    h.cpu[i] = m.cpu_usage
    h.mem[i] = m.memory_usage
    h.tasks[i] = m.running_tasks.length
    h.newest = t
  }

  const setOnline = (l: Live, isOnline: boolean): void => {
    if (l.offline === !isOnline) return
    l.offline = !isOnline
    online += isOnline ? 1 : -1
  }

  const markOffline = (agentId: string, l: Live): void => {
    setOnline(l, false)
    pending.delete(agentId)
    l.metrics = { ...l.metrics, status: 'offline' }
    hub.publish('agent_offline', poolTopic(l.metrics.pool_id), {
      pool_id: l.metrics.pool_id,
      metrics: { agent_id: agentId, status: 'offline', last_update_time: iso(l.lastSeenAt) },
    })
  }

  const forget = (agentId: string): void => {
    const l = live.get(agentId)
    if (l && !l.offline) online--
    live.delete(agentId)
    pending.delete(agentId)
    pingBuckets.delete(agentId)
  }

  const state: HostState = {
    authenticate(agentId, appKey, appSecret, clientAddress) {
      const t = now()
      const failures = authFailures.get(clientAddress)
      if (failures) {
        const wait = takeToken({ ...failures }, t, 1, authBurst)
        if (wait > 0) return { ok: false, code: 'SWB_RATE_LIMITED', retryAfterSec: wait, result: 'rate_limited' }
      }
      const failed = (code: ErrorCode, result: 'unauthorized' | 'forbidden'): AuthResult => {
        let b = authFailures.get(clientAddress)
        if (!b) authFailures.set(clientAddress, (b = { tokens: authBurst, at: t }))
        takeToken(b, t, 1, authBurst)
        return { ok: false, code, result }
      }
      if (!appKey || !appSecret) return failed('SWB_HOST_AUTH_MISSING', 'unauthorized')
      const cred = keys.get(appKey)
      if (!cred || appSecret.length > 256 || !sameDigest(cred.hash, sha256Hex(appSecret))) return failed('SWB_HOST_AUTH_INVALID', 'unauthorized')
      if (cred.agentId !== agentId) return failed('SWB_HOST_AUTH_FORBIDDEN', 'forbidden')
      const c = agents.get(agentId)?.credentials.get(appKey)
      if (c) {
        c.last_used_at = t
        usedDirty.set(appKey, t)
      }
      return { ok: true }
    },

    admit(agentId) {
      const t = now()
      let b = pingBuckets.get(agentId)
      if (!b) pingBuckets.set(agentId, (b = { tokens: pingBurst, at: t }))
      return takeToken(b, t, pingRate, pingBurst)
    },

    ping(agentId, body) {
      const a = agents.get(agentId)
      if (!a) return { offlineAfterSec: offlineAfterMs(rule, body.interval_sec) / 1000 }
      const t = now()
      const metrics: AgentMetrics = {
        agent_id: agentId,
        agent_name: a.agent_name,
        cpu_usage: body.cpu_usage,
        memory_usage: body.memory_usage,
        running_tasks: body.running_tasks,
        last_update_time: iso(t),
        status: body.status,
        pool_id: a.pool_id,
        tags: a.tags,
      }
      const after = offlineAfterMs(rule, body.interval_sec)
      let l = live.get(agentId)
      const wasOnline = l !== undefined && !l.offline
      if (!l) {
        l = { metrics, lastSeenAt: t, offlineAfterMs: after, offline: true, lastPushedAt: -Infinity }
        live.set(agentId, l)
      }
      l.metrics = metrics
      l.lastSeenAt = t
      l.offlineAfterMs = after
      a.last_seen_at = t
      seenDirty.set(agentId, t)
      recordHistory(agentId, t, metrics)
      if (body.status === 'offline') {
        // An agent saying goodbye is offline now, not in three intervals.
        setOnline(l, true)
        markOffline(agentId, l)
        publishAgent(a)
      } else {
        setOnline(l, true)
        if (!wasOnline) publishAgent(a)
        // Updates wait for the next tick of a shared grid, so those of one moment go out as one
        // batch instead of one write per agent per dashboard; a host is pushed at most once per
        // `minPushMs`.
        const due = Math.ceil(Math.max(t, l.lastPushedAt + minPushMs) / pushGridMs) * pushGridMs
        if (!pending.has(agentId)) pending.set(agentId, due)
        scheduleFlush(due)
      }
      return { offlineAfterSec: after / 1000 }
    },

    flush() {
      const t = now()
      const byPool = new Map<string, BatchItem[]>()
      let next = Infinity
      for (const [agentId, due] of pending) {
        if (due > t) {
          next = Math.min(next, due)
          continue
        }
        pending.delete(agentId)
        const l = live.get(agentId)
        if (!l || l.offline) continue
        l.lastPushedAt = t
        const pool = l.metrics.pool_id
        let items = byPool.get(pool)
        if (!items) byPool.set(pool, (items = []))
        items.push({ type: 'metrics_update', data: { pool_id: pool, metrics: l.metrics } })
      }
      for (const [pool, items] of byPool) hub.publishBatch(poolTopic(pool), items)
      if (next < Infinity) scheduleFlush(next)
    },

    sweep() {
      const t = now()
      for (const [agentId, l] of live) {
        if (!l.offline && isOffline(l.lastSeenAt, l.offlineAfterMs, t)) {
          markOffline(agentId, l)
          const a = agents.get(agentId)
          if (a) publishAgent(a)
        }
        if (isStale(l.lastSeenAt, t, ttlMs)) forget(agentId)
      }
      for (const [agentId, h] of histories) if (t - h.newest > HISTORY_SLOTS * HISTORY_SLOT_MS) histories.delete(agentId)
      for (const [address, b] of authFailures) if (t - b.at > authBurst * 1000) authFailures.delete(address)
      for (const [agentId, b] of pingBuckets) if (t - b.at > (pingBurst / pingRate) * 1000 && !live.has(agentId)) pingBuckets.delete(agentId)
    },

    list() {
      return [...agents.values()].map(view)
    },
    get(agentId) {
      const a = agents.get(agentId)
      return a ? view(a) : null
    },

    async create(input) {
      if (agents.has(input.agent_id)) return null
      const stored: StoredHostAgent = {
        agent_id: input.agent_id,
        agent_name: input.agent_name ?? input.agent_id,
        pool_id: input.pool_id ?? DEFAULT_POOL,
        tags: input.tags ?? [],
        created_at: now(),
        last_seen_at: null,
      }
      const { stored: cred, issued } = issue(stored.agent_id)
      await repository.insertAgent(stored, cred)
      // A concurrent create of the same id lost the race in the store (primary key) and threw.
      const a = registered(stored)
      agents.set(a.agent_id, a)
      indexCredential(a, cred)
      publishAgent(a)
      return { agent: view(a), credential: issued }
    },

    async update(agentId, input) {
      const a = agents.get(agentId)
      if (!a) return null
      const next: StoredHostAgent = {
        ...a,
        agent_name: input.agent_name ?? a.agent_name,
        pool_id: input.pool_id ?? a.pool_id,
        tags: input.tags ?? a.tags,
      }
      await repository.updateAgent(next)
      const oldPool = a.pool_id
      a.agent_name = next.agent_name
      a.pool_id = next.pool_id
      a.tags = next.tags
      const l = live.get(agentId)
      if (l) l.metrics = { ...l.metrics, agent_name: a.agent_name, pool_id: a.pool_id, tags: a.tags }
      if (oldPool !== a.pool_id) {
        hub.publish('host_agent_removed', poolTopic(oldPool), { agent_id: agentId, pool_id: oldPool, timestamp: now() })
      }
      publishAgent(a)
      if (l && !l.offline) {
        pending.set(agentId, now())
        scheduleFlush(now())
      }
      return view(a)
    },

    async remove(agentId) {
      const a = agents.get(agentId)
      if (!a) return false
      await repository.deleteAgent(agentId)
      agents.delete(agentId)
      for (const key of a.credentials.keys()) keys.delete(key)
      forget(agentId)
      histories.delete(agentId)
      seenDirty.delete(agentId)
      hub.publish('host_agent_removed', poolTopic(a.pool_id), { agent_id: agentId, pool_id: a.pool_id, timestamp: now() })
      return true
    },

    async addCredential(agentId) {
      const a = agents.get(agentId)
      if (!a) return null
      const { stored, issued } = issue(agentId)
      await repository.insertCredential(stored)
      indexCredential(a, stored)
      publishAgent(a)
      return issued
    },

    async rotateCredential(agentId, appKey) {
      const a = agents.get(agentId)
      if (!a || !a.credentials.has(appKey)) return null
      const { stored, issued } = issue(agentId)
      await repository.insertCredential(stored, appKey)
      a.credentials.delete(appKey)
      keys.delete(appKey)
      usedDirty.delete(appKey)
      indexCredential(a, stored)
      publishAgent(a)
      return issued
    },

    async revokeCredential(agentId, appKey) {
      const a = agents.get(agentId)
      if (!a || !a.credentials.has(appKey)) return false
      await repository.deleteCredential(appKey)
      a.credentials.delete(appKey)
      keys.delete(appKey)
      usedDirty.delete(appKey)
      publishAgent(a)
      return true
    },

    pools() {
      const byPool = new Map<string, PoolSummary & { cpuSum: number; memSum: number }>()
      for (const a of agents.values()) {
        let p = byPool.get(a.pool_id)
        if (!p) {
          p = { pool_id: a.pool_id, agents: 0, online: 0, offline: 0, running_tasks: 0, avg_cpu: null, avg_memory: null, cpuSum: 0, memSum: 0 }
          byPool.set(a.pool_id, p)
        }
        p.agents++
        const l = live.get(a.agent_id)
        if (l && !l.offline) {
          p.online++
          p.running_tasks += l.metrics.running_tasks.length
          p.cpuSum += l.metrics.cpu_usage
          p.memSum += l.metrics.memory_usage
        } else {
          p.offline++
        }
      }
      return [...byPool.values()]
        .sort((x, y) => x.pool_id.localeCompare(y.pool_id))
        .map(({ cpuSum, memSum, ...p }) => ({
          ...p,
          avg_cpu: p.online > 0 ? Math.round((cpuSum / p.online) * 10) / 10 : null,
          avg_memory: p.online > 0 ? Math.round((memSum / p.online) * 10) / 10 : null,
        }))
    },

    poolAgents(poolId) {
      return [...agents.values()].filter((a) => a.pool_id === poolId).map(view)
    },

    poolMetrics(poolId) {
      const metrics: AgentMetrics[] = []
      for (const a of agents.values()) {
        if (a.pool_id !== poolId) continue
        const l = live.get(a.agent_id)
        if (l) metrics.push(l.metrics)
      }
      return { pool_id: poolId, metrics }
    },

    history(agentId) {
      const h = histories.get(agentId)
      if (!h) return []
      const from = now() - HISTORY_SLOTS * HISTORY_SLOT_MS
      const points: MetricsPoint[] = []
      for (let i = 0; i < HISTORY_SLOTS; i++) {
        const at = h.at[i]!
        if (at > from) points.push([at, Math.round(h.cpu[i]! * 10) / 10, Math.round(h.mem[i]! * 10) / 10, h.tasks[i]!])
      }
      return points.sort((x, y) => x[0] - y[0])
    },

    get onlineCount() {
      return online
    },

    drainTimes() {
      const seen = new Map(seenDirty)
      const used = new Map(usedDirty)
      seenDirty.clear()
      usedDirty.clear()
      return { seen, used }
    },

    restore(data) {
      for (const s of data.agents) agents.set(s.agent_id, registered(s))
      for (const c of data.credentials) {
        const a = agents.get(c.agent_id)
        if (a) indexCredential(a, c)
      }
    },

    dispose() {
      cancelFlush?.()
      cancelFlush = null
      flushAt = Infinity
    },
  }
  return state
}
