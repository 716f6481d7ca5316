/** Tails OpenClaw's JSONL log files into `fallback_decision` events. */
import { statSync } from 'node:fs'
import type { FallbackDecisionEvent, IngestRejection } from '../../core/events.js'
import type { IngestSink } from './ingest-collector.js'
import { isTailCheckpoint, type JsonlTailer, type LineSink, type TailCheckpoint, type TailResult } from './jsonl-tailer.js'
import { createGatewayLogLineFilter, translateGatewayLogRecord, type GatewayLogLineFilter } from './gateway-log.parser.js'
import { looksLikeCompleteObject } from './line-prefilter.js'
import type { ParsePool } from './parse-pool.js'
import { errorText } from './record-fields.js'

export interface GatewayLogReader {
  read(path: string, out: IngestSink): Promise<void>
  /**
   * Starts reading a log in the parse workers from where it stands, slice after slice, so that it
   * is parsed while other things are read; the next `read` of that file takes the result up. Only
   * when at least `minBytes` are unread: a few lines are cheaper to read in place.
   */
  prefetch(path: string, pool: ParsePool, minBytes: number): void
}

/** One slice of a log read off the main thread: decisions whose agent is named by a session are left unresolved. */
export interface LogSlice {
  events: FallbackDecisionEvent[]
  rejected: IngestRejection[]
  result: TailResult | null
}

/** How far ahead of its reader a log is parsed in the workers. */
const PREFETCH_SLICE_BYTES = 8 * 1024 * 1024
const PREFETCH_MAX_BYTES = 256 * 1024 * 1024

export function logCheckpointKey(path: string): string {
  return `openclaw:log:${path}`
}

interface LineOutput {
  event(e: FallbackDecisionEvent): void
  reject(place: string, reason: string): void
  agentOfSession(sessionId: string): string | null
}

/** The line handling of a log read, wherever it runs. */
function logLines(path: string, filter: GatewayLogLineFilter, out: LineOutput): Pick<LineSink, 'chunk' | 'line'> {
  return {
    chunk: () => filter.reset(),
    line(buf, start, end, lineNo, offset) {
      const place = `${path}:${lineNo}`
      if (!filter.mayBeEvent(buf, start, end)) {
        // Not a fallback event; a line that is not even a JSON value is still worth counting.
        if (looksLikeCompleteObject(buf, start, end)) return
        try {
          JSON.parse(buf.toString('utf8', start, end))
        } catch (err) {
          out.reject(place, `invalid JSON: ${errorText(err)}`)
        }
        return
      }
      let record: unknown
      try {
        record = JSON.parse(buf.toString('utf8', start, end))
      } catch (err) {
        out.reject(place, `invalid JSON: ${errorText(err)}`)
        return
      }
      const result = translateGatewayLogRecord(record, { placeId: `log:${path}:${offset}`, agentOfSession: (id) => out.agentOfSession(id) })
      if ('reject' in result) out.reject(place, result.reject)
      else if (result.event) out.event(result.event)
    },
  }
}

/** Reads up to about `maxBytes` of a log from `from` (in a parse worker). */
export async function readLogSlice(tailer: JsonlTailer, path: string, from: TailCheckpoint | undefined, maxBytes: number): Promise<LogSlice> {
  const events: FallbackDecisionEvent[] = []
  const rejected: IngestRejection[] = []
  const lines = logLines(path, createGatewayLogLineFilter(), {
    event: (e) => events.push(e),
    reject: (place, reason) => rejected.push({ place, reason }),
    agentOfSession: () => null,
  })
  const result = await tailer.read(path, from, lines, maxBytes)
  return { events, rejected, result }
}

export function createGatewayLogReader(options: { tailer: JsonlTailer; positions: ReadonlyMap<string, unknown> }): GatewayLogReader {
  const filter = createGatewayLogLineFilter()
  const at = new Map<string, TailCheckpoint | undefined>()
  /** Slices the workers have read ahead, in order, from `from`; `done` settles when they stop. */
  const prefetched = new Map<string, { from: TailCheckpoint | undefined; slices: LogSlice[]; done: Promise<void> }>()

  function position(path: string): TailCheckpoint | undefined {
    if (!at.has(path)) {
      const saved = options.positions.get(logCheckpointKey(path))
      at.set(path, isTailCheckpoint(saved) ? { ...saved } : undefined)
    }
    return at.get(path)
  }

  /** Takes up what the workers read ahead; whatever they did not read is read in place after. */
  async function takePrefetched(path: string, out: IngestSink): Promise<void> {
    const ahead = prefetched.get(path)
    if (!ahead) return
    prefetched.delete(path)
    await ahead.done
    // Something read the file in between: the slices start where it no longer stands.
    if (ahead.from !== position(path)) return
    for (const slice of ahead.slices) {
      for (const r of slice.rejected) out.reject(r.place, r.reason)
      for (const e of slice.events) {
        // Sessions are known by now: the decision goes to its agent as a read in place would.
        if (e.agentId === null && e.sessionId !== null) e.agentId = out.agentOfSession(e.sessionId)
        out.event(e)
      }
      const r = slice.result
      if (r !== null) {
        out.bytes(r.bytesRead)
        if (r.bytesRead > 0 || r.reset !== null || at.get(path) === undefined) {
          at.set(path, r.checkpoint)
          out.checkpoint(logCheckpointKey(path), r.checkpoint)
        }
      }
      out.maybeFlush()
    }
  }

  return {
    prefetch(path, pool, minBytes) {
      if (prefetched.has(path)) return
      const from = position(path)
      const st = statSync(path, { throwIfNoEntry: false })
      if (!st || st.size - (from && from.ino === st.ino ? from.offset : 0) < minBytes) return
      const slices: LogSlice[] = []
      const readAhead = async (): Promise<void> => {
        let checkpoint = from
        let bytes = 0
        for (;;) {
          const slice = await pool.readLog({ path, checkpoint, maxBytes: PREFETCH_SLICE_BYTES })
          slices.push(slice)
          const r = slice.result
          if (r === null || r.done || r.bytesRead === 0 || (bytes += r.bytesRead) >= PREFETCH_MAX_BYTES) return
          checkpoint = r.checkpoint
        }
      }
      // A worker that fails ends the read-ahead; the reader goes on in place from the last slice.
      const done = readAhead().catch(() => undefined)
      prefetched.set(path, { from, slices, done })
    },

    async read(path, out) {
      await takePrefetched(path, out)
      const key = logCheckpointKey(path)
      const sink: LineSink = {
        ...logLines(path, filter, out),
        progress(checkpoint) {
          at.set(path, checkpoint)
          out.checkpoint(key, checkpoint)
          out.maybeFlush()
        },
      }
      const result = await options.tailer.read(path, position(path), sink)
      if (result !== null) out.bytes(result.bytesRead)
      if (result !== null && result.bytesRead === 0 && (result.reset !== null || at.get(path) === undefined)) {
        at.set(path, result.checkpoint)
        out.checkpoint(key, result.checkpoint)
      }
    },
  }
}
