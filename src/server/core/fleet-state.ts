/**
 * Fleet state: folds domain events into per-agent facts, judges them with the pure rules, and
 * turns every change of a read model into outbound messages. It owns no I/O: persistence, the
 * clock, timers and the hub are passed in.
 */
import { gzipSync } from 'node:zlib'
import type { AgentModelStatus, ModelStatus, ModelSwitchEvent } from '../../shared/model-status.js'
import type { FallbackDecisionEvent, OpenClawEvent } from './events.js'
import {
  FACT_WINDOW,
  applyAttempt,
  applyAuthState,
  applyConfigured,
  applyDecision,
  applyModelChanged,
  createAgentFacts,
  encodeFacts,
  encodeWithBody,
  readSavedFacts,
  type SavedText,
  withBody,
  type FactsHead,
  type AgentFacts,
} from './agent-facts.js'
import { computeAgentStatus, deriveSwitches, mergeOutcomes, mergeSwitchHistory, nextExpiry } from './model-status.rules.js'
import type { IngestBatch } from '../sources/source.js'
import type { FleetChanges, FleetSnapshot } from '../store/fleet.repository.js'
import type { Hub } from '../ws/hub.js'
import { agentTopic } from '../../shared/protocol.js'

/** Log lines that name a session not yet known to belong to an agent wait here. Default is 5000. */
const PENDING_LIMIT = 5000
const PENDING_KEY = 'openclaw.pending_decisions'

export interface FleetStateOptions {
  now: () => number
  hub: Hub
  /** Schedules a callback (the next cooldown expiry); returns a canceller. */
  setTimer?: (fn: () => void, ms: number) => () => void
  /** How often agents are judged while not live. Default is 1000. */
  quietRecomputeMs?: number
  /** Told when the saved rest of an agent's facts cannot be read; the agent goes on from its head. */
  onUnreadableFacts?: (agentId: string, err: unknown) => void
}

export interface IngestStats {
  events: number
  /** Events by kind: after a restart from checkpoints only current-state kinds should appear. */
  eventsByKind: Record<string, number>
  rejected: number
  bytesRead: number
  batches: number
}

export interface FleetState {
  restore(snapshot: FleetSnapshot): void
  /** Folds a batch and publishes what changed (in live mode; see `setLive`). */
  apply(batch: IngestBatch): void
  /**
   * Live mode (the default) judges and publishes after every batch. Off, during a first read of a
   * large history, batches are only folded and judged at most every `quietRecomputeMs`, with one
   * `agent_update` per agent: per-model messages about history nobody watched are not worth sending.
   * Turning it on judges everything pending and publishes it.
   */
  setLive(live: boolean): void
  /** Re-judges agents whose status depends on time (cooldown ends). */
  tick(): void
  /** Every agent's whole read model (auth profiles included). */
  list(): { agents: AgentModelStatus[]; lastUpdate: number; seq: number }
  /**
   * The list as `GET /api/agents/model-statuses` serves it, JSON-encoded once per change. `summary`
   * leaves out each agent's `authProfiles` (a third of the bytes; the per-agent endpoint has them).
   */
  listEncoded(variant?: ListVariant): string
  /** The same as bytes (encoded once per change, not per request) and gzip-compressed. */
  listCompressed(variant?: ListVariant): { raw: Buffer; gzip: Buffer; version: number }
  /** Changes whenever the list does. */
  readonly listVersion: number
  get(agentId: string): AgentModelStatus | undefined
  getEncoded(agentId: string): string | undefined
  checkpoints(): ReadonlyMap<string, unknown>
  /** Takes (and clears) what must be saved. Facts are encoded now, so later folding can't alter them. */
  drainChanges(): FleetChanges | null
  /** Puts back changes whose save failed, so the next save retries them. */
  requeue(changes: FleetChanges): void
  readonly stats: IngestStats
  readonly agentCount: number
  dispose(): void
}

export type ListVariant = 'summary' | 'full'

interface AgentEntry {
  /**
   * The agent's facts. After a restore only their head is read (`head`) and the rest waits as
   * it was saved (`savedBody`) until something needs it: use `factsOf`.
   */
  facts: AgentFacts | null
  /** The facts' head: `facts` itself once they are read whole. */
  head: FactsHead
  savedBody: SavedText | null
  view: AgentModelStatus | null
  encoded: string | null
  /** `encoded` without `authProfiles`, made when a summary list first needs it. */
  summary: string | null
  modelEncoded: Map<string, string>
  /** Records folded since switches were last derived (see `noteRecord`). */
  sinceDerived: number
  /** When `view` was judged; null for a view restored without that time (judged again at the next tick). */
  judgedAt: number | null
}

export function createFleetState(options: FleetStateOptions): FleetState {
  const { now, hub } = options
  const agents = new Map<string, AgentEntry>()
  const sessionToAgent = new Map<string, string>()
  let pending: FallbackDecisionEvent[] = []
  const checkpoints = new Map<string, unknown>()

  const dirty = new Set<string>()
  const unsavedAgents = new Set<string>()
  const removedAgents = new Set<string>()
  const unsavedCheckpoints = new Map<string, unknown>()
  let unsavedPending = false
  // Pending switch writes, by id: the latest word on each switch wins (added then removed is removed).
  const addedSwitches = new Map<string, ModelSwitchEvent>()
  const removedSwitches = new Set<string>()
  interface ListCache {
    json: string | null
    raw: Buffer | null
    gzip: Buffer | null
  }
  const listCaches: Record<ListVariant, ListCache> = {
    summary: { json: null, raw: null, gzip: null },
    full: { json: null, raw: null, gzip: null },
  }
  let listVersion = 0
  const invalidateList = (): void => {
    for (const c of Object.values(listCaches)) {
      c.json = null
      c.raw = null
      c.gzip = null
    }
    listVersion++
  }
  let lastUpdate = 0
  let cancelTimer: (() => void) | null = null
  let live = true
  let lastQuietRecompute = 0
  const stats: IngestStats = { events: 0, eventsByKind: {}, rejected: 0, bytesRead: 0, batches: 0 }

  const entry = (agentId: string): AgentEntry => {
    let e = agents.get(agentId)
    if (!e) {
      const facts = createAgentFacts(agentId)
      e = { facts, head: facts, savedBody: null, view: null, encoded: null, summary: null, modelEncoded: new Map(), sinceDerived: 0, judgedAt: null }
      agents.set(agentId, e)
      removedAgents.delete(agentId)
    }
    return e
  }

  /** Entries whose saved facts are not read whole yet. */
  let unread = 0
  const factsOf = (e: AgentEntry): AgentFacts => {
    if (e.facts) return e.facts
    let facts: AgentFacts
    try {
      facts = withBody(e.head, e.savedBody!)
    } catch (err) {
      // A damaged row: the agent keeps its config and auth state, and its windows fill again.
      facts = { ...createAgentFacts(e.head.agentId), ...e.head }
      stats.rejected++
      options.onUnreadableFacts?.(e.head.agentId, err)
    }
    e.facts = facts
    e.head = facts
    e.savedBody = null
    unread--
    for (const a of facts.attempts) if (!sessionToAgent.has(a.sessionId)) sessionToAgent.set(a.sessionId, facts.agentId)
    return facts
  }
  /** The agent a session belongs to. Saved facts not read yet may know it: a miss reads them all, once. */
  const agentOfSession = (sessionId: string): string | undefined => {
    const known = sessionToAgent.get(sessionId)
    if (known !== undefined || unread === 0) return known
    for (const e of agents.values()) factsOf(e)
    return sessionToAgent.get(sessionId)
  }

  const mark = (agentId: string): void => {
    dirty.add(agentId)
    unsavedAgents.add(agentId)
  }

  const applyDecisionTo = (agentId: string, d: FallbackDecisionEvent): void => {
    if (applyDecision(factsOf(entry(agentId)), d)) {
      mark(agentId)
      noteRecord(agentId)
    }
  }

  const resolvePending = (sessionId: string, agentId: string): void => {
    if (pending.length === 0) return
    const rest: FallbackDecisionEvent[] = []
    for (const d of pending) {
      if (d.sessionId === sessionId || d.runId === sessionId) applyDecisionTo(agentId, { ...d, agentId })
      else rest.push(d)
    }
    if (rest.length !== pending.length) {
      pending = rest
      unsavedPending = true
    }
  }

  const applyEvent = (e: OpenClawEvent): void => {
    switch (e.kind) {
      case 'agent_configured':
        if (applyConfigured(entry(e.agentId).head, e)) mark(e.agentId)
        break
      case 'agent_removed':
        if (agents.get(e.agentId)?.facts === null) unread--
        if (agents.delete(e.agentId)) {
          removedAgents.add(e.agentId)
          unsavedAgents.delete(e.agentId)
          dirty.delete(e.agentId)
          invalidateList()
          hub.publish('agent_removed', agentTopic(e.agentId), { agentId: e.agentId, timestamp: now() })
        }
        break
      case 'session_seen':
        if (sessionToAgent.get(e.sessionId) !== e.agentId) {
          sessionToAgent.set(e.sessionId, e.agentId)
          entry(e.agentId)
          resolvePending(e.sessionId, e.agentId)
        }
        break
      case 'model_attempt':
        if (!sessionToAgent.has(e.sessionId)) {
          sessionToAgent.set(e.sessionId, e.agentId)
          resolvePending(e.sessionId, e.agentId)
        }
        if (applyAttempt(factsOf(entry(e.agentId)), e)) {
          mark(e.agentId)
          noteRecord(e.agentId)
        }
        break
      case 'model_changed':
        if (applyModelChanged(factsOf(entry(e.agentId)), e)) {
          mark(e.agentId)
          noteRecord(e.agentId)
        }
        break
      case 'fallback_decision': {
        const agentId =
          e.agentId ??
          (e.sessionId ? agentOfSession(e.sessionId) : undefined) ??
          (e.runId ? agentOfSession(e.runId) : undefined)
        if (agentId) applyDecisionTo(agentId, e)
        else {
          pending.push(e)
          if (pending.length > PENDING_LIMIT) pending.splice(0, pending.length - PENDING_LIMIT)
          unsavedPending = true
        }
        break
      }
      case 'auth_state':
        if (applyAuthState(entry(e.agentId).head, e)) mark(e.agentId)
        break
      default: {
        const never: never = e
        void never
      }
    }
  }

  const publishDiff = (agentId: string, e: AgentEntry, added: ModelSwitchEvent[]): void => {
    const view = e.view!
    const ts = now()
    const topic = agentTopic(agentId)
    const prevModels = e.modelEncoded
    const nextModels = new Map<string, string>()
    for (const m of view.allModels) {
      const enc = JSON.stringify(m)
      nextModels.set(m.modelId, enc)
      const before = prevModels.get(m.modelId)
      if (before === enc) continue
      hub.publish('model_status_update', topic, { agentId, modelStatus: m, timestamp: ts })
      const prevError = before ? (JSON.parse(before) as ModelStatus).lastError : null
      if (m.lastError && (!prevError || prevError.timestamp !== m.lastError.timestamp)) {
        hub.publish('model_error', topic, { agentId, modelId: m.modelId, error: m.lastError, timestamp: ts })
      }
    }
    e.modelEncoded = nextModels
    for (const s of [...added].reverse()) hub.publish('model_switch_event', topic, { agentId, switchEvent: s, timestamp: ts })
    hub.publish('agent_update', topic, { agent: view, timestamp: ts })
  }

  /** Derives the switches the window yields now and records what is new, changed or superseded. */
  const deriveInto = (agentId: string, e: AgentEntry, outcomes = mergeOutcomes(factsOf(e))): ModelSwitchEvent[] => {
    e.sinceDerived = 0
    const facts = factsOf(e)
    const merged = mergeSwitchHistory(facts, deriveSwitches(facts, outcomes))
    facts.switchHistory = merged.history
    if (merged.added.length > 0 || merged.removed.length > 0) {
      for (const id of merged.removed) {
        addedSwitches.delete(id)
        removedSwitches.add(id)
      }
      for (const x of merged.added) {
        removedSwitches.delete(x.id)
        addedSwitches.set(x.id, x)
      }
      unsavedAgents.add(agentId)
    }
    return merged.added
  }

  /**
   * The fact window slides: a long read pushes records through it faster than agents are judged.
   * Deriving switches every half window makes every record, and every pair of neighbours, part of
   * one derivation before it leaves, so no switch is missed however large a batch is.
   */
  const noteRecord = (agentId: string): void => {
    const e = agents.get(agentId)
    if (!e) return
    e.sinceDerived++
    if (e.sinceDerived >= FACT_WINDOW / 2) deriveInto(agentId, e)
  }

  /**
   * Judges agents again. New facts also yield switches (`derive`); the clock alone cannot, so a
   * tick only re-judges statuses (a cooldown that ran out) and leaves the switch history as it is.
   */
  const recompute = (ids: Iterable<string>, publish: boolean | 'summary', derive = true): void => {
    const t = now()
    for (const agentId of ids) {
      const e = agents.get(agentId)
      if (!e) continue
      const facts = factsOf(e)
      const outcomes = mergeOutcomes(facts)
      const added = derive ? deriveInto(agentId, e, outcomes) : []
      const view = computeAgentStatus(facts, t, outcomes)
      e.judgedAt = t
      const encoded = JSON.stringify(view)
      if (encoded === e.encoded) continue
      e.view = view
      e.encoded = encoded
      e.summary = null
      invalidateList()
      lastUpdate = t
      if (publish === true) publishDiff(agentId, e, added)
      else {
        e.modelEncoded = new Map(view.allModels.map((m) => [m.modelId, JSON.stringify(m)]))
        if (publish === 'summary') hub.publish('agent_update', agentTopic(agentId), { agent: view, timestamp: t })
      }
    }
    scheduleExpiry()
  }

  const scheduleExpiry = (): void => {
    if (!options.setTimer) return
    const t = now()
    let next: number | null = null
    for (const e of agents.values()) {
      if (!e.view) continue
      const x = nextExpiry(e.view, t)
      if (x !== null && (next === null || x < next)) next = x
    }
    cancelTimer?.()
    cancelTimer = null
    if (next !== null) {
      // A few ms late rather than early: the rule compares with `now` strictly.
      cancelTimer = options.setTimer(() => state.tick(), Math.max(0, next - t) + 5)
    }
  }

  const state: FleetState = {
    restore(snapshot) {
      const unjudged: string[] = []
      for (const savedAgent of snapshot.agents) {
        const saved = readSavedFacts(savedAgent.facts)
        const agentId = saved.head.agentId
        const encoded = snapshot.views.get(agentId) ?? null
        const view = encoded ? (JSON.parse(encoded) as AgentModelStatus) : null
        agents.set(agentId, {
          facts: saved.facts,
          head: saved.head,
          savedBody: saved.body,
          view,
          encoded,
          summary: null,
          modelEncoded: new Map(view ? view.allModels.map((m) => [m.modelId, JSON.stringify(m)]) : []),
          sinceDerived: 0,
          judgedAt: view ? (snapshot.judgedAt?.get(agentId) ?? null) : null,
        })
        if (!view) unjudged.push(agentId)
        if (saved.facts) for (const a of saved.facts.attempts) sessionToAgent.set(a.sessionId, agentId)
        else unread++
      }
      for (const [k, v] of snapshot.checkpoints) checkpoints.set(k, v)
      const saved = snapshot.kv.get(PENDING_KEY)
      if (Array.isArray(saved)) pending = saved as FallbackDecisionEvent[]
      // Saved views are served as they are; `tick()` re-judges them against the clock later.
      invalidateList()
      recompute(unjudged, false)
    },

    apply(batch) {
      stats.batches++
      stats.events += batch.events.length
      stats.rejected += batch.rejected.length
      stats.bytesRead += batch.bytesRead ?? 0
      for (const ev of batch.events) {
        stats.eventsByKind[ev.kind] = (stats.eventsByKind[ev.kind] ?? 0) + 1
        applyEvent(ev)
      }
      for (const [k, v] of Object.entries(batch.checkpoints)) {
        // A restart re-reports positions that did not move: saving them again is wasted work.
        const before = checkpoints.get(k)
        if (before !== undefined && JSON.stringify(before) === JSON.stringify(v)) continue
        checkpoints.set(k, v)
        unsavedCheckpoints.set(k, v)
      }
      if (dirty.size === 0) return
      if (!live) {
        const t = now()
        if (t - lastQuietRecompute < (options.quietRecomputeMs ?? 1000)) return
        lastQuietRecompute = t
      }
      const ids = [...dirty]
      dirty.clear()
      recompute(ids, live ? true : 'summary')
    },

    setLive(on) {
      live = on
      if (on && dirty.size > 0) {
        const ids = [...dirty]
        dirty.clear()
        recompute(ids, 'summary')
      }
    },

    tick() {
      // Only the clock changed: a view changes only where one of its deadlines (a cooldown's end,
      // say) has passed since it was judged. A view restored without its judging time is judged.
      const t = now()
      const due: string[] = []
      for (const [agentId, e] of agents) {
        if (e.view === null || e.judgedAt === null) due.push(agentId)
        else {
          const deadline = nextExpiry(e.view, e.judgedAt)
          if (deadline !== null && deadline <= t) due.push(agentId)
        }
      }
      recompute(due, true, false)
    },

    list() {
      const out: AgentModelStatus[] = []
      for (const e of agents.values()) if (e.view) out.push(e.view)
      out.sort((a, b) => a.agentId.localeCompare(b.agentId))
      return { agents: out, lastUpdate, seq: hub.seq }
    },

    listEncoded(variant = 'summary') {
      const cache = listCaches[variant]
      if (cache.json === null) {
        const parts: string[] = []
        const ids = [...agents.keys()].sort()
        for (const id of ids) {
          const e = agents.get(id)!
          if (!e.encoded || !e.view) continue
          if (variant === 'full') parts.push(e.encoded)
          else parts.push((e.summary ??= JSON.stringify({ ...e.view, authProfiles: undefined })))
        }
        cache.json = `{"agents":[${parts.join(',')}],"lastUpdate":${lastUpdate},"seq":${hub.seq}}`
      }
      return cache.json
    },

    listCompressed(variant = 'summary') {
      const cache = listCaches[variant]
      cache.raw ??= Buffer.from(state.listEncoded(variant))
      // Level 3: on a list of 1,000 agents (2 MB) as fast as level 1 (8 ms) and 18 % smaller
      // (170 KB against 208 KB); the default, level 6, is 129 KB but takes twice as long, and the
      // list is compressed again after every change.
      cache.gzip ??= gzipSync(cache.raw, { level: 3 })
      return { raw: cache.raw, gzip: cache.gzip, version: listVersion }
    },

    get listVersion() {
      return listVersion
    },

    get(agentId) {
      return agents.get(agentId)?.view ?? undefined
    },

    getEncoded(agentId) {
      return agents.get(agentId)?.encoded ?? undefined
    },

    checkpoints() {
      return checkpoints
    },

    drainChanges() {
      if (
        unsavedAgents.size === 0 &&
        removedAgents.size === 0 &&
        unsavedCheckpoints.size === 0 &&
        !unsavedPending &&
        addedSwitches.size === 0 &&
        removedSwitches.size === 0
      ) {
        return null
      }
      const changes: FleetChanges = {
        agents: [...unsavedAgents].flatMap((id) => {
          const e = agents.get(id)
          return e ? [{ agentId: id, facts: e.facts ? encodeFacts(e.facts) : encodeWithBody(e.head, e.savedBody!), view: e.encoded, judgedAt: e.encoded === null ? null : e.judgedAt }] : []
        }),
        removedAgents: [...removedAgents],
        checkpoints: new Map(unsavedCheckpoints),
        addedSwitches: [...addedSwitches.values()],
        removedSwitches: [...removedSwitches],
        kv: unsavedPending ? new Map([[PENDING_KEY, pending]]) : new Map(),
      }
      unsavedAgents.clear()
      removedAgents.clear()
      unsavedCheckpoints.clear()
      unsavedPending = false
      addedSwitches.clear()
      removedSwitches.clear()
      return changes
    },

    requeue(changes) {
      for (const a of changes.agents) if (agents.has(a.agentId)) unsavedAgents.add(a.agentId)
      for (const id of changes.removedAgents) if (!agents.has(id)) removedAgents.add(id)
      for (const [k, v] of changes.checkpoints) if (!unsavedCheckpoints.has(k)) unsavedCheckpoints.set(k, v)
      if (changes.kv.size > 0) unsavedPending = true
      // What happened since the failed save is newer and wins.
      for (const x of changes.addedSwitches) if (!addedSwitches.has(x.id) && !removedSwitches.has(x.id)) addedSwitches.set(x.id, x)
      for (const id of changes.removedSwitches) if (!addedSwitches.has(id)) removedSwitches.add(id)
    },

    get stats() {
      return stats
    },

    get agentCount() {
      return agents.size
    },

    dispose() {
      cancelTimer?.()
      cancelTimer = null
    },
  }
  return state
}
