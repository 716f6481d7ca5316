/**
 * A small pool of worker threads that parse large transcript and log slices off the main thread.
 * Used for big reads only (a first read of a long history); small appends are parsed in place, where
 * they cost less than a message round trip.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { IngestRejection, OpenClawEvent } from '../../core/events.js'
import type { TailCheckpoint, TailResult } from './jsonl-tailer.js'
import type { TranscriptFileJob } from './transcript-file.reader.js'
import type { TranscriptState } from './transcript.parser.js'
import type { QuietDbReaderState } from './conversations-db.reader.js'
import type { SessionFilesJob, SessionFilesScan } from './session-files.scan.js'
import type { AgentDbEvents, AgentDbEventsJob } from './agent-db.reader.js'
import type { GatewayLogRange, GatewayLogRangeJob } from './gateway-log.reader.js'

/** A transcript slice for the model-status ingest, or a whole session for conversations. */
export type ParseRequest =
  | { id: number; kind: 'transcript'; job: TranscriptFileJob; maxBytes?: number }
  | { id: number; kind: 'session'; job: SessionFilesJob }
  | { id: number; kind: 'agent-db'; job: AgentDbJob }
  | { id: number; kind: 'agent-db-events'; job: AgentDbEventsJob }
  | { id: number; kind: 'log'; job: GatewayLogRangeJob }

/** An agent database read whole for conversations. */
export interface AgentDbJob {
  agentId: string
  dbPath: string
}

export interface AgentDbScan {
  /** Null when some session is not quiet yet: the server reads that database itself. */
  state: QuietDbReaderState | null
  rejected: IngestRejection[]
}

export interface ParseResult {
  id: number
  ok: true
  kind: 'transcript'
  events: OpenClawEvent[]
  rejected: IngestRejection[]
  checkpoint: TailCheckpoint | undefined
  state: TranscriptState
  result: TailResult | null
}

export type ParseResponse =
  | ParseResult
  | ({ id: number; ok: true; kind: 'session' } & SessionFilesScan)
  | ({ id: number; ok: true; kind: 'agent-db' } & AgentDbScan)
  | ({ id: number; ok: true; kind: 'agent-db-events' } & AgentDbEvents)
  | ({ id: number; ok: true; kind: 'log' } & GatewayLogRange)
  | { id: number; ok: false; error: string }

type Answer = Extract<ParseResponse, { ok: true }>
type Pending = { resolve: (r: Answer) => void; reject: (e: Error) => void }

/** Workers with nothing to do for this long are stopped. */
const IDLE_MS = 300

export interface ParsePool {
  readonly size: number
  readTranscript(job: TranscriptFileJob, maxBytes?: number): Promise<ParseResult>
  /** A legacy session's files read whole into a session scan (conversations). */
  scanSession(job: SessionFilesJob): Promise<SessionFilesScan>
  /** An agent database's sessions read whole (conversations). */
  readAgentDb(job: AgentDbJob): Promise<AgentDbScan>
  /** An agent database never read before, read whole for the model-status ingest. */
  readAgentDbEvents(job: AgentDbEventsJob): Promise<AgentDbEvents>
  /** A byte range of OpenClaw's log; its decisions name no agent unless their line does. */
  readLogRange(job: GatewayLogRangeJob): Promise<GatewayLogRange>
  /** Stops the workers now if none is busy (they come back for the next request), rather than when idle a while. */
  retire(): void
  close(): Promise<void>
}

interface Slot {
  worker: Worker
  /** Requests sent and not answered yet, oldest first (a worker answers them in order). */
  inFlight: ({ id: number } & Pending)[]
}

/**
 * Requests a worker holds at once: the one it works on and the next, so it goes on as soon as it
 * has answered instead of waiting for the main thread, busy with the previous answer, to send more.
 */
const DEPTH = 2

/**
 * Starts `size` workers, or returns null when workers can't run here (size 0, or the worker script
 * is not built — e.g. when running the TypeScript sources directly). `url` is the worker script
 * (tests give one of their own).
 */
export function createParsePool(size: number, url = new URL('./transcript-parse.worker.js', import.meta.url)): ParsePool | null {
  if (size <= 0 || !existsSync(fileURLToPath(url))) return null
  let nextId = 0
  let closed = false
  const queue: ({ req: ParseRequest } & Pending)[] = []
  const slots: Slot[] = []
  const busy = (): boolean => slots.some((s) => s.inFlight.length > 0) || queue.length > 0
  // Each worker holds a V8 heap of its own: once a big read is over they are let go, and come
  // back for the next one.
  let idleTimer: NodeJS.Timeout | null = null
  const retireWhenIdle = (): void => {
    if (idleTimer || closed || busy()) return
    idleTimer = setTimeout(() => {
      idleTimer = null
      if (busy()) return
      for (const s of slots.splice(0)) void s.worker.terminate()
    }, IDLE_MS)
    idleTimer.unref()
  }

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(url), inFlight: [] }
    slot.worker.unref()
    slot.worker.on('message', (res: ParseResponse) => {
      const i = slot.inFlight.findIndex((p) => p.id === res.id)
      if (i >= 0) {
        const [pending] = slot.inFlight.splice(i, 1)
        if (res.ok) pending!.resolve(res)
        else pending!.reject(new Error(res.error))
      }
      pump()
    })
    slot.worker.on('error', (err) => {
      // A crashed worker is dropped (the next request starts a new one); its requests failed and
      // their callers read those files in place.
      for (const pending of slot.inFlight.splice(0)) pending.reject(err)
      const i = slots.indexOf(slot)
      if (i >= 0) slots.splice(i, 1)
      pump()
    })
    return slot
  }

  const pump = (): void => {
    if (queue.length > 0) {
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = null
      while (slots.length < size && !closed) slots.push(spawn())
    }
    // Every worker gets one request before any gets a second.
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const slot of slots) {
        if (slot.inFlight.length >= depth || queue.length === 0) continue
        const next = queue.shift()!
        slot.inFlight.push({ id: next.req.id, resolve: next.resolve, reject: next.reject })
        slot.worker.ref()
        slot.worker.postMessage(next.req)
      }
    }
    for (const slot of slots) if (slot.inFlight.length === 0) slot.worker.unref()
    retireWhenIdle()
  }

  const ask = (req: ParseRequest): Promise<Answer> => {
    if (closed) return Promise.reject(new Error('parse pool closed'))
    return new Promise<Answer>((resolve, reject) => {
      queue.push({ req, resolve, reject })
      pump()
    })
  }

  return {
    size,
    async readTranscript(job, maxBytes) {
      const res = await ask({ id: ++nextId, kind: 'transcript', job, ...(maxBytes !== undefined ? { maxBytes } : {}) })
      if (res.kind !== 'transcript') throw new Error('parse worker answered with the wrong kind')
      return res
    },
    async scanSession(job) {
      const res = await ask({ id: ++nextId, kind: 'session', job })
      if (res.kind !== 'session') throw new Error('parse worker answered with the wrong kind')
      return { scan: res.scan, transcriptAt: res.transcriptAt, trajectoryAt: res.trajectoryAt, rejected: res.rejected }
    },
    async readAgentDb(job) {
      const res = await ask({ id: ++nextId, kind: 'agent-db', job })
      if (res.kind !== 'agent-db') throw new Error('parse worker answered with the wrong kind')
      return { state: res.state, rejected: res.rejected }
    },
    async readAgentDbEvents(job) {
      const res = await ask({ id: ++nextId, kind: 'agent-db-events', job })
      if (res.kind !== 'agent-db-events') throw new Error('parse worker answered with the wrong kind')
      return { events: res.events, rejected: res.rejected, checkpoints: res.checkpoints, bytesRead: res.bytesRead, error: res.error }
    },
    async readLogRange(job) {
      const res = await ask({ id: ++nextId, kind: 'log', job })
      if (res.kind !== 'log') throw new Error('parse worker answered with the wrong kind')
      return { events: res.events, rejected: res.rejected, lines: res.lines, offset: res.offset, bytesRead: res.bytesRead }
    },
    retire() {
      if (busy()) return
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = null
      for (const s of slots.splice(0)) void s.worker.terminate()
    },
    async close() {
      closed = true
      if (idleTimer) clearTimeout(idleTimer)
      for (const q of queue.splice(0)) q.reject(new Error('parse pool closed'))
      for (const s of slots) for (const p of s.inFlight.splice(0)) p.reject(new Error('parse pool closed'))
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
}
