import { computed, effectScope, getCurrentScope, onScopeDispose, ref, watch } from 'vue'
import type { ComputedRef, Ref } from 'vue'
import { TOPIC_POOLS } from '@shared/agent-hosts'
import { EXECUTIONS_TOPIC } from '@shared/executions'
import { TOPIC_AGENTS, TOPIC_CONVERSATIONS } from '@shared/protocol'
import type { HttpClient } from '@/api/http-client'
import { ApiError } from '@/api/http-client'
import type { WsClient, WsStatus } from '@/api/ws-client'
import { createWsClient } from '@/api/ws-client'
import type { Feed, FeedEnvelope } from '@/lib/live-messages'
import { createFrameBatch } from '@/lib/frame-batch'
import { feedOf } from '@/lib/live-messages'
import { useConversationsStore } from '@/stores/conversations.store'
import { useExecutionsStore } from '@/stores/executions.store'
import { useFleetStore } from '@/stores/fleet.store'
import { useHostsStore } from '@/stores/hosts.store'
import { useSessionStore } from '@/stores/session.store'
import { useWorkflowsStore } from '@/stores/workflows.store'

/** REST polling period while the WebSocket is down (seed 000 §3.2.3). */
export const POLL_INTERVAL_MS = 5000
/** Executions in the first page of history; older ones load on demand. */
export const EXECUTIONS_PAGE_SIZE = 20

export type ConnectionKind =
  /** First contact, nothing known yet. */
  | 'connecting'
  /** WebSocket subscribed: changes arrive as they happen. */
  | 'live'
  /** WebSocket lost; the first poll has not answered yet. */
  | 'reconnecting'
  /** WebSocket lost; REST polling keeps the data fresh (every 5 s). */
  | 'polling'
  /** Neither WebSocket nor REST reaches the server. */
  | 'offline'

export interface ConnectionState {
  kind: ConnectionKind
  /** Epoch ms of the next WebSocket attempt, when one is scheduled. */
  retryAt: number | null
  /** Epoch ms of the last successful REST poll while the WebSocket was down. */
  lastPollAt: number | null
}

/** One source of pushed messages and REST snapshots, kept fresh by the shared connection. */
interface LiveFeed<F extends Feed> {
  /** Reloads the REST snapshot. Rejects only when the page has nothing to show without it. */
  refresh(): Promise<void>
  apply(message: FeedEnvelope<F>): void
  /** Messages may have been lost (not only delayed): reload whatever the snapshot does not cover. */
  afterGap?(): void
  /** The connection is closing: drop whatever waits to be applied. */
  dispose?(): void
}

type Feeds = { [F in Feed]: LiveFeed<F> }

export interface LiveSync {
  /** The last model-status REST failure that left the page without data, if any. */
  loadError: Ref<ApiError | null>
  connection: ComputedRef<ConnectionState>
  /** Reloads every REST snapshot now. */
  refresh: () => Promise<void>
  /** Skips the reconnect backoff. */
  reconnectNow: () => void
  /** The WebSocket client's own state (phase, attempts, retry time), for pages that show it in detail. */
  socket: Readonly<WsStatus>
  /** Loads a pool's last hour once; live messages extend it from then on. */
  ensurePoolHistory: (poolId: string) => Promise<void>
}

/** Longest a pushed message waits to be applied with the others that came with it (page hidden). */
export const BATCH_MAX_WAIT_MS = 100

function createFleetFeed(http: HttpClient, loadError: Ref<ApiError | null>): LiveFeed<'fleet'> {
  const fleet = useFleetStore()

  async function fetchAgent(agentId: string): Promise<void> {
    try {
      fleet.upsertAgent(await http.agentModelStatus(agentId))
    } catch {
      // A 404 means it vanished again; agent_removed or the next snapshot settles it.
    }
  }

  /**
   * A turn of one agent pushes several messages (its models, the switch, the error), and a busy
   * fleet many turns a second: applied one by one, the Agents page sorted and rendered the fleet
   * for each. Applied together once a frame, in order, and always before a snapshot is.
   */
  const batch = createFrameBatch<FeedEnvelope<'fleet'>>(
    (messages) => {
      for (const message of messages) {
        const unknownAgent = fleet.applyMessage(message)
        if (unknownAgent) void fetchAgent(unknownAgent)
      }
    },
    { maxWaitMs: BATCH_MAX_WAIT_MS },
  )

  return {
    async refresh() {
      fleet.beginSnapshot()
      try {
        const snapshot = await http.modelStatuses()
        batch.flush()
        fleet.replaceSnapshot(snapshot)
        loadError.value = null
      } catch (err) {
        batch.flush()
        fleet.dropSnapshot()
        if (!(err instanceof ApiError)) throw err
        loadError.value = err
        throw err
      }
    },
    apply: (message) => batch.add(message),
    dispose: () => batch.clear(),
  }
}

function createHostsFeed(http: HttpClient): { feed: LiveFeed<'hosts'>; loadHistory: (poolId: string) => Promise<void> } {
  const hosts = useHostsStore()
  const pendingPools = new Set<string>()

  /**
   * The server pushes host metrics once a second per pool, a frame per agent: applied one by one,
   * a thousand pinging agents had the pool pages render two hundred times a second.
   */
  const batch = createFrameBatch<FeedEnvelope<'hosts'>>(
    (messages) => {
      for (const message of messages) {
        const poolId = hosts.applyMessage(message)
        // An agent registered before its first ping reached us: one fetch per pool, however many pings.
        if (poolId && !pendingPools.has(poolId)) {
          pendingPools.add(poolId)
          void loadPool(poolId)
        }
      }
    },
    { maxWaitMs: BATCH_MAX_WAIT_MS },
  )

  async function loadPool(poolId: string): Promise<void> {
    try {
      const snapshot = await http.poolMetrics(poolId)
      batch.flush()
      hosts.replacePool(snapshot)
    } catch {
      // The next snapshot (resync or poll) brings the pool in.
    } finally {
      pendingPools.delete(poolId)
    }
  }

  async function loadHistory(poolId: string): Promise<void> {
    try {
      const history = await http.poolHistory(poolId)
      batch.flush()
      hosts.applyHistory(history)
    } catch {
      // Without the last hour a sparkline starts with the live points.
    }
  }

  return {
    loadHistory,
    feed: {
      // Host metrics are an addition to the page: a failure is shown where they are, and never
      // marks the whole connection as down.
      async refresh() {
        try {
          const { pools } = await http.pools()
          const snapshots = await Promise.all(pools.map((p) => http.poolMetrics(p.pool_id)))
          batch.flush()
          hosts.replaceSnapshot(
            pools.map((p) => p.pool_id),
            snapshots,
          )
        } catch (err) {
          if (!(err instanceof Error)) throw err
          hosts.loadError = err
        }
      },
      apply: (message) => batch.add(message),
      dispose: () => batch.clear(),
      afterGap() {
        batch.flush()
        for (const poolId of hosts.historyPoolIds()) void loadHistory(poolId)
      },
    },
  }
}

function createExecutionsFeed(http: HttpClient): LiveFeed<'executions'> {
  const executions = useExecutionsStore()
  const pending = new Set<number>()

  async function fetchOne(id: number): Promise<void> {
    if (pending.has(id)) return
    pending.add(id)
    try {
      executions.upsert(await http.execution(id))
    } catch {
      // The next snapshot (resync or poll) tries again.
    } finally {
      pending.delete(id)
    }
  }

  return {
    // Like host metrics, an addition to the page: a failure shows in the history card only.
    async refresh() {
      try {
        const page = await http.executions({ limit: EXECUTIONS_PAGE_SIZE })
        executions.replaceFirstPage(page)
        // While polling, this is how a running execution shown in full, or one left off the first
        // page, learns what happened to it.
        await Promise.all(executions.idsToRefresh(page).map(fetchOne))
      } catch (err) {
        if (!(err instanceof Error)) throw err
        executions.loadError = err
      }
    },
    apply(message) {
      const unknown = executions.applyMessage(message)
      // Started elsewhere (another tab, the CLI, a workflow): the push has no input, runner or meta.
      if (unknown !== null) void fetchOne(unknown)
    },
    afterGap() {
      // Missed pushes may have carried output chunks or the end of a run.
      for (const e of executions.active) void fetchOne(e.id)
    },
  }
}

/**
 * Conversations (seed 001) are not part of the 5-second poll: each page polls what it shows at the
 * interval its statuses ask for (see `useConversationList`, `useConversation`). Pushes are applied
 * at once and tell those pages to fetch what a push does not carry.
 */
function createConversationsFeed(): LiveFeed<'conversations'> {
  const conversations = useConversationsStore()
  return {
    refresh: () => Promise.resolve(),
    apply(message) {
      conversations.applyEvent(message.data)
    },
    afterGap() {
      conversations.invalidateAll()
    },
  }
}

interface Shared {
  api: LiveSync
  stop: () => void
}

let shared: Shared | null = null
let users = 0

function createSync(): Shared {
  const scope = effectScope(true)
  const fleet = useFleetStore()
  const session = useSessionStore()

  const api = scope.run(() => {
    const loadError = ref<ApiError | null>(null)
    const pollState = ref<'idle' | 'ok' | 'failed'>('idle')
    const lastPollAt = ref<number | null>(null)
    let pollTimer: ReturnType<typeof setTimeout> | undefined
    let inflight: Promise<void> | null = null
    let refreshAgain = false

    const hostsFeed = createHostsFeed(session.http)
    const feeds: Feeds = {
      fleet: createFleetFeed(session.http, loadError),
      hosts: hostsFeed.feed,
      executions: createExecutionsFeed(session.http),
      conversations: createConversationsFeed(),
    }
    const feedList = Object.values(feeds) as LiveFeed<Feed>[]

    async function loadSnapshots(): Promise<void> {
      const results = await Promise.allSettled(feedList.map((f) => f.refresh()))
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
    }

    /** Coalesces overlapping reloads: at most one in flight and one queued behind it. */
    function refresh(): Promise<void> {
      if (inflight) {
        refreshAgain = true
        return inflight
      }
      inflight = (async () => {
        try {
          do {
            refreshAgain = false
            await loadSnapshots()
          } while (refreshAgain)
        } finally {
          inflight = null
        }
      })()
      return inflight
    }

    const ws: WsClient = createWsClient({
      getToken: () => session.token,
      topics: [TOPIC_AGENTS, TOPIC_POOLS, EXECUTIONS_TOPIC, TOPIC_CONVERSATIONS],
      handlers: {
        onMessage: (message) => {
          const name = feedOf(message.type)
          if (!name) return
          const feed = feeds[name] as LiveFeed<Feed>
          feed.apply(message as FeedEnvelope<Feed>)
        },
        onResync: () => {
          refresh().catch(() => undefined)
          for (const feed of feedList) feed.afterGap?.()
        },
        onUnauthorized: () => session.signOut('invalid'),
      },
    })

    let polling = false

    async function pollTick(): Promise<void> {
      try {
        await refresh()
        if (polling) {
          pollState.value = 'ok'
          lastPollAt.value = Date.now()
        }
      } catch {
        if (polling) pollState.value = 'failed'
      }
      if (polling) pollTimer = setTimeout(() => void pollTick(), POLL_INTERVAL_MS)
    }

    function startPolling(): void {
      if (polling) return
      polling = true
      // Poll at once to learn whether the server is there at all, then every 5 s.
      void pollTick()
    }

    function stopPolling(): void {
      polling = false
      clearTimeout(pollTimer)
      pollState.value = 'idle'
    }

    watch(
      () => ws.status.phase,
      (phase) => {
        if (phase === 'waiting') startPolling()
        else if (phase === 'live' || phase === 'closed') stopPolling()
      },
    )

    const connection = computed<ConnectionState>(() => {
      const { phase, retryAt } = ws.status
      const base = { retryAt: phase === 'waiting' ? retryAt : null, lastPollAt: lastPollAt.value }
      if (phase === 'live') return { ...base, kind: 'live' }
      if (phase === 'closed') return { ...base, kind: 'offline' }
      if (pollState.value === 'ok') return { ...base, kind: 'polling' }
      if (pollState.value === 'failed' || loadError.value?.isNetwork) return { ...base, kind: 'offline' }
      if (!fleet.loaded || ws.status.attempt === 0) return { ...base, kind: 'connecting' }
      return { ...base, kind: 'reconnecting' }
    })

    const historyLoads = new Map<string, Promise<void>>()
    function ensurePoolHistory(poolId: string): Promise<void> {
      if (useHostsStore().hasHistory(poolId)) return Promise.resolve()
      let load = historyLoads.get(poolId)
      if (!load) {
        load = hostsFeed.loadHistory(poolId).finally(() => historyLoads.delete(poolId))
        historyLoads.set(poolId, load)
      }
      return load
    }

    let disposed = false

    // REST snapshot first so the page has something to show, then the live stream.
    refresh()
      .catch(() => undefined)
      .finally(() => {
        // Not when the page was left (signed out) while the snapshot loaded: nobody would stop it.
        if (session.token && !disposed) ws.start()
      })

    onScopeDispose(() => {
      disposed = true
      stopPolling()
      ws.stop()
      for (const feed of feedList) feed.dispose?.()
    })

    const result: LiveSync = {
      loadError,
      connection,
      refresh,
      reconnectNow: () => ws.reconnectNow(),
      socket: ws.status,
      ensurePoolHistory,
    }
    return result
  })!

  return { api, stop: () => scope.stop() }
}

/**
 * The page's one live connection: REST snapshots, then the WebSocket stream (model status, host
 * metrics and executions on the same socket); REST polling every 5 s while the WebSocket is down, reconnecting with
 * backoff and resuming from the last `seq`. Shared by all callers and closed when the last of them
 * is unmounted.
 */
export function useLiveSync(): LiveSync {
  if (!shared) shared = createSync()
  users += 1
  const mine = shared
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users -= 1
      if (users === 0 && shared === mine) {
        mine.stop()
        shared = null
        useFleetStore().reset()
        useHostsStore().reset()
        useExecutionsStore().reset()
        useWorkflowsStore().reset()
        useConversationsStore().reset()
      }
    })
  }
  return mine.api
}
