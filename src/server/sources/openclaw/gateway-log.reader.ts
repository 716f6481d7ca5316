/** Tails OpenClaw's JSONL log files into `fallback_decision` events. */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import type { FallbackDecisionEvent } from '../../core/events.js'
import type { IngestSink } from './ingest-collector.js'
import { isTailCheckpoint, MAX_LINE_BYTES, tooLongReason, type JsonlTailer, type LineSink, type TailCheckpoint, type TailResult } from './jsonl-tailer.js'
import { createGatewayLogLineFilter, translateGatewayLogRecord, type GatewayLogLineFilter } from './gateway-log.parser.js'
import { looksLikeCompleteObject } from './line-prefilter.js'
import type { ParsePool } from './parse-pool.js'
import { errorText } from './record-fields.js'

export interface GatewayLogReader {
  read(path: string, out: IngestSink): Promise<void>
}

interface GatewayLogJob {
  path: string
  checkpoint: TailCheckpoint | undefined
}

interface GatewayLogOutput {
  event(e: FallbackDecisionEvent): void
  /** `lineNo` counts from the job's checkpoint. */
  reject(lineNo: number, reason: string): void
  /** Where reading stands after a chunk. */
  progress(checkpoint: TailCheckpoint): void
  /** Agent of a session id, when known (a parse worker knows none). */
  agentOfSession(sessionId: string): string | null
}

/**
 * A byte range of a log for a parse worker: the whole lines that end in `[start', end)`, where
 * `start'` is `start` moved back to just after the line break before it (`start` itself when `exact`).
 * Consecutive ranges so cover every line once, wherever their bounds fall.
 */
export interface GatewayLogRangeJob {
  path: string
  /** Inode the range belongs to: a file replaced meanwhile fails the job. */
  ino: number
  start: number
  end: number
  /** `start` is known to begin a line (a checkpoint). */
  exact: boolean
}

/** What a parse worker gives back for one range. Line numbers count from the range's first line. */
export interface GatewayLogRange {
  events: FallbackDecisionEvent[]
  rejected: { lineNo: number; reason: string }[]
  /** Whole lines consumed. */
  lines: number
  /** Just after the last line consumed; the range's start when it held no whole line. */
  offset: number
  /** Bytes of the lines consumed. */
  bytesRead: number
}

export function logCheckpointKey(path: string): string {
  return `openclaw:log:${path}`
}

/**
 * Bytes of a log per worker request. The ranges are parsed by every worker at once and applied in
 * order; a few are asked for ahead, so workers parse while this thread applies.
 */
const POOL_RANGE_BYTES = 4 * 1024 * 1024

/**
 * One log read from a checkpoint: the lines that end before the end of the file, or within
 * `maxBytes`. The read in place and each worker's range both go through here.
 */
function readGatewayLogFile(
  tailer: JsonlTailer,
  filter: GatewayLogLineFilter,
  job: GatewayLogJob,
  out: GatewayLogOutput,
  maxBytes?: number,
): Promise<TailResult | null> {
  const { path } = job
  const sink: LineSink = {
    chunk: () => filter.reset(),
    line(buf, start, end, lineNo, offset) {
      if (!filter.mayBeEvent(buf, start, end)) {
        // Not a fallback event; a line that is not even a JSON value is still worth counting.
        if (looksLikeCompleteObject(buf, start, end)) return
        try {
          JSON.parse(buf.toString('utf8', start, end))
        } catch (err) {
          out.reject(lineNo, `invalid JSON: ${errorText(err)}`)
        }
        return
      }
      let record: unknown
      try {
        record = JSON.parse(buf.toString('utf8', start, end))
      } catch (err) {
        out.reject(lineNo, `invalid JSON: ${errorText(err)}`)
        return
      }
      const result = translateGatewayLogRecord(record, {
        placeId: `log:${path}:${offset}`,
        agentOfSession: (sessionId) => out.agentOfSession(sessionId),
      })
      if ('reject' in result) out.reject(lineNo, result.reject)
      else if (result.event) out.event(result.event)
    },
    tooLong: (lineNo, _offset, bytes) => out.reject(lineNo, tooLongReason(bytes)),
    progress: (checkpoint) => out.progress(checkpoint),
  }
  return tailer.read(path, job.checkpoint, sink, maxBytes)
}

/** Reads one range in a parse worker (see `GatewayLogRangeJob`). Throws when the file changed under it. */
export async function readGatewayLogRange(tailer: JsonlTailer, filter: GatewayLogLineFilter, job: GatewayLogRangeJob): Promise<GatewayLogRange> {
  const start = job.exact ? job.start : lineStartBefore(job.path, job.start)
  const events: FallbackDecisionEvent[] = []
  const rejected: GatewayLogRange['rejected'] = []
  const result = await readGatewayLogFile(
    tailer,
    filter,
    { path: job.path, checkpoint: { ino: job.ino, offset: start, line: 0 } },
    {
      event: (e) => events.push(e),
      reject: (lineNo, reason) => rejected.push({ lineNo, reason }),
      progress() {},
      agentOfSession: () => null,
    },
    job.end - start,
  )
  if (result === null) throw new Error(`${job.path} is gone`)
  if (result.reset !== null) throw new Error(`${job.path} was ${result.reset}`)
  // Bytes of the lines consumed: a line across a bound is read by two ranges but counted once.
  return { events, rejected, lines: result.checkpoint.line, offset: result.checkpoint.offset, bytesRead: result.checkpoint.offset - start }
}

/**
 * Offset just after the last line break before `at` (0 when there is none). Throws when `at` lies
 * inside a line too long to be kept: such a line is left to the read in place, which skips it.
 */
function lineStartBefore(path: string, at: number): number {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(64 * 1024)
    let end = at
    while (end > 0) {
      if (at - end > MAX_LINE_BYTES) throw new Error(`${path}: a line longer than ${MAX_LINE_BYTES} bytes crosses ${at}`)
      const from = Math.max(0, end - buf.length)
      const n = readSync(fd, buf, 0, end - from, from)
      // Shorter than the file was: it was cut meanwhile, and the range no longer means anything.
      if (n < end - from) throw new Error(`${path} was truncated`)
      const nl = buf.lastIndexOf(0x0a, n - 1)
      if (nl !== -1) return from + nl + 1
      end = from
    }
    return 0
  } finally {
    closeSync(fd)
  }
}

export function createGatewayLogReader(options: {
  tailer: JsonlTailer
  positions: ReadonlyMap<string, unknown>
  /** Worker threads for large reads (a first read of a long log). Default is none. */
  parsePool?: ParsePool | null
  /** Unread bytes from which a log goes to the pool. Default is 1 MiB. */
  parsePoolThreshold?: number
  /** Bytes per worker request. Default is 4 MiB. */
  poolRangeBytes?: number
}): GatewayLogReader {
  const filter = createGatewayLogLineFilter()
  const at = new Map<string, TailCheckpoint | undefined>()
  const pool = options.parsePool ?? null
  const threshold = options.parsePoolThreshold ?? 1024 * 1024
  const rangeBytes = options.poolRangeBytes ?? POOL_RANGE_BYTES

  /** Decisions a worker could not tie to an agent get one here, from the sessions seen so far. */
  function named(event: FallbackDecisionEvent, out: IngestSink): FallbackDecisionEvent {
    if (event.agentId !== null) return event
    const agentId =
      (event.sessionId === null ? null : out.agentOfSession(event.sessionId)) ?? (event.runId === null ? null : out.agentOfSession(event.runId))
    return agentId === null ? event : { ...event, agentId }
  }

  /**
   * A large read goes to the pool as consecutive byte ranges, several at once; each range's
   * decisions are applied in order with the checkpoint after it. When a worker fails, the rest is
   * read in place from the last range applied (the function returns).
   */
  async function readInPool(pool: ParsePool, path: string, from: TailCheckpoint, size: number, out: IngestSink): Promise<void> {
    const key = logCheckpointKey(path)
    const ask = (start: number): Promise<GatewayLogRange | null> =>
      pool.readLogRange({ path, ino: from.ino, start, end: Math.min(size, start + rangeBytes), exact: start === from.offset }).catch(() => null)
    const ahead: Promise<GatewayLogRange | null>[] = []
    let next = from.offset
    const fill = (): void => {
      while (next < size && ahead.length < pool.size + 1) {
        ahead.push(ask(next))
        next = Math.min(size, next + rangeBytes)
      }
    }
    let line = from.line
    fill()
    while (ahead.length > 0) {
      // After a failure, what was asked for ahead still runs; its answer is dropped.
      const range = await ahead.shift()!
      if (range === null) return
      fill()
      for (const r of range.rejected) out.reject(`${path}:${line + r.lineNo}`, r.reason)
      for (const e of range.events) out.event(named(e, out))
      out.bytes(range.bytesRead)
      line += range.lines
      const checkpoint: TailCheckpoint = { ino: from.ino, offset: range.offset, line }
      if (range.lines > 0 || at.get(path) === undefined) {
        at.set(path, checkpoint)
        out.checkpoint(key, checkpoint)
      }
      out.maybeFlush()
    }
  }

  async function readInPlace(path: string, out: IngestSink): Promise<void> {
    const key = logCheckpointKey(path)
    const result = await readGatewayLogFile(
      options.tailer,
      filter,
      { path, checkpoint: at.get(path) },
      {
        event: (e) => out.event(e),
        reject: (lineNo, reason) => out.reject(`${path}:${lineNo}`, reason),
        progress(checkpoint) {
          at.set(path, checkpoint)
          out.checkpoint(key, checkpoint)
          out.maybeFlush()
        },
        agentOfSession: (sessionId) => out.agentOfSession(sessionId),
      },
    )
    if (result === null) return
    out.bytes(result.bytesRead)
    if (result.bytesRead === 0 && (result.reset !== null || at.get(path) === undefined)) {
      // An emptied or new empty file: remember where it stands so its next line is read from 0.
      at.set(path, result.checkpoint)
      out.checkpoint(key, result.checkpoint)
    }
  }

  return {
    async read(path, out) {
      if (!at.has(path)) {
        const saved = options.positions.get(logCheckpointKey(path))
        at.set(path, isTailCheckpoint(saved) ? { ...saved } : undefined)
      }
      if (pool) {
        const unread = unreadPart(path, at.get(path))
        if (unread && unread.size - unread.from.offset >= threshold) await readInPool(pool, path, unread.from, unread.size, out)
      }
      await readInPlace(path, out)
    },
  }
}

/**
 * Where reading a log would start and the size to read to: from the checkpoint, or from the top of
 * a file that was replaced or truncated. Null when there is no file.
 */
function unreadPart(path: string, checkpoint: TailCheckpoint | undefined): { from: TailCheckpoint; size: number } | null {
  let st
  try {
    st = statSync(path)
  } catch {
    return null
  }
  if (!checkpoint || checkpoint.ino !== st.ino || st.size < checkpoint.offset) return { from: { ino: st.ino, offset: 0, line: 0 }, size: st.size }
  return { from: checkpoint, size: st.size }
}
