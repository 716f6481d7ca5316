/**
 * Reads one per-agent OpenClaw database (`agents/<id>/agent/openclaw-agent.sqlite`, 2026.7+) while
 * OpenClaw keeps writing it. One read-only connection per database; `PRAGMA data_version` tells
 * cheaply whether anything was committed since the last look. Nothing is ever written, and the
 * table holding credentials (the auth profile store) is never queried.
 */
import { statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { decompress } from 'fzstd'
import type { IngestRejection, OpenClawEvent, SessionSeenEvent } from '../../core/events.js'
import { parseUsageStats, type AuthProfiles } from './auth-state.parser.js'
import { dbFiles } from './db-files.js'
import type { IngestSink } from './ingest-collector.js'
import { errorText, isObject, time } from './record-fields.js'
import { NOT_REGULAR_REASON } from './regular-file.js'
import { FITTING_EVENT_JSON, MAX_ROW_BYTES, oversized, tooLargeReason, TRANSCRIPT_EVENT_COLUMNS } from './row-limits.js'
import {
  initialTranscriptState,
  isTranscriptState,
  translateTranscriptEntry,
  type TranscriptState,
} from './transcript.parser.js'
import { isTrajectoryState, translateTrajectoryRecord, type TrajectoryState } from './trajectory.parser.js'

export interface AgentDbReaderOptions {
  agentId: string
  dbPath: string
  /** Saved positions (see `dbCheckpointKey`). */
  checkpoints: ReadonlyMap<string, unknown>
  /** Rows fetched per query. Default is 500. */
  pageSize?: number
  /** Clock for event times when a row carries none. Default is `Date.now`. */
  now?: () => number
  /** Milliseconds between full sweeps of every session (guards against rowid reuse). Default is 60000. */
  fullSweepMs?: number
  /**
   * A database whose files were last written longer ago than this gives its connection back
   * after a read, until its files change. Default is 60000.
   */
  quietMs?: number
  /** Read the auth state too. Default is true. */
  authState?: boolean
}

export interface AgentDbReader {
  readonly dbPath: string
  /**
   * Reads what was committed since the last call. Returns false when the database could not be
   * opened or nothing changed. Never throws; errors are logged through the returned value.
   */
  poll(out: IngestSink, force?: boolean): { changed: boolean; error: string | null }
  /** Whether the database has an `auth_profile_state` table (the auth state lives here then). */
  hasAuthState(): boolean
  /** Whether the database holds sessions or transcripts (not only auth state). */
  hasSessionData(): boolean
  close(): void
}

type Table = 'transcript_events' | 'trajectory_runtime_events'

export function dbCheckpointKey(dbPath: string, table: Table, sessionId: string): string {
  return `${DB_KEY}${dbPath}:${table}:${sessionId}`
}

const DB_KEY = 'openclaw:db:'
const TABLES: readonly Table[] = ['transcript_events', 'trajectory_runtime_events']

/** The database a checkpoint key (`dbCheckpointKey`) belongs to; null for any other key. */
export function dbPathOfCheckpointKey(key: string): string | null {
  if (!key.startsWith(DB_KEY)) return null
  for (const table of TABLES) {
    const at = key.indexOf(`:${table}:`, DB_KEY.length)
    if (at > DB_KEY.length) return key.slice(DB_KEY.length, at)
  }
  return null
}

interface TranscriptRow {
  rowid: number | null
  seq: number
  event_json: string | null
  event_zstd: Buffer | null
  event_utf8_bytes: number | null
  event_bytes: number
}

interface TrajectoryRow {
  rowid: number | null
  seq: number
  run_id: string | null
  created_at: number | null
  event_json: string | null
  /** The size of a `model.completed` record too large to read (see `row-limits.ts`). */
  too_large: number | null
}

interface SessionRow {
  session_id: string
  session_key: string | null
  updated_at: number | null
  model_provider: string | null
  model: string | null
}

const decoder = new TextDecoder('utf-8', { fatal: true })

export function createAgentDbReader(options: AgentDbReaderOptions): AgentDbReader {
  const { agentId, dbPath } = options
  const pageSize = options.pageSize ?? 500
  const now = options.now ?? Date.now
  const fullSweepMs = options.fullSweepMs ?? 60_000
  const quietMs = options.quietMs ?? 60_000
  const withAuth = options.authState ?? true

  let db: Database.Database | null = null
  let ino = -1
  let lastDataVersion: number | null = null
  let tables = new Set<string>()
  let lastFullSweep = -Infinity
  const maxRowid: Partial<Record<Table, number>> = {}
  const transcriptPos = new Map<string, { seq: number; state: TranscriptState }>()
  const trajectoryPos = new Map<string, { seq: number; state: TrajectoryState }>()
  const sessionSignatures = new Map<string, string>()
  let authSignature: string | null = null
  const statements = new Map<string, Database.Statement>()
  /** Set while the connection is closed because the files were quiet: the files as they were then. */
  let quietSignature: string | null = null

  function stmt(sql: string): Database.Statement {
    let s = statements.get(sql)
    if (!s) {
      s = db!.prepare(sql)
      statements.set(sql, s)
    }
    return s
  }

  /** Whether the last open found something other than a regular file, and whether that was reported. */
  let notRegular = false
  let notRegularReported = false

  function open(): boolean {
    try {
      const st = statSync(dbPath)
      // SQLite would wait on a FIFO for a writer, on this thread: only a plain file is opened.
      notRegular = !st.isFile()
      if (notRegular) return false
      ino = st.ino
      db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 250 })
      db.pragma('query_only = ON')
      // Hundreds of agent databases stay open: a small page cache each keeps the process light.
      db.pragma('cache_size = -256')
      lastDataVersion = null
      statements.clear()
      return true
    } catch {
      db = null
      return false
    }
  }

  function close(): void {
    quietSignature = null
    statements.clear()
    try {
      db?.close()
    } catch {
      // Closing a connection whose file vanished can fail; nothing is left to release then.
    }
    db = null
  }

  function loadTables(): void {
    const rows = stmt("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    tables = new Set(rows.map((r) => r.name))
  }

  function position<S>(
    map: Map<string, { seq: number; state: S }>,
    table: Table,
    sessionId: string,
    isState: (v: unknown) => v is S,
    initial: () => S,
  ): { seq: number; state: S } {
    let pos = map.get(sessionId)
    if (!pos) {
      const saved = options.checkpoints.get(dbCheckpointKey(dbPath, table, sessionId))
      if (isObject(saved) && typeof saved.seq === 'number') {
        pos = { seq: saved.seq, state: isState(saved.state) ? { ...saved.state } : initial() }
      } else pos = { seq: -1, state: initial() }
      map.set(sessionId, pos)
    }
    return pos
  }

  function readSessions(out: IngestSink): string[] {
    const ids = new Set<string>()
    const rows: SessionRow[] = []
    if (tables.has('session_windows')) {
      rows.push(
        ...(stmt(
          'SELECT session_id, session_key, updated_at, model_provider, model FROM session_windows ORDER BY created_at, session_id',
        ).all() as SessionRow[]),
      )
    }
    if (tables.has('session_nodes')) {
      const nodes = stmt(
        `SELECT current_session_id AS session_id, session_key, updated_at,
           CASE WHEN json_valid(entry_json) THEN json_extract(entry_json, '$.modelProvider') END AS model_provider,
           CASE WHEN json_valid(entry_json) THEN json_extract(entry_json, '$.model') END AS model
         FROM session_nodes`,
      ).all() as SessionRow[]
      const byId = new Map(rows.map((r) => [r.session_id, r]))
      for (const n of nodes) {
        const w = byId.get(n.session_id)
        if (w) {
          w.model_provider ??= typeof n.model_provider === 'string' ? n.model_provider : null
          w.model ??= typeof n.model === 'string' ? n.model : null
          w.updated_at = Math.max(time(w.updated_at) ?? 0, time(n.updated_at) ?? 0) || null
        } else rows.push(n)
      }
    }
    for (const r of rows) {
      if (typeof r.session_id !== 'string' || r.session_id === '') continue
      ids.add(r.session_id)
      const event: SessionSeenEvent = {
        kind: 'session_seen',
        agentId,
        sessionId: r.session_id,
        sessionKey: r.session_key ?? null,
        updatedAt: time(r.updated_at),
        provider: typeof r.model_provider === 'string' ? r.model_provider : null,
        model: typeof r.model === 'string' ? r.model : null,
      }
      const signature = `${event.sessionKey}|${event.updatedAt}|${event.provider}|${event.model}`
      if (sessionSignatures.get(r.session_id) === signature) continue
      sessionSignatures.set(r.session_id, signature)
      out.event(event)
    }
    return [...ids]
  }

  /** Sessions with rows added since the last look, or every known one on a full sweep. */
  function sessionsToRead(table: Table, known: string[], full: boolean): string[] {
    let max: number | null = null
    try {
      max = (stmt(`SELECT max(rowid) AS m FROM ${table}`).get() as { m: number | null }).m
    } catch {
      return full ? known : allSessionsOf(table)
    }
    const previous = maxRowid[table]
    maxRowid[table] = max ?? 0
    if (full || previous === undefined || max === null || max < previous) {
      return [...new Set([...known, ...allSessionsOf(table)])]
    }
    if (max === previous) return []
    const rows = stmt(`SELECT DISTINCT session_id FROM ${table} WHERE rowid > ?`).all(previous) as { session_id: string }[]
    return rows.map((r) => r.session_id)
  }

  function allSessionsOf(table: Table): string[] {
    const rows = stmt(`SELECT DISTINCT session_id FROM ${table}`).all() as { session_id: string }[]
    return rows.map((r) => r.session_id)
  }

  function decodeTranscriptRow(row: TranscriptRow): string {
    if (row.event_json !== null) return row.event_json
    if (row.event_zstd === null) throw new Error('row has neither event_json nor event_zstd')
    const size = row.event_utf8_bytes
    const bytes = decompress(row.event_zstd, typeof size === 'number' && size > 0 ? new Uint8Array(size) : undefined)
    return decoder.decode(bytes)
  }

  function readTranscripts(out: IngestSink, sessionIds: string[]): void {
    const page = stmt(
      `SELECT rowid AS rowid, seq, ${TRANSCRIPT_EVENT_COLUMNS} FROM transcript_events
       WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    )
    for (const sessionId of sessionIds) {
      const pos = position(transcriptPos, 'transcript_events', sessionId, isTranscriptState, initialTranscriptState)
      for (;;) {
        const rows = page.all(sessionId, pos.seq, pageSize) as TranscriptRow[]
        for (const row of rows) {
          const place = (): string => `${dbPath}:transcript_events:${row.rowid ?? `${sessionId}/${row.seq}`}`
          const tooLarge = oversized(row.event_bytes)
          if (tooLarge !== null) {
            out.reject(place(), tooLargeReason(tooLarge))
            pos.seq = row.seq
            continue
          }
          let entry: unknown
          try {
            const text = decodeTranscriptRow(row)
            out.bytes(text.length)
            entry = JSON.parse(text)
          } catch (err) {
            out.reject(place(), `undecodable transcript event: ${errorText(err)}`)
            pos.seq = row.seq
            continue
          }
          const result = translateTranscriptEntry(entry, { agentId, sessionId, state: pos.state })
          if ('reject' in result) out.reject(place(), result.reject)
          else for (const e of result.events) out.event(e)
          pos.seq = row.seq
        }
        if (rows.length > 0) {
          out.checkpoint(dbCheckpointKey(dbPath, 'transcript_events', sessionId), { seq: pos.seq, state: { ...pos.state } })
          out.maybeFlush()
        }
        if (rows.length < pageSize) break
      }
    }
  }

  function readTrajectories(out: IngestSink, sessionIds: string[]): void {
    // Only model.completed records matter; the others (often large) are not fetched.
    const page = stmt(
      `SELECT rowid AS rowid, seq, run_id, created_at,
         CASE WHEN instr(event_json, '"model.completed"') > 0 THEN ${FITTING_EVENT_JSON} END AS event_json,
         CASE WHEN octet_length(event_json) > ${MAX_ROW_BYTES} AND instr(event_json, '"model.completed"') > 0
           THEN octet_length(event_json) END AS too_large
       FROM trajectory_runtime_events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    )
    for (const sessionId of sessionIds) {
      const pos = position(trajectoryPos, 'trajectory_runtime_events', sessionId, isTrajectoryState, () => ({ lastRunId: null }))
      for (;;) {
        const rows = page.all(sessionId, pos.seq, pageSize) as TrajectoryRow[]
        for (const row of rows) {
          pos.seq = row.seq
          const place = (): string => `${dbPath}:trajectory_runtime_events:${row.rowid ?? `${sessionId}/${row.seq}`}`
          if (row.too_large !== null) out.reject(place(), tooLargeReason(row.too_large))
          if (row.event_json === null) continue
          out.bytes(row.event_json.length)
          let record: unknown
          try {
            record = JSON.parse(row.event_json)
          } catch (err) {
            out.reject(place(), `invalid JSON: ${errorText(err)}`)
            continue
          }
          const result = translateTrajectoryRecord(record, {
            agentId,
            sessionId,
            position: row.seq,
            runId: row.run_id,
            createdAt: time(row.created_at),
            state: pos.state,
          })
          if ('reject' in result) out.reject(place(), result.reject)
          else if (result.event) out.event(result.event)
        }
        if (rows.length > 0) {
          out.checkpoint(dbCheckpointKey(dbPath, 'trajectory_runtime_events', sessionId), {
            seq: pos.seq,
            state: { ...pos.state },
          })
          out.maybeFlush()
        }
        if (rows.length < pageSize) break
      }
    }
  }

  function readAuth(out: IngestSink): void {
    const rows = stmt('SELECT rowid AS rowid, state_key, state_json, updated_at FROM auth_profile_state ORDER BY state_key').all() as {
      rowid: number
      state_key: string
      state_json: string
      updated_at: number | null
    }[]
    const profiles: AuthProfiles = {}
    let at = 0
    for (const row of rows) {
      let parsed: AuthProfiles | null = null
      try {
        parsed = parseUsageStats(JSON.parse(row.state_json))
      } catch (err) {
        out.reject(`${dbPath}:auth_profile_state:${row.rowid}`, `invalid JSON: ${errorText(err)}`)
        continue
      }
      if (parsed === null) {
        out.reject(`${dbPath}:auth_profile_state:${row.rowid}`, 'state_json is not an object')
        continue
      }
      Object.assign(profiles, parsed)
      at = Math.max(at, row.updated_at ?? 0)
    }
    const signature = JSON.stringify(profiles)
    if (signature === authSignature) return
    authSignature = signature
    out.event({ kind: 'auth_state', agentId, at: at || now(), profiles })
  }

  function poll(out: IngestSink, force = false): { changed: boolean; error: string | null } {
    // Hundreds of databases each holding a connection and its page cache add up to many MB: one
    // whose files have been quiet for a while is closed, and while they stay as they were nothing is
    // opened. Taken before reading: a commit during the read leaves the files unlike it.
    const before = dbFiles(dbPath)
    if (db === null && !force && quietSignature !== null && before?.signature === quietSignature) return { changed: false, error: null }
    quietSignature = null
    const result = read(out, force)
    if (db !== null && before !== null && Date.now() - before.writtenAt > quietMs) {
      close()
      quietSignature = before.signature
    }
    return result
  }

  function read(out: IngestSink, force: boolean): { changed: boolean; error: string | null } {
    try {
      if (db !== null) {
        // A database file replaced under the same name needs a new connection.
        let currentIno = -1
        try {
          currentIno = statSync(dbPath).ino
        } catch {
          currentIno = -1
        }
        if (currentIno !== ino) {
          close()
          if (currentIno === -1) return { changed: false, error: null }
        }
      }
      if (db === null && !open()) {
        if (notRegular && !notRegularReported) out.reject(dbPath, NOT_REGULAR_REASON)
        notRegularReported ||= notRegular
        return { changed: false, error: null }
      }
      const dataVersion = db!.pragma('data_version', { simple: true }) as number
      if (!force && dataVersion === lastDataVersion) return { changed: false, error: null }
      lastDataVersion = dataVersion
      loadTables()
      // Wall-clock on purpose: sweeps are about I/O pacing, not about the (pinnable) domain clock.
      const wall = Date.now()
      const full = wall - lastFullSweep >= fullSweepMs
      if (full) lastFullSweep = wall
      const known = readSessions(out)
      if (tables.has('transcript_events')) readTranscripts(out, sessionsToRead('transcript_events', known, full))
      if (tables.has('trajectory_runtime_events')) readTrajectories(out, sessionsToRead('trajectory_runtime_events', known, full))
      if (withAuth && tables.has('auth_profile_state')) readAuth(out)
      return { changed: true, error: null }
    } catch (err) {
      // A schema change or a locked file: drop the connection and try again on the next poll.
      close()
      lastDataVersion = null
      return { changed: false, error: errorText(err) }
    }
  }

  return {
    dbPath,
    poll,
    hasAuthState: () => tables.has('auth_profile_state'),
    hasSessionData: () => tables.has('transcript_events') || tables.has('session_windows') || tables.has('session_nodes'),
    close,
  }
}

/** An agent database never read before, to read whole once (in a parse worker). */
export interface AgentDbEventsJob {
  agentId: string
  dbPath: string
}

/** What a read of an agent database gave: events in order, and where each session stands after them. */
export interface AgentDbEvents {
  events: OpenClawEvent[]
  rejected: IngestRejection[]
  checkpoints: [string, unknown][]
  bytesRead: number
  /** Set when the database could not be read; nothing else is then. */
  error: string | null
}

/**
 * Reads an agent database once, from its start, and closes it. The auth state is left to the
 * caller's own reader, which goes on from the positions returned.
 */
export function readAgentDbEvents(job: AgentDbEventsJob): AgentDbEvents {
  const events: OpenClawEvent[] = []
  const rejected: IngestRejection[] = []
  const checkpoints = new Map<string, unknown>()
  let bytesRead = 0
  const reader = createAgentDbReader({ agentId: job.agentId, dbPath: job.dbPath, checkpoints: new Map(), authState: false })
  try {
    const { error } = reader.poll(
      {
        event: (e) => events.push(e),
        reject: (place, reason) => rejected.push({ place, reason }),
        checkpoint: (key, value) => checkpoints.set(key, value),
        bytes: (n) => (bytesRead += n),
        agentOfSession: () => null,
        maybeFlush() {},
      },
      true,
    )
    if (error !== null) return { events: [], rejected: [], checkpoints: [], bytesRead: 0, error }
    return { events, rejected, checkpoints: [...checkpoints], bytesRead, error: null }
  } finally {
    reader.close()
  }
}
