/** Tails OpenClaw's JSONL log files into `fallback_decision` events. */
import type { IngestSink } from './ingest-collector.js'
import { isTailCheckpoint, type JsonlTailer, type LineSink, type TailCheckpoint } from './jsonl-tailer.js'
import { createGatewayLogLineFilter, translateGatewayLogRecord } from './gateway-log.parser.js'
import { looksLikeCompleteObject } from './line-prefilter.js'
import { errorText } from './record-fields.js'

export interface GatewayLogReader {
  read(path: string, out: IngestSink): Promise<void>
}

export function logCheckpointKey(path: string): string {
  return `openclaw:log:${path}`
}

export function createGatewayLogReader(options: {
  tailer: JsonlTailer
  positions: ReadonlyMap<string, unknown>
}): GatewayLogReader {
  const filter = createGatewayLogLineFilter()
  const at = new Map<string, TailCheckpoint | undefined>()

  return {
    async read(path, out) {
      const key = logCheckpointKey(path)
      if (!at.has(path)) {
        const saved = options.positions.get(key)
        at.set(path, isTailCheckpoint(saved) ? { ...saved } : undefined)
      }
      const sink: LineSink = {
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
          const result = translateGatewayLogRecord(record, {
            placeId: `log:${path}:${offset}`,
            agentOfSession: (sessionId) => out.agentOfSession(sessionId),
          })
          if ('reject' in result) out.reject(place, result.reject)
          else if (result.event) out.event(result.event)
        },
        progress(checkpoint) {
          at.set(path, checkpoint)
          out.checkpoint(key, checkpoint)
          out.maybeFlush()
        },
      }
      const result = await options.tailer.read(path, at.get(path), sink)
      if (result !== null) out.bytes(result.bytesRead)
      if (result !== null && result.bytesRead === 0 && (result.reset !== null || at.get(path) === undefined)) {
        at.set(path, result.checkpoint)
        out.checkpoint(key, result.checkpoint)
      }
    },
  }
}
