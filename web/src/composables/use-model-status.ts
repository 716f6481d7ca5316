import { storeToRefs } from 'pinia'
import type { ComputedRef, Ref } from 'vue'
import type { AgentModelStatusSummary } from '@shared/model-status'
import type { ApiError } from '@/api/http-client'
import type { FleetSummary } from '@/stores/fleet.store'
import { useFleetStore } from '@/stores/fleet.store'
import type { ConnectionState } from './use-live-sync'
import { useLiveSync } from './use-live-sync'

export type { ConnectionKind, ConnectionState } from './use-live-sync'
export { POLL_INTERVAL_MS } from './use-live-sync'

export interface ModelStatusApi {
  agents: ComputedRef<AgentModelStatusSummary[]>
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

/** Model status of every agent, kept fresh by the shared live connection (see `useLiveSync`). */
export function useModelStatus(): ModelStatusApi {
  const { loadError, connection, refresh, reconnectNow } = useLiveSync()
  const { agentList, summary, lastUpdate, loaded } = storeToRefs(useFleetStore())
  return { agents: agentList, summary, lastUpdate, loaded, loadError, connection, refresh, reconnectNow }
}
