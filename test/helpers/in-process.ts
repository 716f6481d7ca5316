/** The real source and fleet state in this process, with a pinned clock and no watching. */
import { createFleetState, type FleetState } from '../../src/server/core/fleet-state.js'
import { createOpenClawSource } from '../../src/server/sources/openclaw/openclaw-source.js'
import { createHub, type Hub } from '../../src/server/ws/hub.js'
import type { IngestBatch } from '../../src/server/sources/source.js'
import { createHostState, type HostState, type HostStateOptions } from '../../src/server/core/host-state.js'
import { openStore, type Store } from '../../src/server/store/database.js'
import { createHostRepository, type HostRepository } from '../../src/server/store/host.repository.js'

const quiet = { info() {}, warn() {}, error() {}, debug() {} }

export async function loadFleet(o: {
  stateDirs: string[]
  logFiles?: string[]
  now: () => number
  watch?: boolean
}): Promise<{ fleet: FleetState; hub: Hub; batches: IngestBatch[]; close(): Promise<void> }> {
  const hub = createHub({ now: o.now })
  const fleet = createFleetState({ now: o.now, hub })
  const batches: IngestBatch[] = []
  const source = createOpenClawSource({
    stateDirs: o.stateDirs,
    logFiles: o.logFiles ?? [],
    watch: o.watch ?? false,
    env: {},
    defaultLogDir: null,
  })
  const dispose = await source.start({
    checkpoints: fleet.checkpoints(),
    push: (b) => {
      batches.push(b)
      fleet.apply(b)
    },
    log: quiet,
    now: o.now,
  })
  return { fleet, hub, batches, close: dispose }
}

/** Host agents over a real SQLite store in a temp dir, with the caller's clock and timers. */
export async function loadHosts(o: {
  hub: Hub
  dataDir: string
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => () => void
  options?: Partial<HostStateOptions>
}): Promise<{ hosts: HostState; repository: HostRepository; store: Store; close(): Promise<void> }> {
  const store = await openStore({ dataDir: o.dataDir })
  const repository = createHostRepository(store)
  const hosts = createHostState({
    hub: o.hub,
    repository,
    ...(o.now ? { now: o.now } : {}),
    ...(o.setTimer ? { setTimer: o.setTimer } : {}),
    ...o.options,
  })
  hosts.restore(await repository.load())
  return {
    hosts,
    repository,
    store,
    close: async () => {
      hosts.dispose()
      await store.close()
    },
  }
}
