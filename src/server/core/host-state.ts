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
import { isoTime } from './iso-time.js'

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

/**
 * Everything kept about one registered agent, in one record: a ping finds it with one
 * lookup (by its app key) instead of one per map, and marks it for saving and pushing with flags
 * and lists instead of map writes. At thousands of pings a second, lookups in maps of a thousand
 * string keys were the largest share of a ping's own cost (see docs/benchmarks.md).
 */
interface Registered extends StoredHostAgent {
  credentials: Map<string, StoredCredential>
  /** Latest metrics; null before the first ping and once they are cleaned up. */
  live: Live | null
  /** The last hour at heartbeat resolution; null when nothing is left in it. */
  history: History | null
  /** Flood control; null until the first ping and once idle long enough to be full again. */
  bucket: Bucket | null
  /** When the pending push may go out; 0 when none is pending. */
  pushDue: number
  /** Whether the record is in the list of pending pushes (it may be there with none pending). */
  queued: boolean
  /** Whether `last_seen_at` changed since the last `drainTimes`. */
  seenDirty: boolean
  /** Set once the agent is deleted: lists it is still in skip it. */
  removed: boolean
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
  live: null,
  history: null,
  bucket: null,
  pushDue: 0,
  queued: false,
  seenDirty: false,
  removed: false,
})

/** An app key's entry: its agent's record and the hash its secret must match. */
interface KeyEntry {
  host: Registered
  credential: StoredCredential
  /** The stored hash, lower-cased once. */
  hash: string
  /** Whether `credential.last_used_at` changed since the last `drainTimes`. */
  usedDirty: boolean
}

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
  const keys = new Map<string, KeyEntry>()
  const authFailures = new Map<string, Bucket>()
  /** Records with `seenDirty` set, and key entries with `usedDirty` set. */
  let seenList: Registered[] = []
  let usedList: KeyEntry[] = []
  /** Records that may have a push pending (`queued`), in the order they were queued. */
  let pendingList: Registered[] = []
  // The agent a request authenticated as, so the flood check and the ping that follow at once
  // do not look it up again. A request's id is one string object, so the check is a pointer test.
  let lastId: string | null = null
  let lastHost: Registered | null = null
  const host = (agentId: string): Registered | undefined => {
    if (agentId === lastId) return lastHost!
    return agents.get(agentId)
  }
  let cancelFlush: (() => void) | null = null
  let flushAt = Infinity
  let online = 0

  const view = (a: Registered): HostAgent => {
    const l = a.live
    return {
      agent_id: a.agent_id,
      agent_name: a.agent_name,
      pool_id: a.pool_id,
      tags: a.tags,
      created_at: a.created_at,
      last_seen_at: a.last_seen_at,
      online: l !== null && !l.offline,
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
    keys.set(c.app_key, { host: a, credential: c, hash: c.secret_sha256.toLowerCase(), usedDirty: false })
  }

  const dropCredential = (a: Registered, appKey: string): void => {
    a.credentials.delete(appKey)
    keys.delete(appKey)
  }

  const queuePush = (a: Registered, due: number): void => {
    a.pushDue = due
    if (!a.queued) {
      a.queued = true
      pendingList.push(a)
    }
  }

  /**
   * How long after a ping an agent is shown offline: the missed intervals, but never longer than
   * its metrics are kept (seed 003's five minutes). Otherwise an agent pinging every two minutes
   * would have its metrics dropped while still shown online, and leave without an `agent_offline`.
   */
  const silenceAllowedMs = (intervalSec: number | undefined): number => Math.min(offlineAfterMs(rule, intervalSec), ttlMs)

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

  const recordHistory = (a: Registered, t: number, m: AgentMetrics): void => {
    let h = a.history
    if (!h) {
      h = {
        at: new Float64Array(HISTORY_SLOTS),
        cpu: new Float32Array(HISTORY_SLOTS),
        mem: new Float32Array(HISTORY_SLOTS),
        tasks: new Uint16Array(HISTORY_SLOTS),
        newest: 0,
      }
      a.history = h
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

  const markOffline = (a: Registered, l: Live): void => {
    setOnline(l, false)
    a.pushDue = 0
    l.metrics = { ...l.metrics, status: 'offline' }
    hub.publish('agent_offline', poolTopic(l.metrics.pool_id), {
      pool_id: l.metrics.pool_id,
      metrics: { agent_id: a.agent_id, status: 'offline', last_update_time: isoTime(l.lastSeenAt) },
    })
  }

  const forget = (a: Registered): void => {
    const l = a.live
    if (l && !l.offline) online--
    a.live = null
    a.pushDue = 0
    a.bucket = null
  }

  const state: HostState = {
    authenticate(agentId, appKey, appSecret, clientAddress) {
      const t = now()
      const failures = authFailures.size > 0 ? authFailures.get(clientAddress) : undefined
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
      const entry = keys.get(appKey)
      if (!entry || appSecret.length > 256 || !sameDigest(entry.hash, sha256Hex(appSecret))) return failed('SWB_HOST_AUTH_INVALID', 'unauthorized')
      if (entry.host.agent_id !== agentId) return failed('SWB_HOST_AUTH_FORBIDDEN', 'forbidden')
      entry.credential.last_used_at = t
      if (!entry.usedDirty) {
        entry.usedDirty = true
        usedList.push(entry)
      }
      lastId = agentId
      lastHost = entry.host
      return { ok: true }
    },

    admit(agentId) {
      const a = host(agentId)
      if (!a) return 0
      const t = now()
      let b = a.bucket
      if (!b) a.bucket = b = { tokens: pingBurst, at: t }
      return takeToken(b, t, pingRate, pingBurst)
    },

    ping(agentId, body) {
      const a = host(agentId)
      if (!a) return { offlineAfterSec: silenceAllowedMs(body.interval_sec) / 1000 }
      const t = now()
      const metrics: AgentMetrics = {
        // The record's own id: the request's copy would be kept alive until the next ping.
        agent_id: a.agent_id,
        agent_name: a.agent_name,
        cpu_usage: body.cpu_usage,
        memory_usage: body.memory_usage,
        running_tasks: body.running_tasks,
        last_update_time: isoTime(t),
        status: body.status,
        pool_id: a.pool_id,
        tags: a.tags,
      }
      const after = silenceAllowedMs(body.interval_sec)
      let l = a.live
      const wasOnline = l !== null && !l.offline
      if (!l) a.live = l = { metrics, lastSeenAt: t, offlineAfterMs: after, offline: true, lastPushedAt: -Infinity }
      l.metrics = metrics
      l.lastSeenAt = t
      l.offlineAfterMs = after
      a.last_seen_at = t
      if (!a.seenDirty) {
        a.seenDirty = true
        seenList.push(a)
      }
      recordHistory(a, t, metrics)
      if (body.status === 'offline') {
        // An agent saying goodbye is offline now, not in three intervals.
        setOnline(l, true)
        markOffline(a, l)
        publishAgent(a)
      } else {
        setOnline(l, true)
        if (!wasOnline) publishAgent(a)
        // Updates wait for the next tick of a shared grid, so those of one moment go out as one
        // batch instead of one write per agent per dashboard; a host is pushed at most once per
        // `minPushMs`.
        if (a.pushDue === 0) queuePush(a, Math.ceil(Math.max(t, l.lastPushedAt + minPushMs) / pushGridMs) * pushGridMs)
        scheduleFlush(a.pushDue)
      }
      return { offlineAfterSec: after / 1000 }
    },

    flush() {
      const t = now()
      const byPool = new Map<string, BatchItem[]>()
      let next = Infinity
      const queued = pendingList
      pendingList = []
      for (const a of queued) {
        const due = a.pushDue
        if (due === 0 || a.removed) {
          a.queued = false
          continue
        }
        if (due > t) {
          next = Math.min(next, due)
          pendingList.push(a)
          continue
        }
        a.pushDue = 0
        a.queued = false
        const l = a.live
        if (!l || l.offline) continue
        // The tick it was due on, not when the timer fired: counted from a late timer, the next
        // allowed push would fall just after the next tick and wait for the one after it.
        l.lastPushedAt = due
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
      for (const a of agents.values()) {
        const l = a.live
        if (l) {
          if (!l.offline && isOffline(l.lastSeenAt, l.offlineAfterMs, t)) {
            markOffline(a, l)
            publishAgent(a)
          }
          if (isStale(l.lastSeenAt, t, ttlMs)) forget(a)
        }
        if (a.history && t - a.history.newest > HISTORY_SLOTS * HISTORY_SLOT_MS) a.history = null
        if (a.bucket && !a.live && t - a.bucket.at > (pingBurst / pingRate) * 1000) a.bucket = null
      }
      for (const [address, b] of authFailures) if (t - b.at > authBurst * 1000) authFailures.delete(address)
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
        agent_id: a.agent_id,
        agent_name: input.agent_name ?? a.agent_name,
        pool_id: input.pool_id ?? a.pool_id,
        tags: input.tags ?? a.tags,
        created_at: a.created_at,
        last_seen_at: a.last_seen_at,
      }
      await repository.updateAgent(next)
      const oldPool = a.pool_id
      a.agent_name = next.agent_name
      a.pool_id = next.pool_id
      a.tags = next.tags
      const l = a.live
      if (l) l.metrics = { ...l.metrics, agent_name: a.agent_name, pool_id: a.pool_id, tags: a.tags }
      if (oldPool !== a.pool_id) {
        hub.publish('host_agent_removed', poolTopic(oldPool), { agent_id: agentId, pool_id: oldPool, timestamp: now() })
      }
      publishAgent(a)
      if (l && !l.offline) {
        queuePush(a, now())
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
      forget(a)
      a.removed = true
      if (lastHost === a) lastId = lastHost = null
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
      dropCredential(a, appKey)
      indexCredential(a, stored)
      publishAgent(a)
      return issued
    },

    async revokeCredential(agentId, appKey) {
      const a = agents.get(agentId)
      if (!a || !a.credentials.has(appKey)) return false
      await repository.deleteCredential(appKey)
      dropCredential(a, appKey)
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
        const l = a.live
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
        const l = a.live
        if (l) metrics.push(l.metrics)
      }
      return { pool_id: poolId, metrics }
    },

    history(agentId) {
      const h = agents.get(agentId)?.history
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
      const seen = new Map<string, number>()
      const used = new Map<string, number>()
      for (const a of seenList) {
        a.seenDirty = false
        if (!a.removed && a.last_seen_at !== null) seen.set(a.agent_id, a.last_seen_at)
      }
      for (const e of usedList) {
        e.usedDirty = false
        // A key revoked since it was used has no row left to update.
        if (keys.get(e.credential.app_key) === e && e.credential.last_used_at !== null) used.set(e.credential.app_key, e.credential.last_used_at)
      }
      seenList = []
      usedList = []
      return { seen, used }
    },

    restore(data) {
      lastId = lastHost = null
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
