/**
 * The file pieces of one agent (≤2026.7): `sessions/sessions.json`, `sessions/<id>.jsonl`
 * transcripts, `sessions/<id>.trajectory.jsonl` and `agent/auth-state.json`. Transcripts and
 * trajectories are tailed from byte-offset checkpoints; the two small JSON files describe current
 * state and are re-read whole when they change. `auth-profiles.json` holds credentials and is never
 * opened.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { OpenClawEvent, SessionSeenEvent } from '../../core/events.js'
import { parseUsageStats } from './auth-state.parser.js'
import type { IngestSink } from './ingest-collector.js'
import { isTailCheckpoint, type JsonlTailer, type TailCheckpoint, type TailResult } from './jsonl-tailer.js'
import { readJsonlRecords, type JsonlRecordsOutput } from './jsonl-records.reader.js'
import { errorText, isObject } from './record-fields.js'
import { readRegularFile, readRegularFileWithTime, SkippedFileError } from './regular-file.js'
import { parseSessionsIndex } from './sessions-index.parser.js'
import {
  createTranscriptLineFilter,
  initialTranscriptState,
  isTranscriptState,
  type TranscriptState,
} from './transcript.parser.js'
import { readTranscriptFile } from './transcript-file.reader.js'
import type { ParsePool } from './parse-pool.js'
import {
  createTrajectoryLineFilter,
  isTrajectoryState,
  translateTrajectoryRecord,
  type TrajectoryState,
} from './trajectory.parser.js'

export interface AgentFilesReaderOptions {
  agentId: string
  /** `<stateDir>/agents/<id>`. */
  agentDir: string
  tailer: JsonlTailer
  checkpoints: ReadonlyMap<string, unknown>
  /** Worker threads for large transcript reads. Default is none (parse in this thread). */
  parsePool?: ParsePool | null
  /** Unread bytes from which a transcript is parsed by the pool. Default is 1 MiB. */
  parsePoolThreshold?: number
}

/** How much of a transcript one pool request parses: bounds the events in flight per request. */
const POOL_SLICE_BYTES = 8 * 1024 * 1024

export type AgentFileKind = 'sessions-index' | 'transcript' | 'trajectory' | 'auth-state'

export interface AgentFilesReader {
  /** Reads every piece that exists. `authFromFiles` is false when the agent database holds auth state. */
  scan(out: IngestSink, authFromFiles: boolean): Promise<void>
  /** Reads one changed file; returns false when the path is not one of this agent's pieces. */
  handle(path: string, out: IngestSink, authFromFiles: boolean): Promise<boolean>
  /** Whether any legacy file piece exists now. */
  hasFiles(): boolean
}

export function fileCheckpointKey(path: string): string {
  return `openclaw:file:${path}`
}

const TRAJECTORY_SUFFIX = '.trajectory.jsonl'

/** Classifies a path inside `agents/<id>/`. */
export function classifyAgentFile(agentDir: string, path: string): AgentFileKind | null {
  const sessionsDir = join(agentDir, 'sessions')
  if (path === join(agentDir, 'agent', 'auth-state.json')) return 'auth-state'
  if (!path.startsWith(sessionsDir + '/') || path.indexOf('/', sessionsDir.length + 1) !== -1) return null
  const name = path.slice(sessionsDir.length + 1)
  if (name === 'sessions.json') return 'sessions-index'
  if (name.endsWith(TRAJECTORY_SUFFIX)) return name.length > TRAJECTORY_SUFFIX.length ? 'trajectory' : null
  if (name.endsWith('.jsonl') && name.length > '.jsonl'.length) return 'transcript'
  return null
}

interface FilePosition<S> {
  checkpoint: TailCheckpoint | undefined
  state: S
}

export function createAgentFilesReader(options: AgentFilesReaderOptions): AgentFilesReader {
  const { agentId, agentDir, tailer } = options
  const sessionsDir = join(agentDir, 'sessions')
  const authStatePath = join(agentDir, 'agent', 'auth-state.json')
  const sessionsIndexPath = join(sessionsDir, 'sessions.json')
  const transcripts = new Map<string, FilePosition<TranscriptState>>()
  const trajectories = new Map<string, FilePosition<TrajectoryState>>()
  const sessionSignatures = new Map<string, string>()
  let authSignature: string | null = null
  const transcriptFilter = createTranscriptLineFilter()
  const trajectoryFilter = createTrajectoryLineFilter()

  function listSessionFiles(): string[] {
    try {
      return readdirSync(sessionsDir).sort()
    } catch {
      return []
    }
  }

  // Legacy pieces that exist, kept up to date from scans and change events (no directory listing per append).
  let present: Set<string> | null = null

  function refreshPresent(): Set<string> {
    present = new Set(
      listSessionFiles()
        .map((n) => join(sessionsDir, n))
        .filter((p) => classifyAgentFile(agentDir, p) !== null),
    )
    if (existsSync(authStatePath)) present.add(authStatePath)
    return present
  }

  function notePresence(path: string): void {
    if (present === null) return
    if (existsSync(path)) present.add(path)
    else present.delete(path)
  }

  function hasFiles(): boolean {
    return (present ?? refreshPresent()).size > 0
  }

  function emitSession(out: IngestSink, event: SessionSeenEvent): void {
    const signature = `${event.sessionKey}|${event.updatedAt}|${event.provider}|${event.model}`
    if (sessionSignatures.get(event.sessionId) === signature) return
    sessionSignatures.set(event.sessionId, signature)
    out.event(event)
  }

  async function readSessionsIndex(out: IngestSink): Promise<void> {
    let text: string
    try {
      text = await readRegularFile(sessionsIndexPath)
    } catch (err) {
      if (err instanceof SkippedFileError) out.reject(sessionsIndexPath, err.reason)
      return
    }
    let parsed: ReturnType<typeof parseSessionsIndex>
    try {
      parsed = parseSessionsIndex(JSON.parse(text))
    } catch (err) {
      // A half-written index is re-read on its next change event.
      out.reject(`${sessionsIndexPath}:1`, `invalid JSON: ${errorText(err)}`)
      return
    }
    if (parsed === null) {
      out.reject(`${sessionsIndexPath}:1`, 'sessions.json is not an object')
      return
    }
    for (const key of parsed.skipped) out.reject(`${sessionsIndexPath}:${key}`, 'session entry without sessionId')
    for (const e of parsed.entries) {
      emitSession(out, {
        kind: 'session_seen',
        agentId,
        sessionId: e.sessionId,
        sessionKey: e.sessionKey,
        updatedAt: e.updatedAt,
        provider: e.provider,
        model: e.model,
      })
    }
  }

  /** A transcript without an index entry still tells which agent owns the session. */
  async function seeSessionFile(out: IngestSink, sessionId: string, path: string): Promise<void> {
    if (sessionSignatures.has(sessionId)) return
    let updatedAt: number | null = null
    try {
      updatedAt = Math.round(statSync(path).mtimeMs)
    } catch {
      return
    }
    emitSession(out, { kind: 'session_seen', agentId, sessionId, sessionKey: null, updatedAt, provider: null, model: null })
  }

  function savedPosition<S>(
    map: Map<string, FilePosition<S>>,
    path: string,
    isState: (v: unknown) => v is S,
    initial: () => S,
  ): FilePosition<S> {
    let pos = map.get(path)
    if (!pos) {
      const saved = options.checkpoints.get(fileCheckpointKey(path))
      if (isObject(saved) && isTailCheckpoint(saved.at)) {
        pos = { checkpoint: { ...saved.at }, state: isState(saved.state) ? { ...saved.state } : initial() }
      } else pos = { checkpoint: undefined, state: initial() }
      map.set(path, pos)
    }
    return pos
  }

  async function readTranscript(out: IngestSink, path: string): Promise<void> {
    const sessionId = basename(path, '.jsonl')
    await seeSessionFile(out, sessionId, path)
    const pos = savedPosition(transcripts, path, isTranscriptState, initialTranscriptState)
    const pool = options.parsePool
    if (pool) {
      let size = 0
      try {
        size = statSync(path).size
      } catch {
        return
      }
      if (size - (pos.checkpoint?.offset ?? 0) >= (options.parsePoolThreshold ?? 1024 * 1024)) {
        if (await readTranscriptInPool(out, pool, path, sessionId, pos)) return
      }
    }
    const job = { agentId, sessionId, path, checkpoint: pos.checkpoint, state: pos.state }
    await readInPlace(out, path, pos, (o) => readTranscriptFile(tailer, transcriptFilter, job, o), () => job.state)
  }

  /** Runs one in-thread read of a JSONL piece and records where it stands. */
  async function readInPlace<S>(
    out: IngestSink,
    path: string,
    pos: FilePosition<S>,
    read: (o: JsonlRecordsOutput<S>) => Promise<TailResult | null>,
    finalState: () => S,
  ): Promise<void> {
    const key = fileCheckpointKey(path)
    const result = await read({
      event: (e) => out.event(e),
      reject: (place, reason) => out.reject(place, reason),
      progress(checkpoint, state) {
        pos.checkpoint = checkpoint
        out.checkpoint(key, { at: checkpoint, state })
        out.maybeFlush()
      },
    })
    pos.state = finalState()
    if (result !== null) out.bytes(result.bytesRead)
    if (result !== null && result.bytesRead === 0 && (result.reset !== null || pos.checkpoint === undefined)) {
      // An emptied or new empty file: remember where it stands so its next append is read from 0.
      pos.checkpoint = result.checkpoint
      out.checkpoint(key, { at: result.checkpoint, state: { ...pos.state } })
    }
  }

  /**
   * Large reads go to the worker pool slice by slice; each slice's events are applied in order
   * with the checkpoint that covers them. Returns false when the rest must be read in place
   * (a worker failed, or a single line is longer than a slice).
   */
  async function readTranscriptInPool(
    out: IngestSink,
    pool: ParsePool,
    path: string,
    sessionId: string,
    pos: FilePosition<TranscriptState>,
  ): Promise<boolean> {
    const key = fileCheckpointKey(path)
    for (;;) {
      let res
      try {
        res = await pool.readTranscript({ agentId, sessionId, path, checkpoint: pos.checkpoint, state: pos.state }, POOL_SLICE_BYTES)
      } catch {
        return false
      }
      for (const r of res.rejected) out.reject(r.place, r.reason)
      for (const e of res.events) out.event(e)
      if (res.result === null) return true
      const before = pos.checkpoint?.offset
      pos.state = res.state
      pos.checkpoint = res.checkpoint ?? res.result.checkpoint
      out.bytes(res.result.bytesRead)
      out.checkpoint(key, { at: pos.checkpoint, state: { ...pos.state } })
      out.maybeFlush()
      if (res.result.done) return true
      if (pos.checkpoint.offset === before) return false
    }
  }

  async function readTrajectory(out: IngestSink, path: string): Promise<void> {
    const sessionId = basename(path, TRAJECTORY_SUFFIX)
    const initial = (): TrajectoryState => ({ lastRunId: null })
    const pos = savedPosition(trajectories, path, isTrajectoryState, initial)
    const job = { path, checkpoint: pos.checkpoint, state: pos.state }
    const translate = (record: unknown, lineNo: number, state: TrajectoryState): { events: OpenClawEvent[] } | { reject: string } => {
      const result = translateTrajectoryRecord(record, { agentId, sessionId, position: lineNo - 1, state })
      return 'reject' in result ? result : { events: result.event ? [result.event] : [] }
    }
    await readInPlace(out, path, pos, (o) => readJsonlRecords(tailer, trajectoryFilter, job, translate, initial, o), () => job.state)
  }

  async function readAuthState(out: IngestSink): Promise<void> {
    let text: string
    let at: number
    try {
      const file = await readRegularFileWithTime(authStatePath)
      text = file.text
      at = Math.round(file.mtimeMs)
    } catch (err) {
      if (err instanceof SkippedFileError) out.reject(authStatePath, err.reason)
      return
    }
    let profiles: ReturnType<typeof parseUsageStats>
    try {
      profiles = parseUsageStats(JSON.parse(text))
    } catch (err) {
      out.reject(`${authStatePath}:1`, `invalid JSON: ${errorText(err)}`)
      return
    }
    if (profiles === null) {
      out.reject(`${authStatePath}:1`, 'auth-state.json is not an object')
      return
    }
    const signature = JSON.stringify(profiles)
    if (signature === authSignature) return
    authSignature = signature
    out.event({ kind: 'auth_state', agentId, at, profiles })
  }

  async function handleKind(kind: AgentFileKind, path: string, out: IngestSink, authFromFiles: boolean): Promise<void> {
    switch (kind) {
      case 'sessions-index':
        return readSessionsIndex(out)
      case 'transcript':
        return readTranscript(out, path)
      case 'trajectory':
        return readTrajectory(out, path)
      case 'auth-state':
        if (authFromFiles) return readAuthState(out)
        return
    }
  }

  return {
    async scan(out, authFromFiles) {
      refreshPresent()
      await readSessionsIndex(out)
      const names = listSessionFiles()
      for (const name of names) {
        const path = join(sessionsDir, name)
        if (classifyAgentFile(agentDir, path) === 'transcript') await readTranscript(out, path)
      }
      for (const name of names) {
        const path = join(sessionsDir, name)
        if (classifyAgentFile(agentDir, path) === 'trajectory') await readTrajectory(out, path)
      }
      if (authFromFiles) await readAuthState(out)
    },
    async handle(path, out, authFromFiles) {
      const kind = classifyAgentFile(agentDir, path)
      if (kind === null) return false
      notePresence(path)
      await handleKind(kind, path, out, authFromFiles)
      return true
    },
    hasFiles,
  }
}

