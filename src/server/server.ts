/**
 * Wires one Switchboard process: store, fleet state, sources, HTTP app, WebSocket gateway, and the
 * persister that saves state and checkpoints together.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pino, { type Logger } from 'pino'
import { buildApp } from './app.js'
import { compactHeap } from './compact-heap.js'
import { createTokenCheck, resolveToken } from './auth/token.js'
import { createFleetState, type FleetState } from './core/fleet-state.js'
import { createMetrics } from './http/metrics.js'
import { openStore } from './store/database.js'
import { createFleetRepository } from './store/fleet.repository.js'
import { createHostRepository } from './store/host.repository.js'
import { createHostState, type HostState } from './core/host-state.js'
import { normaliseTopic } from './ws/hub.js'
import { createExecutionsRepository } from './store/executions.repository.js'
import { createExecutionService } from './executions/execution-service.js'
import { createWorkflowsRepository } from './store/workflows.repository.js'
import { createConversationService, type ConversationService } from './conversations/conversation-service.js'
import { createConversationTasksRepository } from './store/conversation-tasks.repository.js'
import { createConversationsReader } from './sources/openclaw/conversations.reader.js'
import { createParsePool } from './sources/openclaw/parse-pool.js'
import { discoverOpenClawStateDirs } from './sources/openclaw/openclaw-discovery.js'
import { createOpenHandsClient } from './sources/openhands/openhands.client.js'
import { createOpenHandsPoller, type OpenHandsPoller } from './sources/openhands/openhands.poller.js'
import { createRunner } from './runners/registry.js'
import { runWithLimits } from './runners/run-with-limits.js'
import { poolTopic } from '../shared/agent-hosts.js'
import { createHub } from './ws/hub.js'
import { attachWsGateway } from './ws/ws-gateway.js'
import { createSources } from './sources/registry.js'
import type { Disposer, IngestBatch } from './sources/source.js'
import type { SourcesResponse } from '../shared/api.js'

export interface ServerOptions {
  /** Default is 127.0.0.1. */
  host?: string
  /** Default is 7420; 0 picks a free port. */
  port?: number
  /** Where the SQLite store and the generated token live. */
  dataDir: string
  /** OpenClaw state dirs. Default is discovery (`OPENCLAW_STATE_DIR`, `~/.openclaw`, `~/.openclaw-<profile>`). */
  openclawDirs?: string[]
  /** Extra OpenClaw JSONL log files to read besides those the config names. Default is none. */
  openclawLogFiles?: string[]
  /** Fixed token. Default is the one saved in `<dataDir>/token`, generated on first start. */
  token?: string
  /** PostgreSQL URL. Default is embedded SQLite. */
  databaseUrl?: string
  /** Extra Origins allowed to open WebSockets. Default is none (same origin only). */
  allowedOrigins?: string[]
  /** Default is `info`. */
  logLevel?: string
  /** Watch for changes after the first read. Default is true. */
  watch?: boolean
  /** How often state and checkpoints are saved. Default is 500 ms. */
  saveIntervalMs?: number
  /** Built web UI. Default is `dist/web` of this package. */
  webRoot?: string
  /** Environment for discovery. Default is `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Worker threads parsing large transcript reads. Default is the number of cores, at most 4. */
  parseWorkers?: number
  /** Unread bytes of a transcript from which a worker parses it. Default is 1 MiB. */
  parseWorkerThreshold?: number
  /** Heartbeats of agent hosts (seed 003). */
  heartbeat?: HeartbeatOptions
  /** Executions (seed 002). */
  executions?: ExecutionOptions
  /** OpenHands servers whose conversations are shown beside OpenClaw's (seed 001). Default is none. */
  openhands?: OpenHandsServerOptions[]
  logger?: Logger
}

export interface OpenHandsServerOptions {
  url: string
  apiKey: string | null
  /** The agent id its conversations are listed under. Default is `openhands`. */
  name?: string
}

export interface ExecutionOptions {
  /** Executions running at once; the rest wait as `pending`. Default is 4. */
  concurrency?: number
  /** Finished executions are deleted this many days after they ended. Default is 30. */
  retentionDays?: number
}

export interface HeartbeatOptions {
  /** Ping interval assumed for an agent that does not send `interval_sec`. Default is 30. */
  intervalSec?: number
  /** Missed intervals after which an agent is offline. Default is 3. */
  missedIntervals?: number
  /** Sustained pings per second allowed per agent before 429. Default is 2. */
  rateLimitPerSec?: number
  /** Pings allowed at once per agent. Default is 10. */
  rateLimitBurst?: number
  /** At most one pushed update per agent per this many ms. Default is 1000. */
  minPushIntervalMs?: number
}

export interface RunningServer {
  url: string
  port: number
  token: string
  tokenGenerated: boolean
  dashboardUrl: string
  fleet: FleetState
  hosts: HostState
  close(): Promise<void>
}

/** The package root: the nearest folder up with a package.json (the same from `src/` and `dist/`). */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return dir
}
const packageRoot = findPackageRoot()

export function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url)
    return (require(path.join(packageRoot, 'package.json')) as { version: string }).version
  } catch {
    return '0.0.0'
  }
}

/** How long after the first save the heap is compacted. */
const COMPACT_DELAY_MS = 100

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.logger ?? pino({ level: options.logLevel ?? 'info' })
  const version = packageVersion()
  const { token, generated } = resolveToken(options.dataDir, options.token)
  const checkToken = createTokenCheck(token)

  const store = await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl })
  const repository = createFleetRepository(store)
  const metrics = createMetrics()
  const hub = createHub()
  const fleet = createFleetState({
    now: Date.now,
    hub,
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1))
      t.unref()
      return () => clearTimeout(t)
    },
    onUnreadableFacts: (agentId, err) => log.warn({ err, agentId }, 'saved facts unreadable: the agent goes on from its config and auth state'),
  })
  fleet.restore(await repository.load())
  const hostRepository = createHostRepository(store)
  const hb = options.heartbeat ?? {}
  const hosts = createHostState({
    hub,
    repository: hostRepository,
    ...(hb.intervalSec !== undefined ? { defaultIntervalMs: hb.intervalSec * 1000 } : {}),
    ...(hb.missedIntervals !== undefined ? { missedIntervals: hb.missedIntervals } : {}),
    ...(hb.rateLimitPerSec !== undefined ? { pingRatePerSec: hb.rateLimitPerSec } : {}),
    ...(hb.rateLimitBurst !== undefined ? { pingBurst: hb.rateLimitBurst } : {}),
    ...(hb.minPushIntervalMs !== undefined ? { minPushIntervalMs: hb.minPushIntervalMs } : {}),
  })
  hosts.restore(await hostRepository.load())

  const executionsRepository = createExecutionsRepository(store)
  const executions = createExecutionService({
    repository: executionsRepository,
    hub,
    createRunner: (config, agentId) => createRunner(config, { openclawDirs: options.openclawDirs ?? [], log, ...(agentId ? { agentId } : {}) }),
    run: runWithLimits,
    log,
    ...(options.executions?.concurrency !== undefined ? { concurrency: options.executions.concurrency } : {}),
  })
  // Whatever a crash left running did not finish: say so before anyone asks.
  await executions.recover()
  const retentionMs = (options.executions?.retentionDays ?? 30) * 86_400_000
  const prune = (): void => {
    executionsRepository.prune(Date.now() - retentionMs).catch((err: unknown) => log.error({ err }, 'pruning old executions failed'))
  }
  prune()
  const pruneTimer = setInterval(prune, 3_600_000)
  pruneTimer.unref()
  const hostSweep = setInterval(() => {
    hosts.sweep()
    metrics.hostAgentsOnline.set(hosts.onlineCount)
  }, 1000)
  hostSweep.unref()
  const saveHostTimes = async (): Promise<void> => {
    const { seen, used } = hosts.drainTimes()
    try {
      await hostRepository.saveTimes(seen, used)
    } catch (err) {
      log.error({ err }, 'saving heartbeat times failed')
    }
  }
  // "Last seen" survives a restart to within this much; a ping never waits for the disk.
  const hostTimesTimer = setInterval(() => void saveHostTimes(), 10_000)
  hostTimesTimer.unref()
  // The first read may be gigabytes of history: fold it quietly, then go live.
  fleet.setLive(false)

  const sources = createSources({
    openclaw: {
      stateDirs: options.openclawDirs ?? [],
      logFiles: options.openclawLogFiles ?? [],
      watch: options.watch ?? true,
      env: options.env,
      parseWorkers: options.parseWorkers ?? Math.min(4, os.availableParallelism()),
      ...(options.parseWorkerThreshold !== undefined ? { parseWorkerThreshold: options.parseWorkerThreshold } : {}),
      // Its conversations are read from then on too.
      onStateDirAdded: (stateDir) => conversations.addReader(createConversationsReader({ stateDir, pool: conversationPool })),
    },
  })
  let ready = false
  let saving: Promise<void> = Promise.resolve()
  const sourcesInfo = (): SourcesResponse => {
    const byDir = new Map<string, { layout: SourcesResponse['openclaw']['found'][number]['layout']; agents: number }>()
    for (const a of fleet.list().agents) {
      const d = byDir.get(a.source.stateDir) ?? { layout: a.source.layout, agents: 0 }
      d.agents++
      if (d.layout !== a.source.layout) d.layout = 'mixed'
      byDir.set(a.source.stateDir, d)
    }
    const lookedAt = sources.flatMap((s) => s.describe().locations)
    return { openclaw: { lookedAt, found: [...byDir].filter(([dir]) => dir).map(([dir, d]) => ({ dir, ...d })) } }
  }

  // Conversations have workers of their own for first reads of quiet sessions: parsing a long
  // history a second time leaves its garbage in their heaps, which go when they do (idle workers stop).
  const conversationPool = createParsePool(options.parseWorkers ?? Math.min(4, os.availableParallelism()))
  const conversationReaders = discoverOpenClawStateDirs({ stateDirs: options.openclawDirs ?? [], ...(options.env ? { env: options.env } : {}) }).found.map(
    (stateDir) => createConversationsReader({ stateDir, pool: conversationPool }),
  )
  const conversations: ConversationService = createConversationService({
    hub,
    repository: createConversationTasksRepository(store),
    readers: conversationReaders,
    log: log.child({ part: 'conversations' }),
    onRejected: (n) => metrics.ingestRejected.inc({ source: 'openclaw-conversations' }, n),
  })
  const openhandsPollers: OpenHandsPoller[] = (options.openhands ?? []).map((o) => {
    const name = o.name ?? 'openhands'
    return createOpenHandsPoller({
      client: createOpenHandsClient({ url: o.url, apiKey: o.apiKey }),
      onSnapshot: (list) => conversations.setOpenHands(name, list),
      log: log.child({ source: 'openhands', name }),
    })
  })

  const app = await buildApp({
    fleet,
    // Store reads see everything folded so far: they wait for the save in flight, if any.
    fleetRepository: {
      ...repository,
      listSwitches: async (agentId, limit) => {
        await saving
        return repository.listSwitches(agentId, limit)
      },
    },
    metrics,
    hosts,
    hub,
    executions,
    executionsRepository,
    workflowsRepository: createWorkflowsRepository(store),
    conversations,
    checkToken,
    version,
    isReady: () => ready,
    sources: sourcesInfo,
    webRoot: options.webRoot ?? path.join(packageRoot, 'dist', 'web'),
    logger: log,
  })
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 7420 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 7420)
  const host = options.host ?? '127.0.0.1'
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${shownHost}:${port}`

  const ws = attachWsGateway(app.server, {
    hub,
    checkToken,
    metrics,
    version,
    log,
    allowedOrigins: options.allowedOrigins,
    snapshot: (topic) => {
      const t = normaliseTopic(topic)
      if (t.startsWith('conversation:')) return conversations.snapshot(t)
      const pools = t === 'pool:*' ? hosts.pools().map((p) => p.pool_id) : t.startsWith('pool:') && !t.endsWith(':*') ? [t.slice(5)] : []
      return pools.map((pool) => ({ type: 'initial_metrics' as const, topic: poolTopic(pool), data: hosts.poolMetrics(pool) }))
    },
  })

  const save = (): Promise<void> => {
    saving = saving.then(async () => {
      const changes = fleet.drainChanges()
      if (!changes) return
      try {
        await repository.save(changes)
      } catch (err) {
        fleet.requeue(changes)
        log.error({ err }, 'saving state failed; will retry')
      }
    })
    return saving
  }
  // Until the first read is done, saving often would only slow it down: a crash then re-reads.
  const saveTimer = setInterval(() => {
    if (ready) void save()
  }, options.saveIntervalMs ?? 500)
  saveTimer.unref()

  const onBatch = (kind: string) => (batch: IngestBatch) => {
    // Whatever changed a transcript may have changed a conversation: read them again (debounced).
    if (ready && batch.events.length > 0) conversations.scheduleRefresh()
    try {
      fleet.apply(batch)
      metrics.ingestEvents.inc({ source: kind }, batch.events.length)
      if (batch.bytesRead) metrics.ingestBytes.inc({ source: kind }, batch.bytesRead)
      // The source logs each rejection once, with its place; here they are only counted.
      if (batch.rejected.length > 0) metrics.ingestRejected.inc({ source: kind }, batch.rejected.length)
      metrics.hubSeq.set(hub.seq)
    } catch (err) {
      log.error({ err, source: kind }, 'applying a batch failed')
    }
  }

  const disposers: Disposer[] = []
  const started = Promise.all(
    sources.map(async (s) => {
      try {
        disposers.push(
          await s.start({
            checkpoints: fleet.checkpoints(),
            push: onBatch(s.kind),
            log: log.child({ source: s.kind }),
            now: Date.now,
          }),
        )
      } catch (err) {
        log.error({ err, source: s.kind }, 'source failed to start')
      }
    }),
  ).then(async () => {
    fleet.setLive(true)
    // The first save can be large; reads of the store (the switch history) wait for it instead.
    // The compaction after it pauses everything for tens of ms: the first requests, which come as
    // soon as the server is ready, are answered before.
    // The first save encodes every agent's facts at once (about 0.1 s after a large read): it
    // starts after a turn of the event loop, so requests already waiting are answered first.
    const firstSave = new Promise<void>((resolve) => setImmediate(resolve))
      .then(save)
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, COMPACT_DELAY_MS)))
      .then(compactHeap)
    ready = true
    // Views restored from the store were judged at an earlier time: judge them again now.
    setImmediate(() => fleet.tick())
    log.info({ agents: fleet.agentCount, events: fleet.stats.events, rejected: fleet.stats.rejected }, 'initial read finished')
    // Conversations are read after the model statuses are served: on a large install their first
    // read takes a while, and it must not hold the dashboard back. A slow or unreachable OpenHands
    // server must not either.
    for (const p of openhandsPollers) void p.start()
    // They also wait for that first save: run side by side, the two leave the heap and the C
    // allocator more fragmented (about 12 MB more resident once idle, measured).
    const readConversations = (): Promise<void> =>
      firstSave.then(() => new Promise<void>((resolve) => setTimeout(resolve, 250))).then(() => conversations.start())
    readConversations().then(
      () => {
        log.info({ conversations: conversations.size, ms: Math.round(conversations.lastReadMs) }, 'conversations read')
        // That read parsed the whole history a second time: give back the heap it grew, once what
        // the read itself still holds (its results, on their way into the service) is let go.
        setTimeout(compactHeap, 2_000).unref()
      },
      (err: unknown) => log.error({ err }, 'reading conversations failed'),
    )
  })

  const dashboardUrl = `${url}/#/?token=${token}`
  let closed = false
  return {
    url,
    port,
    token,
    tokenGenerated: generated,
    dashboardUrl,
    fleet,
    hosts,
    async close() {
      if (closed) return
      closed = true
      await started.catch(() => undefined)
      clearInterval(saveTimer)
      clearInterval(hostSweep)
      clearInterval(hostTimesTimer)
      clearInterval(pruneTimer)
      for (const p of openhandsPollers) p.stop()
      conversations.close()
      await conversationPool?.close()
      await executions.close()
      hosts.dispose()
      await saveHostTimes()
      await Promise.all(disposers.map((d) => d().catch((err: unknown) => log.warn({ err }, 'source stop failed'))))
      fleet.dispose()
      await save()
      await ws.close()
      await app.close()
      await store.close()
    },
  }
}
