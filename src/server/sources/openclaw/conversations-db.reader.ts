/**
 * The conversations of one agent from its database (`agents/<id>/agent/openclaw-agent.sqlite`,
 * 2026.8+): one conversation per session id of `session_windows`, with its key's `session_nodes`
 * row, its `transcript_events` and `trajectory_runtime_events`, plus sessions that exist only as a
 * `session_transcript_archives` row (deleted or reset). Read-only, one connection; a session is
 * scan again only when its rows changed, and nothing at all is read when `PRAGMA data_version`
 * says nothing was committed. The credentials table is never queried.
 */
import { statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { decompress } from 'fzstd'
import type { Task } from '../../../shared/conversations.js'
import type { ConversationFacts, ObservedRunStatus } from '../../core/conversation-facts.js'
import { emptyTokens, MAX_KEPT_RUNS } from '../../core/conversation-facts.js'
import type { AgentConversations, AgentConversationsReader, RejectSink } from './agent-conversations.js'
import { dbFiles } from './db-files.js'
import { progressCardTasks } from './durable-tasks.reader.js'
import { errorText, isObject, num, str, time, type JsonObject } from './record-fields.js'
import { SkippedFileError } from './regular-file.js'
import { FITTING_EVENT_JSON, oversized, tooLargeReason, TRANSCRIPT_EVENT_COLUMNS } from './row-limits.js'
import { createSessionScanner, detachRuns, keepRecentRuns, type SessionScanner, type SessionScanResult } from './session-scan.js'

export interface ConversationsDbReaderOptions {
  agentId: string
  dbPath: string
  /** Default is `KEEP_SCANNER_MS`. */
  keepScannerMs?: number
}

type Row = Record<string, unknown>

/**
 * A session's scanner, kept between reads so that only new rows are read. It holds a node per
 * transcript entry, so it is let go once the session has been quiet for `KEEP_SCANNER_MS`: a quiet
 * session that wakes up is read whole once, then incrementally again.
 */
interface ScanState {
  sessionId: string
  scanner: SessionScanner | null
  /** Highest seq fed, per table. */
  transcriptSeq: number
  trajectorySeq: number
  /** Rows fed, per table. */
  transcriptCount: number
  trajectoryCount: number
  signature: string
  scan: SessionScanResult | null
}

const OBSERVED = new Set<ObservedRunStatus>(['running', 'done', 'failed', 'killed', 'timeout'])
/** Trajectory records whose content matters; the others only count as activity of their run. */
const TRAJECTORY_TYPES = ['session.started', 'session.ended', 'model.completed']

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Rows read at a time: a long session is read in slices, letting other work through between them. */
const PAGE_ROWS = 500

/** The page after `rows` (which ended at the highest seq read so far), after letting other work through. */
async function nextPage(page: Database.Statement, sessionId: string, _from: number, rows: Row[], types: readonly string[] = []): Promise<Row[]> {
  if (rows.length < PAGE_ROWS) return []
  await new Promise((resolve) => setImmediate(resolve))
  const lastSeq = num(rows[rows.length - 1]!.seq) ?? Infinity
  return page.all(...types, sessionId, lastSeq) as Row[]
}

/** Scanners of sessions quiet for longer than this are dropped (see `ScanState`). */
export const KEEP_SCANNER_MS = 10 * 60_000

function observedStatus(value: unknown): ObservedRunStatus | null {
  return typeof value === 'string' && OBSERVED.has(value as ObservedRunStatus) ? (value as ObservedRunStatus) : null
}

function maxOf(...values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null)
  return present.length > 0 ? Math.max(...present) : null
}

function modelRef(provider: unknown, model: unknown): string | null {
  const p = str(provider)
  const m = str(model)
  return p !== null && m !== null ? `${p}/${m}` : null
}

/**
 * What a reader whose sessions are all quiet knows, as plain data: a parse worker reads an agent
 * database the first time and hands this over, and the reader in the server takes it up as if it
 * had read the database itself.
 */
export interface QuietDbReaderState {
  scans: (Omit<ScanState, 'scanner'> & { scanner: null })[]
  last: AgentConversations
  quietSignature: string
}

export interface ConversationsDbReader extends AgentConversationsReader {
  /** The state after a read that left every session quiet (the connection closed); else null. */
  exportQuiet(): QuietDbReaderState | null
  /** Takes up a state exported by another reader of the same database. */
  hydrate(state: QuietDbReaderState): void
}

/** Whether the database and its WAL were last written before `before`. */
export function agentDbQuiet(dbPath: string, before: number): boolean {
  try {
    if (statSync(dbPath).mtimeMs >= before) return false
  } catch {
    return false
  }
  try {
    return statSync(`${dbPath}-wal`).mtimeMs < before
  } catch {
    return true
  }
}

export function createConversationsDbReader(options: ConversationsDbReaderOptions): ConversationsDbReader {
  const { agentId, dbPath } = options
  const keepScannerMs = options.keepScannerMs ?? KEEP_SCANNER_MS
  let db: Database.Database | null = null
  let ino = -1
  let lastDataVersion: number | null = null
  let last: AgentConversations | null = null
  const scans = new Map<string, ScanState>()
  /** Where the scanner of the session being read reports malformed records. */
  let lastOut: RejectSink = { reject() {} }

  /** Set while the connection is closed with every session quiet: the files as they were then. */
  let quietSignature: string | null = null

  function close(): void {
    try {
      db?.close()
    } catch {
      // The file may be gone already.
    }
    db = null
    lastDataVersion = null
  }

  function open(out: RejectSink): boolean {
    try {
      const st = statSync(dbPath)
      // SQLite would wait on a FIFO for a writer, on this thread: only a plain file is opened.
      if (!st.isFile()) throw new SkippedFileError(dbPath)
      const current = st.ino
      if (db !== null && current === ino) return true
      close()
      db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 250 })
      db.pragma('query_only = ON')
      db.pragma('cache_size = -256')
      ino = current
      return true
    } catch (err) {
      close()
      // A database removed between two looks is no error; anything else is worth a line.
      const code = (err as NodeJS.ErrnoException).code
      if (err instanceof SkippedFileError) out.reject(dbPath, err.reason)
      else if (code !== 'ENOENT' && code !== 'ENOTDIR') out.reject(dbPath, `agent database not readable: ${errorText(err)}`)
      return false
    }
  }

  function all(sql: string, ...params: unknown[]): Row[] {
    return db!.prepare(sql).all(...params) as Row[]
  }

  function decodeEvent(row: Row): string {
    if (typeof row.event_json === 'string') return row.event_json
    if (!(row.event_zstd instanceof Uint8Array)) throw new Error('row has neither event_json nor event_zstd')
    const size = num(row.event_utf8_bytes)
    return decoder.decode(decompress(row.event_zstd, size !== null && size > 0 ? new Uint8Array(size) : undefined))
  }

  /**
   * Feeds a session's rows to its scanner: all of them for a new scanner, else only those after
   * what it has seen. Returns how many rows of each table were fed.
   */
  async function feed(state: ScanState, tables: Set<string>, out: RejectSink): Promise<{ transcript: number; trajectory: number }> {
    const { sessionId } = state
    const scanner = state.scanner!
    let transcript = 0
    let trajectory = 0
    if (tables.has('transcript_events')) {
      const page = db!.prepare(
        `SELECT rowid AS rowid, seq, ${TRANSCRIPT_EVENT_COLUMNS} FROM transcript_events
         WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ${PAGE_ROWS}`,
      )
      for (let rows = page.all(sessionId, state.transcriptSeq) as Row[]; rows.length > 0; rows = await nextPage(page, sessionId, state.transcriptSeq, rows)) for (const row of rows) {
        transcript++
        state.transcriptSeq = Math.max(state.transcriptSeq, num(row.seq) ?? state.transcriptSeq)
        const place = `${dbPath}:transcript_events:${String(row.rowid ?? `${sessionId}/${String(row.seq)}`)}`
        const tooLarge = oversized(row.event_bytes)
        if (tooLarge !== null) {
          out.reject(place, tooLargeReason(tooLarge))
          continue
        }
        let entry: unknown
        try {
          entry = JSON.parse(decodeEvent(row))
        } catch (err) {
          out.reject(place, `undecodable transcript event: ${errorText(err)}`)
          continue
        }
        scanner.transcript(entry, place)
      }
    }
    if (tables.has('trajectory_runtime_events')) {
      const wanted = TRAJECTORY_TYPES.map(() => '?').join(', ')
      // Only the records that say something are fetched whole; the others (often large) are reduced to their type.
      const page = db!.prepare(
        `SELECT rowid AS rowid, seq, run_id, created_at, json_valid(event_json) AS valid,
           CASE WHEN json_valid(event_json) THEN json_extract(event_json, '$.type') END AS type,
           CASE WHEN json_valid(event_json) AND json_extract(event_json, '$.type') IN (${wanted}) THEN ${FITTING_EVENT_JSON} END AS event_json,
           octet_length(event_json) AS event_bytes
         FROM trajectory_runtime_events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ${PAGE_ROWS}`,
      )
      const types = TRAJECTORY_TYPES
      for (
        let rows = page.all(...types, sessionId, state.trajectorySeq) as Row[];
        rows.length > 0;
        rows = await nextPage(page, sessionId, state.trajectorySeq, rows, types)
      ) for (const row of rows) {
        trajectory++
        state.trajectorySeq = Math.max(state.trajectorySeq, num(row.seq) ?? state.trajectorySeq)
        const place = `${dbPath}:trajectory_runtime_events:${String(row.rowid ?? `${sessionId}/${String(row.seq)}`)}`
        if (row.valid !== 1) {
          out.reject(place, 'invalid JSON')
          continue
        }
        const tooLarge = oversized(row.event_bytes)
        if (tooLarge !== null && row.event_json === null && TRAJECTORY_TYPES.includes(str(row.type) ?? '')) {
          out.reject(place, tooLargeReason(tooLarge))
          continue
        }
        const meta = { position: num(row.seq) ?? 0, runId: str(row.run_id), createdAt: time(row.created_at) }
        const record: unknown = typeof row.event_json === 'string' ? JSON.parse(row.event_json) : { type: str(row.type) }
        scanner.trajectory(record, meta, place)
      }
    }
    return { transcript, trajectory }
  }

  const newState = (sessionId: string): ScanState => ({
    sessionId,
    scanner: createSessionScanner(agentId, sessionId, (place, reason) => lastOut.reject(place, reason)),
    transcriptSeq: -Infinity,
    trajectorySeq: -Infinity,
    transcriptCount: 0,
    trajectoryCount: 0,
    signature: '',
    scan: null,
  })

  /**
   * The session's scan for these table signatures: rows appended since the last scan are fed to
   * the same scanner; anything else (rows removed or rewritten) starts it over.
   */
  async function scanSession(
    sessionId: string,
    tables: Set<string>,
    sig: { transcript: [number, number]; trajectory: [number, number] },
    out: RejectSink,
  ): Promise<SessionScanResult> {
    lastOut = out
    let state = scans.get(sessionId)
    const appended =
      state !== undefined &&
      state.scan !== null &&
      state.scanner !== null &&
      sig.transcript[1] >= state.transcriptCount &&
      sig.trajectory[1] >= state.trajectoryCount &&
      sig.transcript[0] >= (Number.isFinite(state.transcriptSeq) ? state.transcriptSeq : -Infinity) &&
      sig.trajectory[0] >= (Number.isFinite(state.trajectorySeq) ? state.trajectorySeq : -Infinity)
    if (state && appended) {
      const fed = await feed(state, tables, out)
      // Fewer new rows than the counts grew by: rows were rewritten below what was read. (More is
      // fine: rows appended while this read went on.)
      if (state.transcriptCount + fed.transcript < sig.transcript[1] || state.trajectoryCount + fed.trajectory < sig.trajectory[1]) state = undefined
      else {
        state.transcriptCount += fed.transcript
        state.trajectoryCount += fed.trajectory
      }
    } else state = undefined
    if (!state) {
      state = newState(sessionId)
      const fed = await feed(state, tables, out)
      state.transcriptCount = fed.transcript
      state.trajectoryCount = fed.trajectory
    }
    state.scan = keepRecentRuns(state.scanner!.finish(), MAX_KEPT_RUNS)
    if (state.scan.lastRecordAt !== null && state.scan.lastRecordAt < Date.now() - keepScannerMs) state.scanner = null
    else state.scan = detachRuns(state.scan)
    scans.set(sessionId, state)
    return state.scan
  }

  /** Per session: the highest seq and the number of rows. */
  function signatures(table: string, tables: Set<string>): Map<string, [number, number]> {
    if (!tables.has(table)) return new Map()
    const rows = all(`SELECT session_id, max(seq) AS m, count(*) AS c FROM ${table} GROUP BY session_id`)
    return new Map(rows.map((r) => [String(r.session_id), [num(r.m) ?? -1, num(r.c) ?? 0]]))
  }

  function parseEntry(row: Row, out: RejectSink): JsonObject {
    if (typeof row.entry_json !== 'string') return {}
    try {
      const parsed: unknown = JSON.parse(row.entry_json)
      if (isObject(parsed)) return parsed
      out.reject(`${dbPath}:session_nodes:${String(row.session_key)}`, 'entry_json is not an object')
    } catch (err) {
      out.reject(`${dbPath}:session_nodes:${String(row.session_key)}`, `invalid entry_json: ${errorText(err)}`)
    }
    return {}
  }

  async function readAll(out: RejectSink): Promise<AgentConversations> {
    const tables = new Set(all("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name)))
    // Whole rows, read by name: columns come and go between schema versions.
    const windows = tables.has('session_windows') ? all('SELECT * FROM session_windows') : []
    windows.sort((a, b) => (time(a.created_at) ?? 0) - (time(b.created_at) ?? 0))
    const nodes = tables.has('session_nodes') ? all('SELECT * FROM session_nodes') : []
    const archives = tables.has('session_transcript_archives') ? all('SELECT * FROM session_transcript_archives') : []
    archives.sort((a, b) => (time(a.created_at) ?? 0) - (time(b.created_at) ?? 0))
    const cold = new Set(
      tables.has('session_transcript_cold_archives')
        ? all('SELECT session_id FROM session_transcript_cold_archives').map((r) => String(r.session_id))
        : [],
    )
    const indexCounts = new Map(
      tables.has('session_transcript_index_state')
        ? all('SELECT session_id, active_message_count FROM session_transcript_index_state').map((r) => [
            String(r.session_id),
            num(r.active_message_count),
          ])
        : [],
    )
    const transcriptSig = signatures('transcript_events', tables)
    const trajectorySig = signatures('trajectory_runtime_events', tables)

    const nodeByKey = new Map<string, { row: Row; entry: JsonObject }>()
    for (const row of nodes) {
      const key = str(row.session_key)
      if (key !== null) nodeByKey.set(key, { row, entry: parseEntry(row, out) })
    }
    const windowById = new Map<string, Row>()
    for (const w of windows) {
      const id = str(w.session_id)
      if (id !== null) windowById.set(id, w)
    }
    const archiveById = new Map<string, Row>()
    for (const a of archives) {
      const id = str(a.session_id)
      if (id !== null) archiveById.set(id, a)
    }
    const keyOfCurrent = new Map<string, string>()
    for (const [key, n] of nodeByKey) {
      const current = str(n.row.current_session_id)
      if (current !== null) keyOfCurrent.set(current, key)
    }
    const ids = [...new Set([...windowById.keys(), ...[...nodeByKey.values()].map((n) => str(n.row.current_session_id)), ...archiveById.keys()])]
      .filter((id): id is string => id !== null)

    const conversations: ConversationFacts[] = []
    for (const sessionId of ids) {
      const window = windowById.get(sessionId) ?? null
      const archived = archiveById.get(sessionId) ?? null
      const key = str(window?.session_key) ?? str(archived?.session_key) ?? keyOfCurrent.get(sessionId) ?? null
      const node = key !== null ? (nodeByKey.get(key) ?? null) : null
      const isCurrent = node !== null && str(node.row.current_session_id) === sessionId
      const entry = isCurrent ? node.entry : {}

      const hasRows = transcriptSig.has(sessionId) || trajectorySig.has(sessionId)
      let scan: SessionScanResult | null = null
      if (hasRows) {
        const t = transcriptSig.get(sessionId) ?? [-1, 0]
        const r = trajectorySig.get(sessionId) ?? [-1, 0]
        const signature = `${t.join('/')}|${r.join('/')}`
        const cached = scans.get(sessionId)
        if (cached && cached.scan !== null && cached.signature === signature) scan = cached.scan
        else {
          scan = await scanSession(sessionId, tables, { transcript: t, trajectory: r }, out)
          scans.get(sessionId)!.signature = signature
        }
      }

      let archive: ConversationFacts['archive'] = null
      if (archived !== null) {
        const reason = str(archived.reason)
        archive = { reason: reason === 'reset' ? 'reset' : 'deleted', at: time(archived.created_at) }
      } else if (isCurrent && time(node.row.archived_at) !== null) {
        archive = { reason: 'archived', at: time(node.row.archived_at) }
      } else if (window !== null && node !== null && !isCurrent) {
        const successor = windows.find((w) => str(w.previous_session_id) === sessionId)
        archive = { reason: 'superseded', at: successor ? time(successor.created_at) : null }
      } else if (window !== null && node === null) {
        archive = { reason: 'detached', at: null }
      }

      let messageCount: number | null = scan !== null ? scan.messageCount : window !== null ? 0 : null
      // Events moved to a cold archive are no longer in transcript_events; OpenClaw's index still counts them.
      if (cold.has(sessionId)) messageCount = indexCounts.get(sessionId) ?? messageCount

      conversations.push({
        source: 'openclaw',
        agentId,
        sessionId,
        sessionKey: key,
        layout: 'sqlite',
        label: str(node?.row.label) ?? str(node?.row.display_name) ?? str(window?.display_name) ?? str(entry.label) ?? str(entry.displayName),
        firstUserText: scan?.firstUserText ?? null,
        trigger: str(node?.row.created_via),
        createdAt: time(window?.created_at) ?? time(entry.sessionStartedAt) ?? scan?.createdAt ?? time(archived?.created_at),
        indexUpdatedAt: maxOf(time(window?.updated_at), isCurrent ? time(node.row.updated_at) : null),
        lastActivityAt:
          scan?.lastRecordAt ?? (isCurrent ? (time(entry.lastActivityAt) ?? time(node.row.last_activity_at)) : null) ?? time(window?.transcript_updated_at),
        messageCount,
        tokens: scan ? { ...scan.tokens } : emptyTokens(),
        costUsd: scan?.costUsd ?? 0,
        indexModel: modelRef(window?.model_provider, window?.model) ?? modelRef(entry.modelProvider, entry.model),
        runs: scan ? scan.runs : [],
        runCount: scan ? (scan.runCount ?? scan.runs.length) : 0,
        archive,
        observed: {
          status: observedStatus(window?.status) ?? (isCurrent ? (observedStatus(node.row.status) ?? observedStatus(entry.status)) : null),
          startedAt: time(window?.started_at) ?? (isCurrent ? time(entry.startedAt) : null),
          endedAt: time(window?.ended_at) ?? (isCurrent ? time(entry.endedAt) : null),
          abortedLastRun: isCurrent && entry.abortedLastRun === true,
        },
      })
    }
    const present = new Set(ids)
    for (const id of scans.keys()) if (!present.has(id)) scans.delete(id)

    const tasks = new Map<string, Task[]>()
    if (tables.has('session_progress_cards')) {
      for (const row of all('SELECT session_key, steps_json, updated_at FROM session_progress_cards ORDER BY session_key')) {
        const key = str(row.session_key)
        const owner = key !== null ? str(nodeByKey.get(key)?.row.current_session_id) : null
        if (key === null || owner === null) continue
        const list = progressCardTasks(row, `${dbPath}:session_progress_cards:${key}`, out)
        if (list.length > 0) tasks.set(owner, list)
      }
    }
    return { agentId, conversations, tasks }
  }

  return {
    agentId,
    async read(out) {
      // An agent whose sessions are all quiet gives its connection (and its page cache) back;
      // while its files stay as they were, nothing is read.
      // Taken before reading: a write during the read leaves the files unlike it, and is read next time.
      const signature = dbFiles(dbPath)?.signature ?? null
      if (db === null && last !== null && quietSignature !== null && signature === quietSignature) return last
      quietSignature = null
      if (!open(out)) {
        last = null
        return null
      }
      try {
        const version = db!.pragma('data_version', { simple: true }) as number
        if (last !== null && version === lastDataVersion) return last
        last = await readAll(out)
        lastDataVersion = version
        if (signature !== null && [...scans.values()].every((s) => s.scanner === null)) {
          quietSignature = signature
          close()
        }
        return last
      } catch (err) {
        // A schema change or a locked file: drop the connection and try again on the next read.
        out.reject(dbPath, `agent database not readable: ${errorText(err)}`)
        close()
        last = null
        return null
      }
    },
    close() {
      close()
      scans.clear()
      last = null
      quietSignature = null
    },
    exportQuiet() {
      if (db !== null || last === null || quietSignature === null) return null
      return { scans: [...scans.values()].map((st) => ({ ...st, scanner: null })), last, quietSignature }
    },
    hydrate(state) {
      close()
      scans.clear()
      for (const st of state.scans) scans.set(st.sessionId, st)
      last = state.last
      quietSignature = state.quietSignature
    },
  }
}
