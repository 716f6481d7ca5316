/**
 * The OpenClaw source: reads every state dir (config, agents, sessions, transcripts, trajectories,
 * auth state — from JSONL files, SQLite databases or both) and OpenClaw's JSONL log, from the saved
 * checkpoints on, then follows changes live.
 *
 * Record events (`model_attempt`, `model_changed`, `fallback_decision`) are read once thanks to
 * checkpoints. State events (`agent_configured`, `session_seen`, `auth_state`) describe what is
 * true now and are emitted again on every start, then whenever they change.
 */
import { readdirSync } from 'node:fs'
import { basename, dirname, relative, resolve, sep } from 'node:path'
import type { Disposer, Source, SourceContext } from '../source.js'
import { createGatewayLogReader } from './gateway-log.reader.js'
import { createIngestCollector, type IngestCollector } from './ingest-collector.js'
import { createJsonlTailer } from './jsonl-tailer.js'
import { createParsePool } from './parse-pool.js'
import { discoverOpenClawStateDirs } from './openclaw-discovery.js'
import { createChokidarWatcher, type FsWatcher, type WatchTarget } from './openclaw-watcher.js'
import { createStateDirReader, type StateDirReader } from './state-dir.reader.js'

export interface OpenClawSourceOptions {
  /** OpenClaw state dirs to read. When empty, they are discovered (`OPENCLAW_STATE_DIR`, else `~/.openclaw` and `~/.openclaw-<profile>`). */
  stateDirs: string[]
  /** Extra OpenClaw JSONL log files to read, besides `logging.file` and the default log dir. Default is none. */
  logFiles?: string[]
  /** Environment used for discovery. Default is `process.env`. */
  env?: Record<string, string | undefined>
  /** Home directory used for discovery. Default is `os.homedir()`. */
  homeDir?: string
  /**
   * Directory of OpenClaw's default daily logs (`openclaw-YYYY-MM-DD.log`); null to not look there.
   * Default is `/tmp/openclaw`.
   */
  defaultLogDir?: string | null
  /** Keep watching for changes after the first read. Default is true. */
  watch?: boolean
  /** File watcher. Default is a chokidar watcher (`createChokidarWatcher()`). */
  watcher?: FsWatcher
  /** Milliseconds during which a burst of change events is gathered before reading. Default is 5. */
  debounceMs?: number
  /**
   * Milliseconds between cheap commit checks (`PRAGMA data_version`) of every agent database, a safety
   * net for change events a file system does not deliver. 0 disables. Default is 1000.
   */
  dbPollMs?: number
  /** Bytes read per system call from JSONL files. Default is 1 MiB. */
  chunkSize?: number
  /** Events per pushed batch during large reads. Default is 2000. */
  maxBatchEvents?: number
  /**
   * Worker threads that parse large transcript and log reads (a first read of a long history). They run
   * only from the built JavaScript. Default is 0 (parse in this thread).
   */
  parseWorkers?: number
  /** Unread bytes of a transcript or log from which it goes to a worker. Default is 1 MiB. */
  parseWorkerThreshold?: number
  /**
   * Milliseconds between looks for state dirs that did not exist yet (OpenClaw installed or first
   * started after Switchboard). Only while watching; 0 disables. Default is 5000.
   */
  discoverEveryMs?: number
  /** Told of each state dir found after the start, once its first read is queued. */
  onStateDirAdded?: (stateDir: string) => void
}

export const DEFAULT_LOG_DIR = '/tmp/openclaw'
const SETTLE_MS = 150
const DAILY_LOG = /^openclaw-\d{4}-\d{2}-\d{2}\.log$/

/** Which paths under a state dir are worth watching (workspaces and the rest are never descended into). */
export function stateDirWatchFilter(stateDir: string): (path: string) => boolean {
  return (path) => {
    const rel = relative(stateDir, path)
    if (rel === '') return true
    if (rel.startsWith('..')) return false
    const parts = rel.split(sep)
    const [first, second, third, fourth] = parts
    if (first === 'openclaw.json') return parts.length === 1
    if (first === 'state') return parts.length === 1 || (parts.length === 2 && /^openclaw\.sqlite(-wal)?$/.test(second ?? ''))
    if (first !== 'agents') return false
    if (parts.length <= 2) return true
    if (third === 'sessions') {
      return parts.length === 3 || (parts.length === 4 && (fourth === 'sessions.json' || (fourth ?? '').endsWith('.jsonl')))
    }
    if (third === 'agent') {
      return parts.length === 3 || (parts.length === 4 && /^(auth-state\.json|openclaw-agent\.sqlite(-wal)?)$/.test(fourth ?? ''))
    }
    return false
  }
}

export function createOpenClawSource(options: OpenClawSourceOptions): Source {
  const defaultLogDir = options.defaultLogDir === undefined ? DEFAULT_LOG_DIR : options.defaultLogDir
  const discover = () =>
    discoverOpenClawStateDirs({
      stateDirs: options.stateDirs,
      ...(options.env ? { env: options.env } : {}),
      ...(options.homeDir ? { homeDir: options.homeDir } : {}),
    })

  return {
    kind: 'openclaw',
    describe() {
      const { lookedAt } = discover()
      const logs = [...(options.logFiles ?? []).map((f) => resolve(f)), ...(defaultLogDir ? [defaultLogDir] : [])]
      return { kind: 'openclaw', locations: [...lookedAt, ...logs] }
    },
    async start(ctx: SourceContext): Promise<Disposer> {
      return startOpenClaw(options, defaultLogDir, discover, ctx)
    },
  }
}

async function startOpenClaw(
  options: OpenClawSourceOptions,
  defaultLogDir: string | null,
  discover: () => { found: string[] },
  ctx: SourceContext,
): Promise<Disposer> {
  const stateDirs = discover().found
  const log = ctx.log
  const collector: IngestCollector = createIngestCollector({
    push: (batch) => ctx.push(batch),
    log,
    initial: ctx.checkpoints,
    ...(options.maxBatchEvents ? { maxBatchEvents: options.maxBatchEvents } : {}),
  })
  const tailer = createJsonlTailer(options.chunkSize ? { chunkSize: options.chunkSize } : {})
  const parsePool = createParsePool(options.parseWorkers ?? 0)
  if (parsePool) log.debug({ workers: parsePool.size }, 'parsing large transcripts in worker threads')
  const dirReader = (stateDir: string): StateDirReader =>
    createStateDirReader({
      stateDir,
      tailer,
      parsePool,
      ...(options.parseWorkerThreshold !== undefined ? { parsePoolThreshold: options.parseWorkerThreshold } : {}),
      positions: collector.positions,
      log,
      ...(options.homeDir ? { homeDir: options.homeDir } : {}),
      now: () => ctx.now(),
    })
  const dirs: StateDirReader[] = stateDirs.map(dirReader)
  const logReader = createGatewayLogReader({
    tailer,
    positions: collector.positions,
    parsePool,
    ...(options.parseWorkerThreshold !== undefined ? { parsePoolThreshold: options.parseWorkerThreshold } : {}),
  })
  const explicitLogs = (options.logFiles ?? []).map((f) => resolve(f))
  const logFiles = new Set<string>()

  function currentLogFiles(): string[] {
    const files = new Set<string>(explicitLogs)
    for (const d of dirs) {
      const f = d.logFile()
      if (f) files.add(f)
    }
    if (defaultLogDir) {
      try {
        for (const name of readdirSync(defaultLogDir).sort()) if (DAILY_LOG.test(name)) files.add(resolve(defaultLogDir, name))
      } catch {
        // No default log dir on this machine.
      }
    }
    return [...files]
  }

  // Every read goes through one chain: reads never overlap and keep their order.
  let chain: Promise<void> = Promise.resolve()
  let disposed = false
  function run(label: string, fn: () => Promise<void> | void): Promise<void> {
    const next = chain.then(async () => {
      if (disposed) return
      try {
        await fn()
      } catch (err) {
        log.error({ err, during: label }, 'openclaw source read failed')
      } finally {
        collector.flush()
      }
    })
    chain = next
    return next
  }

  const logWatches = new Map<string, Disposer>()
  const watcher = options.watch === false ? null : (options.watcher ?? createChokidarWatcher())

  async function watchLogFile(file: string): Promise<void> {
    if (!watcher || logWatches.has(file)) return
    const dir = dirname(file)
    if (defaultLogDir && dir === resolve(defaultLogDir)) return
    try {
      const dispose = await watcher.watch(
        [{ path: dir, depth: 0, accept: (p) => p === file }],
        (_kind, path) => schedule(path),
        (err) => log.warn({ err, file }, 'openclaw log watch error'),
      )
      if (disposed) await dispose()
      else logWatches.set(file, dispose)
    } catch (err) {
      log.warn({ err, file }, 'openclaw log file not watched')
    }
  }

  async function readLogs(): Promise<void> {
    for (const file of currentLogFiles()) {
      if (!logFiles.has(file)) {
        logFiles.add(file)
        void watchLogFile(file).catch((err: unknown) => log.warn({ err, file }, 'openclaw log file not watched'))
      }
      await logReader.read(file, collector)
    }
  }

  async function readAll(): Promise<void> {
    for (const d of dirs) {
      await d.scan(collector)
      collector.flush()
    }
    // Logs last: by then the sessions are known and decisions can name their agent.
    await readLogs()
  }

  const pending = new Set<string>()
  let timer: NodeJS.Timeout | null = null
  function schedule(path: string): void {
    if (disposed) return
    pending.add(path)
    timer ??= setTimeout(drain, options.debounceMs ?? 5)
  }

  // The watcher may fold two quick writes into one event (same mtime), so each changed path is
  // looked at once more a little later; reads are incremental, so a second look costs one stat.
  const settling = new Map<string, NodeJS.Timeout>()
  function settle(path: string): void {
    if (disposed || settling.has(path)) return
    const t = setTimeout(() => {
      settling.delete(path)
      if (disposed) return
      void run('settle', () => handlePaths([path]))
    }, SETTLE_MS)
    t.unref()
    settling.set(path, t)
  }

  function drain(): void {
    timer = null
    void run('change', handlePending)
  }

  /**
   * Reads the paths changed since the last look. Called in its turn on the chain, and from inside
   * a long read (the catch-up rescan after the watcher starts), so that a write made meanwhile is
   * not held until that read is over.
   */
  async function handlePending(): Promise<void> {
    if (pending.size === 0) return
    const paths = [...pending]
    pending.clear()
    await handlePaths(paths)
    for (const p of paths) settle(p)
  }

  function isLogPath(path: string): boolean {
    if (logFiles.has(path)) return true
    return defaultLogDir !== null && dirname(path) === resolve(defaultLogDir) && DAILY_LOG.test(basename(path))
  }

  async function handlePaths(paths: string[]): Promise<void> {
    let logsTouched = false
    for (const path of paths) {
      if (isLogPath(path)) {
        logsTouched = true
        continue
      }
      const dir = dirs.find((d) => path === d.stateDir || path.startsWith(d.stateDir + sep))
      if (!dir) continue
      await dir.handle(path, collector)
      collector.flush()
      if (path === resolve(dir.stateDir, 'openclaw.json')) logsTouched = true
    }
    if (logsTouched) await readLogs()
  }

  const scanned = run('initial read', readAll)

  const disposers: Disposer[] = []
  let watching: Promise<void> = Promise.resolve()
  if (watcher) {
    const targets: WatchTarget[] = dirs.map((d) => ({ path: d.stateDir, depth: 3, accept: stateDirWatchFilter(d.stateDir) }))
    if (defaultLogDir) {
      const dir = resolve(defaultLogDir)
      try {
        readdirSync(dir)
        targets.push({ path: dir, depth: 0, accept: (p) => dirname(p) === dir && DAILY_LOG.test(basename(p)) })
      } catch {
        // Nothing to watch until OpenClaw creates it; logging.file and explicit files still are.
      }
    }
    // The watcher's own first scan of a large tree takes a while: it starts after the initial read
    // and nobody waits for it. What changed in between is caught by one more (incremental) read.
    const startWatching = async (): Promise<void> => {
      await scanned
      if (disposed) return
      try {
        const dispose = await watcher.watch(
          targets,
          (_kind, path) => schedule(path),
          (err) => log.warn({ err }, 'openclaw watch error'),
        )
        disposers.push(dispose)
        void run('read after the watcher started', async () => {
          for (const d of dirs) {
            await d.rescan(collector, handlePending)
            collector.flush()
          }
          await readLogs()
        })
      } catch (err) {
        log.error({ err }, 'openclaw watcher failed to start; reading once only')
      }
    }
    watching = startWatching()

    // A state dir that appears later (OpenClaw started for the first time after Switchboard) is
    // read and watched like the others from then on.
    const addStateDir = (stateDir: string): void => {
      const d = dirReader(stateDir)
      dirs.push(d)
      log.info({ stateDir }, 'openclaw state dir appeared')
      void run('new state dir', async () => {
        await d.scan(collector)
        collector.flush()
        await readLogs()
      })
      options.onStateDirAdded?.(stateDir)
      watcher
        .watch(
          [{ path: stateDir, depth: 3, accept: stateDirWatchFilter(stateDir) }],
          (_kind, path) => schedule(path),
          (err) => log.warn({ err, stateDir }, 'openclaw watch error'),
        )
        .then(
          (dispose) => {
            if (disposed) return dispose()
            disposers.push(dispose)
            // What was written while the watcher started.
            return run('read after the watcher started', () => d.rescan(collector, handlePending))
          },
          (err: unknown) => log.warn({ err, stateDir }, 'openclaw state dir not watched'),
        )
        .catch((err: unknown) => log.warn({ err, stateDir }, 'openclaw state dir not watched'))
    }
    const discoverEveryMs = options.discoverEveryMs ?? 5000
    if (discoverEveryMs > 0) {
      const looking = setInterval(() => {
        if (disposed) return
        for (const stateDir of discover().found) if (!dirs.some((d) => d.stateDir === stateDir)) addStateDir(stateDir)
      }, discoverEveryMs)
      looking.unref()
      disposers.push(async () => clearInterval(looking))
    }

    const pollMs = options.dbPollMs ?? 1000
    if (pollMs > 0) {
      let polling = false
      const interval = setInterval(() => {
        // One poll at a time: behind a long read they would pile up in the chain.
        if (polling) return
        polling = true
        void run('database poll', async () => {
          for (const d of dirs) await d.pollDbs(collector)
        }).finally(() => (polling = false))
      }, pollMs)
      interval.unref()
      disposers.push(async () => clearInterval(interval))
    }
  }

  await scanned
  // The first read is over: the workers' heaps go now, before the server's first save and the
  // conversations' own workers, rather than adding to them.
  parsePool?.retire()
  log.info({ stateDirs, logFiles: [...logFiles] }, 'openclaw source started')

  return async () => {
    disposed = true
    if (timer) clearTimeout(timer)
    timer = null
    for (const t of settling.values()) clearTimeout(t)
    settling.clear()
    await watching
    for (const dispose of disposers) await dispose()
    for (const dispose of logWatches.values()) await dispose()
    logWatches.clear()
    await chain
    for (const d of dirs) d.close()
    await parsePool?.close()
    collector.flush()
  }
}
