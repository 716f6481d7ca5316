/**
 * The conversations of one agent from the legacy file layout (≤2026.7): `sessions/sessions.json`
 * (session key → current session id), `sessions/<id>.jsonl` transcripts,
 * `sessions/<id>.trajectory.jsonl` trajectories (releases in between), and transcripts OpenClaw
 * archived on reset or delete (`<id>.jsonl.reset.<time>`, `<id>.jsonl.deleted.<time>`). A session is
 * read again only when one of its files changed (size, mtime or inode). `auth-profiles.json` is
 * never opened.
 */
import { readdirSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { ConversationFacts } from '../../core/conversation-facts.js'
import { emptyTokens, MAX_KEPT_RUNS } from '../../core/conversation-facts.js'
import type { AgentConversations, AgentConversationsReader, RejectSink } from './agent-conversations.js'
import type { JsonlTailer, TailCheckpoint } from './jsonl-tailer.js'
import { errorText, isObject, obj, str, time, type JsonObject } from './record-fields.js'
import { readRegularFile, SkippedFileError } from './regular-file.js'
import { parseSessionsIndex } from './sessions-index.parser.js'
import { KEEP_SCANNER_MS } from './conversations-db.reader.js'
import type { ParsePool } from './parse-pool.js'
import { readTrajectoryInto, readTranscriptInto, type SessionFilesScan } from './session-files.scan.js'
import { createSessionScanner, detachRuns, keepRecentRuns, type SessionScanner, type SessionScanResult } from './session-scan.js'

export interface ConversationsFilesReaderOptions {
  agentId: string
  /** `<stateDir>/agents/<id>`. */
  agentDir: string
  tailer: JsonlTailer
  /** Default is `KEEP_SCANNER_MS`. */
  keepScannerMs?: number
  /** Parse workers for first reads of quiet sessions. Default is none: everything is read in place. */
  pool?: ParsePool | null
}

const TRANSCRIPT = /^(.+)\.jsonl$/
const TRAJECTORY = /^(.+)\.trajectory\.jsonl$/
const ARCHIVED = /^(.+)\.jsonl\.(reset|deleted)\.(.+)$/

/**
 * A session's scanner, kept between reads so that a growing transcript is read from where it was
 * left. It holds a node per transcript entry, so it is let go once the session has been quiet for
 * `KEEP_SCANNER_MS`: a quiet session that wakes up is read whole once, then incrementally again.
 */
interface ScanState {
  transcript: string | null
  trajectory: string | null
  scanner: SessionScanner | null
  transcriptAt: TailCheckpoint | undefined
  trajectoryAt: TailCheckpoint | undefined
  signature: string
  scan: SessionScanResult | null
}

interface SessionFiles {
  transcript: string | null
  trajectory: string | null
  archived: { path: string; reason: 'reset' | 'deleted'; at: number | null } | null
}

/** `2026-05-29T04-00-00.000Z` (an ISO time with `:` made file-safe) or epoch ms. */
export function parseArchiveStamp(stamp: string): number | null {
  if (/^\d{10,}$/.test(stamp)) return Number(stamp)
  const iso = stamp.replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3')
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t
}

/**
 * Groups the files of the sessions dir by session id. The id is the file name's stem, unless the
 * index names the file as some session's `sessionFile` (thread transcripts such as
 * `<id>-topic-<n>.jsonl`).
 */
function filesBySession(names: string[], dir: string, sessionOfFile: ReadonlyMap<string, string>): Map<string, SessionFiles> {
  const map = new Map<string, SessionFiles>()
  const idOf = (stem: string): string => sessionOfFile.get(`${stem}.jsonl`) ?? stem
  const of = (id: string): SessionFiles => {
    let f = map.get(id)
    if (!f) {
      f = { transcript: null, trajectory: null, archived: null }
      map.set(id, f)
    }
    return f
  }
  for (const name of names) {
    let m = TRAJECTORY.exec(name)
    if (m) {
      of(idOf(m[1]!)).trajectory = join(dir, name)
      continue
    }
    m = ARCHIVED.exec(name)
    if (m) {
      const at = parseArchiveStamp(m[3]!)
      const f = of(idOf(m[1]!))
      // Several archives of one id: the newest tells how the session ended.
      if (f.archived === null || (at ?? 0) >= (f.archived.at ?? 0)) f.archived = { path: join(dir, name), reason: m[2] as 'reset' | 'deleted', at }
      continue
    }
    m = TRANSCRIPT.exec(name)
    if (m) of(idOf(m[1]!)).transcript = join(dir, name)
  }
  return map
}

export function createConversationsFilesReader(options: ConversationsFilesReaderOptions): AgentConversationsReader {
  const { agentId, agentDir, tailer } = options
  const pool = options.pool ?? null
  const keepScannerMs = options.keepScannerMs ?? KEEP_SCANNER_MS
  const sessionsDir = join(agentDir, 'sessions')
  const indexPath = join(sessionsDir, 'sessions.json')
  const scans = new Map<string, ScanState>()
  /** Where the scanner of the session being read reports malformed records. */
  let lastOut: RejectSink = { reject() {} }

  /** Whether every file was last written before `before` (false when one cannot be looked at). */
  async function quietSince(paths: string[], before: number): Promise<boolean> {
    for (const p of paths) {
      try {
        if ((await stat(p)).mtimeMs >= before) return false
      } catch {
        return false
      }
    }
    return true
  }

  async function signature(paths: (string | null)[]): Promise<string> {
    const parts: string[] = []
    for (const p of paths) {
      if (p === null) continue
      try {
        const st = await stat(p)
        parts.push(`${p}:${st.ino}:${st.size}:${st.mtimeMs}`)
      } catch {
        parts.push(`${p}:-`)
      }
    }
    return parts.join('|')
  }

  /**
   * Reads a session's files into its scanner: from where the last read stopped when the same files
   * only grew, else from the start with a new scanner (a file replaced, truncated or renamed).
   */
  async function scanSession(
    sessionId: string,
    files: SessionFiles,
    out: RejectSink,
    prev: ScanState | undefined,
    inWorker: SessionFilesScan | null | undefined,
  ): Promise<ScanState> {
    const transcript = files.transcript ?? files.archived?.path ?? null
    if (prev === undefined && inWorker) {
      // Read whole by a parse worker: the result without a scanner, like any quiet session's.
      for (const r of inWorker.rejected) out.reject(r.place, r.reason)
      return {
        transcript,
        trajectory: files.trajectory,
        scanner: null,
        transcriptAt: inWorker.transcriptAt,
        trajectoryAt: inWorker.trajectoryAt,
        signature: '',
        scan: inWorker.scan,
      }
    }
    const sameFiles = prev !== undefined && prev.scanner !== null && prev.transcript === transcript && prev.trajectory === files.trajectory
    const attempt = async (state: ScanState): Promise<boolean> => {
      lastOut = out
      const scanner = state.scanner!
      let read = false
      if (transcript !== null) {
        const r = await readTranscriptInto(tailer, transcript, state.transcriptAt, out, scanner)
        if (r !== null) {
          if (r.reset !== null && state.transcriptAt !== undefined) return false
          state.transcriptAt = r.checkpoint
          read = true
        }
      }
      if (files.trajectory !== null) {
        const r = await readTrajectoryInto(tailer, files.trajectory, state.trajectoryAt, out, scanner)
        if (r !== null) {
          if (r.reset !== null && state.trajectoryAt !== undefined) return false
          state.trajectoryAt = r.checkpoint
          read = true
        }
      }
      state.scan = read || state.scan !== null ? keepRecentRuns(scanner.finish(), MAX_KEPT_RUNS) : null
      if (state.scan === null || (state.scan.lastRecordAt !== null && state.scan.lastRecordAt < Date.now() - keepScannerMs)) state.scanner = null
      else state.scan = detachRuns(state.scan)
      return true
    }
    if (sameFiles && (await attempt(prev))) return prev
    const fresh: ScanState = {
      transcript,
      trajectory: files.trajectory,
      scanner: createSessionScanner(agentId, sessionId, (place, reason) => lastOut.reject(place, reason)),
      transcriptAt: undefined,
      trajectoryAt: undefined,
      signature: '',
      scan: null,
    }
    await attempt(fresh)
    return fresh
  }

  interface Index {
    entries: Map<string, { key: string; raw: JsonObject }>
    /** Base name of each entry's `sessionFile` → its session id. */
    sessionOfFile: Map<string, string>
    ok: boolean
  }

  async function readIndex(out: RejectSink): Promise<Index | null> {
    let text: string
    try {
      text = await readRegularFile(indexPath)
    } catch (err) {
      if (err instanceof SkippedFileError) out.reject(indexPath, err.reason)
      return null
    }
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch (err) {
      out.reject(`${indexPath}:1`, `invalid JSON: ${errorText(err)}`)
      return { entries: new Map(), sessionOfFile: new Map(), ok: false }
    }
    const parsed = parseSessionsIndex(document)
    if (parsed === null) {
      out.reject(`${indexPath}:1`, 'sessions.json is not an object')
      return { entries: new Map(), sessionOfFile: new Map(), ok: false }
    }
    for (const key of parsed.skipped) out.reject(`${indexPath}:${key}`, 'session entry without sessionId')
    const root = obj(document) ?? {}
    const entries = new Map<string, { key: string; raw: JsonObject }>()
    for (const e of parsed.entries) {
      const raw = root[e.sessionKey]
      // The newest key wins when two keys name the same session.
      const prev = entries.get(e.sessionId)
      if (prev && (time(prev.raw.updatedAt) ?? 0) > (e.updatedAt ?? 0)) continue
      entries.set(e.sessionId, { key: e.sessionKey, raw: isObject(raw) ? raw : {} })
    }
    const sessionOfFile = new Map<string, string>()
    for (const [sessionId, { raw }] of entries) {
      const file = str(raw.sessionFile)
      if (file !== null) sessionOfFile.set(basename(file), sessionId)
    }
    return { entries, sessionOfFile, ok: true }
  }

  /**
   * Sessions never read whose files have been quiet for `keepScannerMs` (the bulk of a long
   * history) go to the parse workers, all queued at once: the pool reads as many at a time as it
   * has workers. A session a worker fails on is read in place.
   */
  async function startWorkerScans(
    ids: string[],
    files: Map<string, SessionFiles>,
    shown: (id: string, f: SessionFiles) => boolean,
  ): Promise<Map<string, Promise<SessionFilesScan | null>>> {
    const started = new Map<string, Promise<SessionFilesScan | null>>()
    if (!pool) return started
    const quietBefore = Date.now() - keepScannerMs
    for (const sessionId of ids) {
      const f = files.get(sessionId)
      if (!f || scans.has(sessionId) || !shown(sessionId, f)) continue
      const transcript = f.transcript ?? f.archived?.path ?? null
      const paths = [transcript, f.trajectory].filter((p): p is string => p !== null)
      if (paths.length === 0 || !(await quietSince(paths, quietBefore))) continue
      started.set(
        sessionId,
        pool.scanSession({ agentId, sessionId, transcript, trajectory: f.trajectory }).catch(() => null),
      )
    }
    return started
  }

  async function read(out: RejectSink): Promise<AgentConversations | null> {
    let names: string[]
    try {
      names = readdirSync(sessionsDir).sort()
    } catch {
      scans.clear()
      return null
    }
    const index = await readIndex(out)
    const files = filesBySession(names, sessionsDir, index?.sessionOfFile ?? new Map())
    const ids = [...new Set([...(index?.entries.keys() ?? []), ...files.keys()])]
    const conversations: ConversationFacts[] = []
    // A trajectory alone, with no transcript and no index entry, is not a conversation to show.
    const shown = (id: string, f: SessionFiles): boolean => !(f.transcript === null && f.archived === null && f.trajectory !== null && !index?.entries.has(id))
    const inWorkers = await startWorkerScans(ids, files, shown)
    for (const sessionId of ids) {
      const f = files.get(sessionId) ?? { transcript: null, trajectory: null, archived: null }
      if (!shown(sessionId, f)) continue
      const sig = await signature([f.transcript ?? f.archived?.path ?? null, f.trajectory])
      let cached = scans.get(sessionId)
      if (!cached || cached.signature !== sig) {
        cached = await scanSession(sessionId, f, out, cached, await inWorkers.get(sessionId))
        cached.signature = sig
        scans.set(sessionId, cached)
      }
      const scan = cached.scan
      const entry = index?.entries.get(sessionId) ?? null
      const raw = entry?.raw ?? {}

      let archive: ConversationFacts['archive'] = null
      if (f.transcript === null && f.archived !== null) archive = { reason: f.archived.reason, at: f.archived.at }
      else if (index !== null && index.ok && entry === null) archive = { reason: 'detached', at: null }

      const provider = str(raw.modelProvider)
      const model = str(raw.model)
      conversations.push({
        source: 'openclaw',
        agentId,
        sessionId,
        sessionKey: entry?.key ?? null,
        layout: 'legacy',
        label: str(raw.label) ?? str(raw.displayName),
        firstUserText: scan?.firstUserText ?? null,
        trigger: null,
        createdAt: scan?.createdAt ?? null,
        indexUpdatedAt: time(raw.updatedAt),
        lastActivityAt: scan?.lastRecordAt ?? time(raw.updatedAt),
        // An index entry whose transcript is not written yet has no message.
        messageCount: scan !== null ? scan.messageCount : f.transcript === null && f.archived === null ? 0 : null,
        tokens: scan ? { ...scan.tokens } : emptyTokens(),
        costUsd: scan?.costUsd ?? 0,
        indexModel: provider !== null && model !== null ? `${provider}/${model}` : null,
        runs: scan ? scan.runs : [],
        runCount: scan ? (scan.runCount ?? scan.runs.length) : 0,
        archive,
        observed: { status: null, startedAt: null, endedAt: null, abortedLastRun: raw.abortedLastRun === true },
      })
    }
    const present = new Set(ids)
    for (const id of scans.keys()) if (!present.has(id)) scans.delete(id)
    return { agentId, conversations, tasks: new Map() }
  }

  return {
    agentId,
    read,
    close() {
      scans.clear()
    },
  }
}
