import { storeToRefs } from 'pinia'
import { computed, effectScope, getCurrentScope, onScopeDispose, ref, watch } from 'vue'
import type { ComputedRef, EffectScope, Ref } from 'vue'
import type { AgentModelStatus } from '@shared/model-status'
import { TOPIC_AGENTS } from '@shared/protocol'
import { ApiError } from '@/api/http-client'
import type { WsClient } from '@/api/ws-client'
import { createWsClient } from '@/api/ws-client'
import type { FleetSummary } from '@/stores/fleet.store'
import { useFleetStore } from '@/stores/fleet.store'
import { useSessionStore } from '@/stores/session.store'

/** REST polling period while the WebSocket is down (seed 000 §3.2.3). */
export const POLL_INTERVAL_MS = 5000

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

export interface ModelStatusApi {
  agents: ComputedRef<AgentModelStatus[]>
  summary: ComputedRef<FleetSummary>
  lastUpdate: Ref<number | null>
  loaded: Ref<boolean>
  /** The last REST failure that left the page without data, if any. */
  loadError: Ref<ApiError | null>
  connection: ComputedRef<ConnectionState>
  /** Reloads the REST snapshot now. */
  refresh: () => Promise<void>
  /** Skips the reconnect backoff. */
  reconnectNow: () => void
}

interface Sync {
  api: ModelStatusApi
  scope: EffectScope
  stop: () => void
}

let shared: Sync | null = null
let users = 0

function createSync(): Sync {
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

    async function loadSnapshot(): Promise<void> {
      try {
        fleet.replaceSnapshot(await session.http.modelStatuses())
        loadError.value = null
      } catch (err) {
        if (!(err instanceof ApiError)) throw err
        loadError.value = err
        throw err
      }
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
            await loadSnapshot()
          } while (refreshAgain)
        } finally {
          inflight = null
        }
      })()
      return inflight
    }

    async function fetchAgent(agentId: string): Promise<void> {
      try {
        fleet.upsertAgent(await session.http.agentModelStatus(agentId))
      } catch {
        // A 404 means it vanished again; agent_removed or the next snapshot settles it.
      }
    }

    const ws: WsClient = createWsClient({
      getToken: () => session.token,
      topics: [TOPIC_AGENTS],
      handlers: {
        onMessage: (message) => {
          const unknownAgent = fleet.applyMessage(message)
          if (unknownAgent) void fetchAgent(unknownAgent)
        },
        onResync: () => {
          refresh().catch(() => undefined)
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

    // REST snapshot first so the page has something to show, then the live stream.
    refresh()
      .catch(() => undefined)
      .finally(() => {
        if (session.token) ws.start()
      })

    const { agentList, summary, lastUpdate, loaded } = storeToRefs(fleet)
    const result: ModelStatusApi = {
      agents: agentList,
      summary,
      lastUpdate,
      loaded,
      loadError,
      connection,
      refresh,
      reconnectNow: () => ws.reconnectNow(),
    }

    onScopeDispose(() => {
      stopPolling()
      ws.stop()
    })
    return result
  })!

  return { api, scope, stop: () => scope.stop() }
}

/**
 * Model status of every agent, kept fresh: REST snapshot, then the WebSocket stream; REST polling
 * every 5 s while the WebSocket is down, reconnecting with backoff and resuming from the last `seq`.
 * One connection is shared by all callers and closed when the last of them is unmounted.
 */
export function useModelStatus(): ModelStatusApi {
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
      }
    })
  }
  return mine.api
}
