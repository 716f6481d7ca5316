/**
 * One OpenClaw state dir: its config, its agents (from the config, from `agents/*` folders and from
 * `state/openclaw.sqlite`), and the reader of each agent.
 */
import { readdirSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { AgentConfiguredEvent } from '../../core/events.js'
import type { SourceContext } from '../source.js'
import type { IngestCollector } from './ingest-collector.js'
import type { JsonlTailer } from './jsonl-tailer.js'
import type { ParsePool } from './parse-pool.js'
import { createOpenClawAgentReader, type OpenClawAgentReader } from './openclaw-agent.reader.js'
import { EMPTY_CHAIN, readOpenClawConfig, type ConfiguredAgent, type OpenClawConfigSummary } from './openclaw-config.js'
import { agentDbPath, createStateDbReader } from './state-db.reader.js'

export interface StateDirReaderOptions {
  stateDir: string
  tailer: JsonlTailer
  /** Worker threads for large transcript reads. Default is none. */
  parsePool?: ParsePool | null
  /** Unread bytes from which a transcript goes to the pool. Default is 1 MiB. */
  parsePoolThreshold?: number
  /** Where each reader stands (saved checkpoints overlaid with newer ones). */
  positions: ReadonlyMap<string, unknown>
  log: SourceContext['log']
  homeDir?: string
  now?: () => number
}

export interface StateDirReader {
  readonly stateDir: string
  scan(out: IngestCollector): Promise<void>
  /**
   * Reads again everything that exists, from where each piece stands (new files, appends, rows).
   * `between` runs after each agent: a rescan of hundreds of agents takes a while, and the caller
   * handles there the changes that arrived meanwhile rather than after the whole rescan.
   */
  rescan(out: IngestCollector, between?: () => Promise<void>): Promise<void>
  /** Handles a changed path inside the state dir. */
  handle(path: string, out: IngestCollector): Promise<void>
  /**
   * Polls every agent database (cheap when nothing was committed), giving the event loop a turn
   * every few milliseconds: hundreds of databases at once would hold requests back.
   */
  pollDbs(out: IngestCollector): Promise<void>
  /** `logging.file` of the current config, if set. */
  logFile(): string | null
  close(): void
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** Longest stretch of database polling between two turns of the event loop. */
const POLL_SLICE_MS = 2

export function createStateDirReader(options: StateDirReaderOptions): StateDirReader {
  const { stateDir, log } = options
  const configPath = join(stateDir, 'openclaw.json')
  const agentsDir = join(stateDir, 'agents')
  const stateSubdir = join(stateDir, 'state')
  const stateDb = createStateDbReader(stateDir)
  let config: OpenClawConfigSummary | null = null
  let configured = new Map<string, ConfiguredAgent>()
  const listedDbs = new Map<string, string>()
  const readers = new Map<string, OpenClawAgentReader>()
  const emitted = new Map<string, string>()

  async function loadConfig(out: IngestCollector): Promise<void> {
    const result = await readOpenClawConfig(stateDir, options.homeDir)
    if (result.kind === 'invalid') {
      // Keep the last good config: an editor saving mid-way must not make agents vanish.
      out.reject(result.place, result.reason)
      return
    }
    config = result.kind === 'ok' ? result.config : null
    configured = new Map((config?.agents ?? []).map((a) => [a.id, a]))
  }

  function refreshAgentDatabases(): boolean {
    const rows = stateDb.read()
    if (rows === null) return false
    listedDbs.clear()
    for (const row of rows) if (!listedDbs.has(row.agentId)) listedDbs.set(row.agentId, row.path)
    for (const [id, reader] of readers) reader.setDbPath(listedDbs.get(id) ?? agentDbPath(stateDir, id))
    return true
  }

  function agentDirs(): string[] {
    try {
      return readdirSync(agentsDir)
        .filter((name) => AGENT_ID.test(name) && isDir(join(agentsDir, name)))
        .sort()
    } catch {
      return []
    }
  }

  function knownIds(): string[] {
    return [...new Set([...configured.keys(), ...agentDirs(), ...listedDbs.keys()])]
  }

  function ensureReader(agentId: string): OpenClawAgentReader {
    let reader = readers.get(agentId)
    if (!reader) {
      reader = createOpenClawAgentReader({
        agentId,
        stateDir,
        dbPath: listedDbs.get(agentId) ?? agentDbPath(stateDir, agentId),
        tailer: options.tailer,
        parsePool: options.parsePool,
        parsePoolThreshold: options.parsePoolThreshold,
        checkpoints: options.positions,
        log,
        ...(options.now ? { now: options.now } : {}),
      })
      readers.set(agentId, reader)
    }
    return reader
  }

  function emitConfigured(reader: OpenClawAgentReader, out: IngestCollector): void {
    const agent = configured.get(reader.agentId)
    const event: AgentConfiguredEvent = {
      kind: 'agent_configured',
      agentId: reader.agentId,
      name: agent?.name ?? reader.agentId,
      config: agent?.model ?? config?.defaults ?? EMPTY_CHAIN,
      stateDir,
      layout: reader.layout(),
      authProfiles: config?.authProfiles ?? {},
    }
    const signature = JSON.stringify(event)
    if (emitted.get(reader.agentId) === signature) return
    emitted.set(reader.agentId, signature)
    out.event(event)
  }

  /** New agents get a reader and a first read; agents gone from config and disk are removed. */
  async function reconcile(out: IngestCollector): Promise<void> {
    const ids = knownIds()
    const fresh: OpenClawAgentReader[] = []
    for (const id of ids) {
      const isNew = !readers.has(id)
      const reader = ensureReader(id)
      emitConfigured(reader, out)
      if (isNew) fresh.push(reader)
    }
    // Agents are independent: with parse workers, several are read at once so every core works.
    // Each agent's own pieces stay in order, and its checkpoints follow its events.
    const lanes = options.parsePool ? 2 * options.parsePool.size + 2 : 1
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < fresh.length) {
        const reader = fresh[next++]!
        await reader.scan(out)
        emitConfigured(reader, out)
        out.maybeFlush()
      }
    }
    await Promise.all(Array.from({ length: Math.min(lanes, fresh.length) }, lane))
    for (const [id, reader] of readers) {
      if (configured.has(id) || reader.existsOnDisk()) continue
      reader.close()
      readers.delete(id)
      emitted.delete(id)
      out.forgetAgent(id)
      out.event({ kind: 'agent_removed', agentId: id })
    }
  }

  function agentOfPath(path: string): string | null {
    if (!path.startsWith(agentsDir + sep)) return null
    const rest = path.slice(agentsDir.length + 1)
    const id = rest.split(sep, 1)[0]
    return id && AGENT_ID.test(id) ? id : null
  }

  return {
    stateDir,
    async scan(out) {
      await loadConfig(out)
      refreshAgentDatabases()
      await reconcile(out)
    },
    async rescan(out, between) {
      const known = new Set(readers.keys())
      await loadConfig(out)
      refreshAgentDatabases()
      await reconcile(out)
      for (const [id, reader] of [...readers]) {
        if (!known.has(id) || readers.get(id) !== reader) continue
        await reader.scan(out)
        emitConfigured(reader, out)
        out.maybeFlush()
        await between?.()
      }
    },
    async handle(path, out) {
      if (path === configPath) {
        await loadConfig(out)
        await reconcile(out)
        return
      }
      if (path === stateSubdir || path.startsWith(stateSubdir + sep)) {
        if (refreshAgentDatabases()) await reconcile(out)
        for (const reader of readers.values()) reader.pollDb(out)
        return
      }
      const agentId = agentOfPath(path)
      if (agentId === null) {
        if (path === agentsDir) await reconcile(out)
        return
      }
      const reader = readers.get(agentId)
      if (!reader) {
        await reconcile(out)
        return
      }
      await reader.handle(path, out)
      emitConfigured(reader, out)
      if (!reader.existsOnDisk()) await reconcile(out)
    },
    async pollDbs(out) {
      let since = performance.now()
      for (const reader of [...readers.values()]) {
        if (reader.pollDb(out)) emitConfigured(reader, out)
        if (performance.now() - since >= POLL_SLICE_MS) {
          out.maybeFlush()
          await new Promise<void>((resolve) => setImmediate(resolve))
          since = performance.now()
        }
      }
    },
    logFile: () => config?.logFile ?? null,
    close() {
      for (const reader of readers.values()) reader.close()
      readers.clear()
      stateDb.close()
    },
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
