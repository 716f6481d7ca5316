import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type {
  AgentMetrics,
  HostAgent,
  MetricsPoint,
  PoolHistoryResponse,
  PoolMetricsResponse,
  PoolSummary,
} from '@shared/agent-hosts'
import { DEFAULT_POOL } from '@shared/agent-hosts'
import type { ServerDataMessages } from '@shared/protocol'
import type { FeedEnvelope, FeedMessageType } from '@/lib/live-messages'
import { sameItems } from '@/lib/same-items'

/** Sparklines cover the last hour. */
export const SERIES_WINDOW_MS = 60 * 60 * 1000
/** Slot width of a sparkline until the server's history names its own. */
const DEFAULT_RESOLUTION_MS = 10_000

/** A registered agent with what it last reported. */
export interface HostView {
  agent: HostAgent
  /** Null until the agent's first ping reaches this page. */
  metrics: AgentMetrics | null
  online: boolean
}

/** The order `localeCompare` gives, with one collator instead of one per comparison. */
const collator = new Intl.Collator()

const byName = (a: HostAgent, b: HostAgent): number =>
  collator.compare(a.agent_name, b.agent_name) || collator.compare(a.agent_id, b.agent_id)

/** The default pool first, the others by name. */
const byPool = (a: string, b: string): number => Number(b === DEFAULT_POOL) - Number(a === DEFAULT_POOL) || collator.compare(a, b)

const NO_HOSTS: HostView[] = []

function summarise(poolId: string, members: HostView[]): PoolSummary {
  const live = members.filter((h) => h.online && h.metrics)
  const online = members.filter((h) => h.online).length
  return {
    pool_id: poolId,
    agents: members.length,
    online,
    offline: members.length - online,
    running_tasks: live.reduce((n, h) => n + (h.metrics?.running_tasks.length ?? 0), 0),
    avg_cpu: mean(live.map((h) => h.metrics?.cpu_usage ?? 0)),
    avg_memory: mean(live.map((h) => h.metrics?.memory_usage ?? 0)),
  }
}

const toPoint = (m: AgentMetrics): MetricsPoint => [Date.parse(m.last_update_time), m.cpu_usage, m.memory_usage, m.running_tasks.length]

/** Mean over online agents that reported; null when none did (seed `PoolSummary` semantics). */
function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length
}

/**
 * Each object is replaced, never mutated, so a row re-renders only when its own agent changed.
 * The appliers return the id of a pool whose snapshot should be fetched (a message about an agent the
 * store does not know yet), or null.
 */
type Appliers = { [K in FeedMessageType<'hosts'>]: (data: ServerDataMessages[K], seq: number) => string | null }

export const useHostsStore = defineStore('hosts', () => {
  /** The registry: every registered agent, online or not. */
  const agents = shallowRef(new Map<string, HostAgent>())
  /** Last metrics per agent id. */
  const metrics = shallowRef(new Map<string, AgentMetrics>())
  /** Sparkline points per agent id: one per slot, the last hour. */
  const series = shallowRef(new Map<string, MetricsPoint[]>())
  /** Pools the server listed, including any without agents. */
  const listedPools = ref<string[]>([])
  const resolutionMs = ref(DEFAULT_RESOLUTION_MS)
  const loaded = ref(false)
  const loadError = shallowRef<Error | null>(null)

  /** `seq` of the last message applied per agent: a snapshot taken before it must not undo it. */
  const appliedSeq = new Map<string, number>()
  /** Pools whose history was loaded; kept in step by live messages from then on. */
  const historyPools = new Set<string>()

  const views = new Map<string, HostView>()

  /** The same object while neither the agent nor its metrics changed, so nothing re-renders for it. */
  function view(agent: HostAgent, known: Map<string, AgentMetrics> = metrics.value): HostView {
    const m = known.get(agent.agent_id) ?? null
    const cached = views.get(agent.agent_id)
    if (cached && cached.agent === agent && cached.metrics === m) return cached
    const next = { agent, metrics: m, online: agent.online }
    views.set(agent.agent_id, next)
    return next
  }

  /**
   * With a thousand agents pinging, the dashboard takes a batch of metrics every second or so. Only
   * the registry decides the order, so it is sorted when the registry changes, not on every batch;
   * a pool whose members and their metrics did not change keeps its list and its summary (the
   * same objects), so only the pools that did change render again.
   */
  const sortedAgents = computed(() => [...agents.value.values()].sort(byName))

  const hostList = computed<HostView[]>(() => {
    const known = metrics.value
    return sortedAgents.value.map((agent) => view(agent, known))
  })

  const poolIds = computed(() => {
    const ids = new Set(listedPools.value)
    for (const a of agents.value.values()) ids.add(a.pool_id)
    return [...ids].sort(byPool)
  })

  let lastByPool = new Map<string, HostView[]>()
  const hostsByPool = computed(() => {
    const next = new Map<string, HostView[]>()
    for (const h of hostList.value) {
      const members = next.get(h.agent.pool_id)
      if (members) members.push(h)
      else next.set(h.agent.pool_id, [h])
    }
    for (const [poolId, members] of next) {
      const before = lastByPool.get(poolId)
      if (before && sameItems(before, members)) next.set(poolId, before)
    }
    lastByPool = next
    return next
  })

  const summaryCache = new Map<string, { members: HostView[]; summary: PoolSummary }>()
  const poolSummaries = computed<PoolSummary[]>(() =>
    poolIds.value.map((poolId) => {
      const members = hostsByPool.value.get(poolId) ?? NO_HOSTS
      const cached = summaryCache.get(poolId)
      if (cached && cached.members === members) return cached.summary
      const summary = summarise(poolId, members)
      summaryCache.set(poolId, { members, summary })
      return summary
    }),
  )

  const allTags = computed(() => [...new Set([...agents.value.values()].flatMap((a) => a.tags))].sort())

  function host(agentId: string): HostView | null {
    const agent = agents.value.get(agentId)
    return agent ? view(agent) : null
  }

  function poolHosts(poolId: string): HostView[] {
    return hostsByPool.value.get(poolId) ?? NO_HOSTS
  }

  function appendPoint(agentId: string, point: MetricsPoint): void {
    if (!Number.isFinite(point[0])) return
    const slot = resolutionMs.value
    const current = series.value.get(agentId) ?? []
    const last = current[current.length - 1]
    if (last && point[0] <= last[0]) return
    // One point per slot, the latest of it: a sparkline does not need every ping of a 1 s agent.
    const sameSlot = last !== undefined && Math.floor(last[0] / slot) === Math.floor(point[0] / slot)
    const next = sameSlot ? [...current.slice(0, -1), point] : [...current, point]
    const from = point[0] - SERIES_WINDOW_MS
    series.value.set(
      agentId,
      next.filter((p) => p[0] >= from),
    )
  }

  /** Set when a pushed message changed the registry; `applyMessage` then tells whoever reads it. */
  let registryChanged = false

  function setAgent(agent: HostAgent): void {
    agents.value.set(agent.agent_id, agent)
    registryChanged = true
  }

  /**
   * Records what an agent reported. A live message also tells whether the agent is online; in a
   * snapshot the registry's own `online` decides (an offline agent's last metrics may still be there).
   */
  function setMetrics(m: AgentMetrics, live: boolean): void {
    const before = metrics.value.get(m.agent_id)
    metrics.value.set(m.agent_id, m)
    const agent = agents.value.get(m.agent_id)
    const seenAt = Date.parse(m.last_update_time)
    const online = live ? m.status !== 'offline' : (agent?.online ?? false)
    // The registry entry changes when the agent comes or goes, not on every ping: while it is online
    // its metrics tell when it last pinged (see `lastSeen`), and the registry's order and pools,
    // which every page sorts and groups by, stay as they were.
    if (live && agent && agent.online !== online) {
      setAgent({ ...agent, online, last_seen_at: Number.isFinite(seenAt) ? seenAt : agent.last_seen_at })
    }
    if (online && m.status !== 'offline' && before?.last_update_time !== m.last_update_time) appendPoint(m.agent_id, toPoint(m))
  }

  function isNewer(agentId: string, seq: number): boolean {
    return (appliedSeq.get(agentId) ?? -1) <= seq
  }

  /**
   * Replaces everything with fresh pool snapshots, except what a live message changed after the
   * snapshot was taken.
   */
  function replaceSnapshot(pools: string[], snapshots: PoolMetricsResponse[]): void {
    const nextAgents = new Map<string, HostAgent>()
    const nextMetrics = new Map<string, AgentMetrics>()
    const snapshotSeq = new Map<string, number>()
    for (const snap of snapshots) {
      for (const a of snap.agents) {
        nextAgents.set(a.agent_id, a)
        snapshotSeq.set(a.agent_id, snap.seq)
      }
      for (const m of snap.metrics) nextMetrics.set(m.agent_id, m)
    }
    const newest = Math.max(-1, ...snapshots.map((s) => s.seq))
    for (const [id, seq] of appliedSeq) {
      if (seq <= (snapshotSeq.get(id) ?? newest)) continue
      const agent = agents.value.get(id)
      const m = metrics.value.get(id)
      if (agent) nextAgents.set(id, agent)
      else nextAgents.delete(id)
      if (m) nextMetrics.set(id, m)
    }

    agents.value = nextAgents
    metrics.value = new Map()
    for (const id of views.keys()) if (!nextAgents.has(id)) views.delete(id)
    for (const m of nextMetrics.values()) setMetrics(m, false)
    for (const id of series.value.keys()) if (!nextAgents.has(id)) series.value.delete(id)
    listedPools.value = pools
    loaded.value = true
    loadError.value = null
    triggerRef(agents)
    triggerRef(metrics)
    triggerRef(series)
  }

  /** One pool's snapshot, e.g. after a message about an agent this page had not seen yet. */
  function replacePool(snap: PoolMetricsResponse): void {
    for (const [id, a] of agents.value) {
      if (a.pool_id === snap.pool_id && isNewer(id, snap.seq) && !snap.agents.some((x) => x.agent_id === id)) {
        agents.value.delete(id)
      }
    }
    for (const a of snap.agents) if (isNewer(a.agent_id, snap.seq)) agents.value.set(a.agent_id, a)
    for (const m of snap.metrics) if (isNewer(m.agent_id, snap.seq)) setMetrics(m, false)
    triggerRef(agents)
    triggerRef(metrics)
    triggerRef(series)
  }

  /** Merges a pool's last hour in front of what live messages already appended. */
  function applyHistory(history: PoolHistoryResponse): void {
    if (history.resolution_sec > 0) resolutionMs.value = history.resolution_sec * 1000
    for (const [id, points] of Object.entries(history.agents)) {
      const lastOld = points[points.length - 1]?.[0] ?? -Infinity
      const live = (series.value.get(id) ?? []).filter((p) => p[0] > lastOld)
      series.value.set(id, [...points, ...live])
    }
    historyPools.add(history.pool_id)
    triggerRef(series)
  }

  function hasHistory(poolId: string): boolean {
    return historyPools.has(poolId)
  }

  function historyPoolIds(): string[] {
    return [...historyPools]
  }

  function upsertAgent(agent: HostAgent): void {
    agents.value.set(agent.agent_id, agent)
    triggerRef(agents)
  }

  function patchAgent(agentId: string, patch: (agent: HostAgent) => HostAgent): void {
    const agent = agents.value.get(agentId)
    if (agent) upsertAgent(patch(agent))
  }

  function removeAgent(agentId: string): void {
    views.delete(agentId)
    agents.value.delete(agentId)
    metrics.value.delete(agentId)
    series.value.delete(agentId)
    triggerRef(agents)
    triggerRef(metrics)
    triggerRef(series)
  }

  const appliers: Appliers = {
    initial_metrics: ({ pool_id, metrics: list }, seq) => {
      for (const m of list) {
        setMetrics(m, true)
        appliedSeq.set(m.agent_id, seq)
      }
      return list.some((m) => !agents.value.has(m.agent_id)) ? pool_id : null
    },
    metrics_update: ({ pool_id, metrics: m }, seq) => {
      setMetrics(m, true)
      appliedSeq.set(m.agent_id, seq)
      return agents.value.has(m.agent_id) ? null : pool_id
    },
    agent_offline: ({ pool_id, metrics: m }, seq) => {
      appliedSeq.set(m.agent_id, seq)
      const before = metrics.value.get(m.agent_id)
      if (before) {
        metrics.value.set(m.agent_id, { ...before, status: 'offline', last_update_time: m.last_update_time ?? before.last_update_time })
      }
      const agent = agents.value.get(m.agent_id)
      if (!agent) return pool_id
      const seenAt = m.last_update_time ? Date.parse(m.last_update_time) : agent.last_seen_at
      setAgent({ ...agent, online: false, last_seen_at: seenAt })
      return null
    },
    host_agent_update: ({ agent }, seq) => {
      appliedSeq.set(agent.agent_id, seq)
      setAgent(agent)
      return null
    },
    host_agent_removed: ({ agent_id, pool_id }, seq) => {
      // A move to another pool is announced as a removal from the old one: the update for the new
      // pool may already be here.
      if (agents.value.get(agent_id)?.pool_id !== pool_id) return null
      appliedSeq.set(agent_id, seq)
      // Metrics and sparkline stay until the next snapshot: a moved agent comes back with them.
      agents.value.delete(agent_id)
      registryChanged = true
      return null
    },
  }

  /** Applies one pushed message; returns a pool whose snapshot should be fetched, or null. */
  function applyMessage(message: FeedEnvelope<'hosts'>): string | null {
    const apply = appliers[message.type] as (data: FeedEnvelope<'hosts'>['data'], seq: number) => string | null
    registryChanged = false
    const reload = apply(message.data, message.seq)
    if (registryChanged) triggerRef(agents)
    triggerRef(metrics)
    triggerRef(series)
    return reload
  }

  function reset(): void {
    agents.value = new Map()
    metrics.value = new Map()
    series.value = new Map()
    listedPools.value = []
    loaded.value = false
    loadError.value = null
    appliedSeq.clear()
    historyPools.clear()
    views.clear()
  }

  return {
    agents,
    metrics,
    series,
    resolutionMs,
    loaded,
    loadError,
    hostList,
    poolIds,
    poolSummaries,
    allTags,
    host,
    poolHosts,
    replaceSnapshot,
    replacePool,
    applyHistory,
    hasHistory,
    historyPoolIds,
    upsertAgent,
    patchAgent,
    removeAgent,
    applyMessage,
    reset,
  }
})
