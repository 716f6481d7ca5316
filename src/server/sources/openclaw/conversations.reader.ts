/**
 * The conversations of one OpenClaw state dir: every agent (an `agents/<id>` folder or a database
 * listed in `state/openclaw.sqlite`), each read from wherever its release keeps sessions — the
 * agent database, the legacy files, or both in releases in between — and the durable tasks tied
 * to them. Never throws: malformed records, unreadable files and vanished agents are counted in
 * `rejected` with their place, and what could be read is returned.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Task } from '../../../shared/conversations.js'
import type { IngestRejection } from '../../core/events.js'
import type { ConversationFacts } from '../../core/conversation-facts.js'
import type { AgentConversationsReader, RejectSink } from './agent-conversations.js'
import { agentDbQuiet, createConversationsDbReader, KEEP_SCANNER_MS, type ConversationsDbReader } from './conversations-db.reader.js'
import { createConversationsFilesReader } from './conversations-files.reader.js'
import type { AgentDbScan, ParsePool } from './parse-pool.js'
import { readDurableTasks, type DurableTask } from './durable-tasks.reader.js'
import { createJsonlTailer, type JsonlTailer } from './jsonl-tailer.js'
import { agentDbPath, createStateDbReader } from './state-db.reader.js'

export interface ConversationsReaderOptions {
  stateDir: string
  /** Reader of JSONL files. Default is a new tailer. */
  tailer?: JsonlTailer
  /** How long a quiet session keeps the scanner that lets it be read incrementally. Default is 10 minutes. */
  keepScannerMs?: number
  /** Parse workers that read quiet agent databases and legacy sessions the first time. Default is none (all in place). */
  pool?: ParsePool | null
}

export interface ConversationsScan {
  /** By agent id, then by creation time. */
  conversations: ConversationFacts[]
  /** Task lists OpenClaw keeps (durable tasks, progress cards), by conversation (session) id. */
  tasks: Map<string, Task[]>
  /** Durable tasks that no conversation could be found for (by run id or session key). */
  unattachedTasks: DurableTask[]
  /**
   * Malformed or unreadable records met by this read and not by the previous one: each problem is
   * reported once, on the read that first meets it, for the caller to count and log.
   */
  rejected: IngestRejection[]
}

export interface ConversationsReader {
  readonly stateDir: string
  /** Everything now; unchanged sessions are not read again. */
  read(): Promise<ConversationsScan>
  close(): void
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** Longest stretch of synchronous disk checks before waiting requests are let through. */
const SLICE_MS = 2

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

export function createConversationsReader(options: ConversationsReaderOptions): ConversationsReader {
  const { stateDir } = options
  const tailer = options.tailer ?? createJsonlTailer()
  const keep = options.keepScannerMs !== undefined ? { keepScannerMs: options.keepScannerMs } : {}
  const stateDb = createStateDbReader(stateDir)
  const listedDbs = new Map<string, string>()
  const readers = new Map<string, { db: ConversationsDbReader | null; dbPath: string | null; files: AgentConversationsReader }>()
  const pool = options.pool ?? null
  let reported = new Set<string>()

  function agentIds(): string[] {
    const listed = stateDb.read()
    if (listed !== null) {
      listedDbs.clear()
      for (const row of listed) if (!listedDbs.has(row.agentId)) listedDbs.set(row.agentId, row.path)
    }
    let dirs: string[] = []
    try {
      // The entries' types come with the listing: a stat each only for a link (hundreds of agents
      // are listed on every refresh, on the thread that answers requests).
      dirs = readdirSync(join(stateDir, 'agents'), { withFileTypes: true })
        .filter((d) => AGENT_ID.test(d.name) && (d.isDirectory() || (!d.isFile() && isDir(join(stateDir, 'agents', d.name)))))
        .map((d) => d.name)
    } catch {
      dirs = []
    }
    return [...new Set([...dirs, ...listedDbs.keys()])].sort()
  }

  function dbPathOf(agentId: string): string | null {
    const wanted = listedDbs.get(agentId) ?? agentDbPath(stateDir, agentId)
    return existsSync(wanted) ? wanted : null
  }

  /**
   * Agent databases this reader has not read yet whose files have been quiet for the scanner
   * window: the parse workers read them, all queued at once, and hand back what the reader would
   * know after reading them itself. One they cannot take (a session still live, a worker failing)
   * is read in place.
   */
  async function startWorkerReads(ids: string[]): Promise<Map<string, Promise<AgentDbScan | null>>> {
    const started = new Map<string, Promise<AgentDbScan | null>>()
    if (!pool) return started
    const quietBefore = Date.now() - (options.keepScannerMs ?? KEEP_SCANNER_MS)
    let since = performance.now()
    for (const agentId of ids) {
      // A look at the disk for each agent without a database yet: let waiting requests through.
      if (performance.now() - since >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve))
        since = performance.now()
      }
      if (readers.get(agentId)?.db) continue
      const dbPath = dbPathOf(agentId)
      if (dbPath === null || !agentDbQuiet(dbPath, quietBefore)) continue
      started.set(agentId, pool.readAgentDb({ agentId, dbPath }).catch(() => null))
    }
    return started
  }

  function readersOf(agentId: string): { db: ConversationsDbReader | null; files: AgentConversationsReader } {
    const dbPath = dbPathOf(agentId)
    let r = readers.get(agentId)
    if (r && r.dbPath !== dbPath) {
      r.db?.close()
      r = { ...r, db: null, dbPath: null }
    }
    if (!r) r = { db: null, dbPath: null, files: createConversationsFilesReader({ agentId, agentDir: join(stateDir, 'agents', agentId), tailer, pool, ...keep }) }
    if (dbPath !== null && r.db === null) r = { ...r, db: createConversationsDbReader({ agentId, dbPath, ...keep }), dbPath }
    readers.set(agentId, r)
    return r
  }

  async function read(): Promise<ConversationsScan> {
    const rejected: IngestRejection[] = []
    const out: RejectSink = { reject: (place, reason) => rejected.push({ place, reason }) }
    const conversations: ConversationFacts[] = []
    const tasks = new Map<string, Task[]>()
    const seen = new Map<string, string>()
    const ids = agentIds()
    const inWorkers = await startWorkerReads(ids)
    for (const agentId of ids) {
      // An agent's database is read in one go: let waiting requests through between agents.
      await new Promise((resolve) => setImmediate(resolve))
      const r = readersOf(agentId)
      const fromWorker = inWorkers.has(agentId) ? await inWorkers.get(agentId) : null
      if (fromWorker?.state && r.db !== null) {
        for (const x of fromWorker.rejected) out.reject(x.place, x.reason)
        r.db.hydrate(fromWorker.state)
      }
      // The database first: in releases that have both, a session it holds is the current record.
      for (const reader of [r.db, r.files]) {
        if (reader === null) continue
        let got
        try {
          got = await reader.read(out)
        } catch (err) {
          out.reject(join(stateDir, 'agents', agentId), `not readable: ${err instanceof Error ? err.message : String(err)}`)
          continue
        }
        if (got === null) continue
        const agentConversations = got.conversations.filter((c) => {
          const owner = seen.get(c.sessionId)
          // The same session in the database and in the files of one agent: the database holds the current record.
          if (owner !== undefined && owner !== agentId) {
            out.reject(join(stateDir, 'agents', agentId), `session ${c.sessionId} already read for agent ${owner}; skipped`)
          }
          return owner === undefined
        })
        agentConversations.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.sessionId.localeCompare(b.sessionId))
        for (const c of agentConversations) {
          seen.set(c.sessionId, agentId)
          conversations.push(c)
        }
        for (const [id, list] of got.tasks) tasks.set(id, [...(tasks.get(id) ?? []), ...list])
      }
    }
    const listed = new Set(ids)
    for (const [agentId, r] of readers) {
      if (listed.has(agentId)) continue
      r.db?.close()
      r.files.close()
      readers.delete(agentId)
    }
    const unattachedTasks = attachDurableTasks(readDurableTasks(stateDir, out), conversations, tasks)
    const now = new Set(rejected.map((r) => `${r.place}\n${r.reason}`))
    const fresh = rejected.filter((r) => !reported.has(`${r.place}\n${r.reason}`))
    reported = now
    return { conversations, tasks, unattachedTasks, rejected: fresh }
  }

  return {
    stateDir,
    read,
    close() {
      for (const r of readers.values()) {
        r.db?.close()
        r.files.close()
      }
      readers.clear()
      stateDb.close()
    },
  }
}

/**
 * Puts each durable task in the task list of its conversation: the session that ran its run id,
 * else the live session of its child, requester or owner key. Returns those that fit nowhere.
 */
export function attachDurableTasks(durable: DurableTask[], conversations: ConversationFacts[], tasks: Map<string, Task[]>): DurableTask[] {
  if (durable.length === 0) return []
  // Only the run ids some task names: the conversations of a fleet hold thousands of runs.
  const wanted = new Set<string>()
  for (const d of durable) if (d.runId !== null) wanted.add(d.runId)
  const byRun = new Map<string, string>()
  const byKey = new Map<string, ConversationFacts>()
  for (const c of conversations) {
    if (wanted.size > 0) for (const run of c.runs) if (run.runId !== null && wanted.has(run.runId)) byRun.set(run.runId, c.sessionId)
    if (c.sessionKey === null || c.archive !== null) continue
    const prev = byKey.get(c.sessionKey)
    if (!prev || (c.createdAt ?? 0) >= (prev.createdAt ?? 0)) byKey.set(c.sessionKey, c)
  }
  const unattached: DurableTask[] = []
  for (const d of durable) {
    let owner = d.runId !== null ? byRun.get(d.runId) : undefined
    for (const key of d.sessionKeys) owner ??= byKey.get(key)?.sessionId
    if (owner === undefined) {
      unattached.push(d)
      continue
    }
    tasks.set(owner, [...(tasks.get(owner) ?? []), d.task])
  }
  return unattached
}
