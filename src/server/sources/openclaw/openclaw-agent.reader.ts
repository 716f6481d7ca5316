/**
 * Everything about one agent, taken piece by piece from wherever its release keeps it: the per-agent
 * database when there is one, the JSONL files when there are some, both in releases in between.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { OpenClawLayout } from '../../../shared/model-status.js'
import { createAgentDbReader, dbPathOfCheckpointKey, type AgentDbReader } from './agent-db.reader.js'
import { createAgentFilesReader, type AgentFilesReader } from './agent-files.reader.js'
import { dbFiles } from './db-files.js'
import type { IngestSink } from './ingest-collector.js'
import type { JsonlTailer } from './jsonl-tailer.js'
import type { ParsePool } from './parse-pool.js'
import type { SourceContext } from '../source.js'

export interface OpenClawAgentReaderOptions {
  agentId: string
  stateDir: string
  /** The agent database to read, when one exists. */
  dbPath: string | null
  tailer: JsonlTailer
  /** Worker threads for large transcript reads. Default is none. */
  parsePool?: ParsePool | null
  /**
   * Unread bytes from which a transcript goes to the pool; a database never read before goes there
   * from this size on. Default is 1 MiB.
   */
  parsePoolThreshold?: number
  checkpoints: ReadonlyMap<string, unknown>
  log: SourceContext['log']
  now?: () => number
}

export interface OpenClawAgentReader {
  readonly agentId: string
  readonly agentDir: string
  /** Where each piece is, judged from what exists now. */
  layout(): OpenClawLayout
  /** Whether the agent has a folder or a database on disk. */
  existsOnDisk(): boolean
  scan(out: IngestSink): Promise<void>
  /** Handles a changed path; false when it does not belong to this agent. */
  handle(path: string, out: IngestSink): Promise<boolean>
  /** Reads the database if something was committed since the last look; true when it did. */
  pollDb(out: IngestSink): boolean
  /** Switches to another database file (or none). */
  setDbPath(path: string | null): void
  dbPath(): string | null
  close(): void
}

export function createOpenClawAgentReader(options: OpenClawAgentReaderOptions): OpenClawAgentReader {
  const { agentId, stateDir, log } = options
  const agentDir = join(stateDir, 'agents', agentId)
  const files: AgentFilesReader = createAgentFilesReader({
    agentId,
    agentDir,
    tailer: options.tailer,
    parsePool: options.parsePool,
    parsePoolThreshold: options.parsePoolThreshold,
    checkpoints: options.checkpoints,
  })
  let dbPath = options.dbPath
  let db: AgentDbReader | null = null
  let lastDbError: string | null = null
  /** Databases this reader has read (it may be pointed at another and back). */
  const readHere = new Set<string>()
  const poolThreshold = options.parsePoolThreshold ?? 1024 * 1024

  function database(): AgentDbReader | null {
    if (dbPath === null) return null
    db ??= createAgentDbReader({ agentId, dbPath, checkpoints: options.checkpoints, ...(options.now ? { now: options.now } : {}) })
    return db
  }

  function pollDb(out: IngestSink): boolean {
    const reader = database()
    if (reader === null) return false
    readHere.add(reader.dbPath)
    const { changed, error } = reader.poll(out)
    if (error !== null && error !== lastDbError) log.warn({ agentId, db: reader.dbPath, err: error }, 'openclaw agent database not readable')
    lastDbError = error
    return changed
  }

  /**
   * A large database never read before (no saved position for it) is read by a parse worker, so
   * the first read of many databases does not keep this thread busy. The worker returns the events
   * and positions; the poll that follows here starts from them and reads the auth state.
   */
  async function firstDbReadInPool(out: IngestSink): Promise<void> {
    const pool = options.parsePool
    if (!pool || db !== null || dbPath === null) return
    const path = dbPath
    if (readHere.has(path) || databasesWithPositions(options.checkpoints).has(path) || (dbFiles(path)?.bytes ?? 0) < poolThreshold) return
    let res
    try {
      res = await pool.readAgentDbEvents({ agentId, dbPath: path })
    } catch {
      return // The poll in place reads it all.
    }
    if (res.error !== null || path !== dbPath) return
    for (const r of res.rejected) out.reject(r.place, r.reason)
    for (const e of res.events) out.event(e)
    for (const [key, value] of res.checkpoints) out.checkpoint(key, value)
    out.bytes(res.bytesRead)
    out.maybeFlush()
  }

  /** Auth state lives in the database once the database has the table for it. */
  function authFromFiles(): boolean {
    return !(db?.hasAuthState() ?? false)
  }

  function hasDb(): boolean {
    return dbPath !== null && existsSync(dbPath)
  }

  return {
    agentId,
    agentDir,
    layout() {
      const sqlite = hasDb()
      const legacy = files.hasFiles()
      if (sqlite && legacy) return 'mixed'
      if (sqlite) return 'sqlite'
      if (legacy) return 'legacy'
      return 'empty'
    },
    existsOnDisk() {
      return existsSync(agentDir) || hasDb()
    },
    async scan(out) {
      await firstDbReadInPool(out)
      pollDb(out)
      await files.scan(out, authFromFiles())
    },
    async handle(path, out) {
      if (dbPath !== null && (path === dbPath || path === `${dbPath}-wal`)) {
        pollDb(out)
        return true
      }
      return files.handle(path, out, authFromFiles())
    },
    pollDb,
    setDbPath(path) {
      if (path === dbPath) return
      db?.close()
      db = null
      dbPath = path
    },
    dbPath: () => dbPath,
    close() {
      db?.close()
      db = null
    },
  }
}

const withPositions = new WeakMap<ReadonlyMap<string, unknown>, Set<string>>()

/**
 * The databases that have saved positions, worked out once per positions map (one pass over a
 * few thousand keys, instead of one per agent). Positions a reader adds later are for a database
 * that reader has read, which it remembers itself.
 */
function databasesWithPositions(positions: ReadonlyMap<string, unknown>): Set<string> {
  let paths = withPositions.get(positions)
  if (!paths) {
    paths = new Set()
    for (const key of positions.keys()) {
      const path = dbPathOfCheckpointKey(key)
      if (path !== null) paths.add(path)
    }
    withPositions.set(positions, paths)
  }
  return paths
}
