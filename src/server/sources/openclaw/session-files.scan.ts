/**
 * A legacy session's files — its transcript and its trajectory, JSONL — fed line by line to a
 * session scanner. The conversations reader does this in place; on the first read of a quiet
 * session a parse worker does it for it (`scanSessionFiles`), so that the garbage of parsing a long
 * history stays in the worker's heap and only the scan's result comes back.
 */
import { MAX_KEPT_RUNS } from '../../core/conversation-facts.js'
import type { IngestRejection } from '../../core/events.js'
import type { RejectSink } from './agent-conversations.js'
import { tooLongReason, type JsonlTailer, type TailCheckpoint, type TailResult } from './jsonl-tailer.js'
import { errorText } from './record-fields.js'
import { createSessionScanner, keepRecentRuns, type SessionScanner, type SessionScanResult } from './session-scan.js'

/** Reads the lines after `from` (all of them without it). Null when the file could not be read. */
async function readJsonLines(
  tailer: JsonlTailer,
  path: string,
  from: TailCheckpoint | undefined,
  out: RejectSink,
  each: (record: unknown, lineNo: number, place: string) => void,
): Promise<TailResult | null> {
  try {
    return await tailer.read(path, from, {
      line(buf, start, end, lineNo) {
        const place = `${path}:${lineNo}`
        let record: unknown
        try {
          record = JSON.parse(buf.toString('utf8', start, end))
        } catch (err) {
          out.reject(place, `invalid JSON: ${errorText(err)}`)
          return
        }
        each(record, lineNo, place)
      },
      tooLong: (lineNo, _offset, bytes) => out.reject(`${path}:${lineNo}`, tooLongReason(bytes)),
    })
  } catch (err) {
    out.reject(path, `not readable: ${errorText(err)}`)
    return null
  }
}

/** Transcript lines to the scanner. */
export function readTranscriptInto(tailer: JsonlTailer, path: string, from: TailCheckpoint | undefined, out: RejectSink, scanner: SessionScanner): Promise<TailResult | null> {
  return readJsonLines(tailer, path, from, out, (entry, _lineNo, place) => scanner.transcript(entry, place))
}

/** Trajectory lines to the scanner; a line's position is its 0-based index. */
export function readTrajectoryInto(tailer: JsonlTailer, path: string, from: TailCheckpoint | undefined, out: RejectSink, scanner: SessionScanner): Promise<TailResult | null> {
  return readJsonLines(tailer, path, from, out, (record, lineNo, place) => scanner.trajectory(record, { position: lineNo - 1, runId: null, createdAt: null }, place))
}

export interface SessionFilesJob {
  agentId: string
  sessionId: string
  /** The transcript (or the archived one), if any. */
  transcript: string | null
  trajectory: string | null
}

export interface SessionFilesScan {
  /** Null when neither file could be read. */
  scan: SessionScanResult | null
  transcriptAt: TailCheckpoint | undefined
  trajectoryAt: TailCheckpoint | undefined
  rejected: IngestRejection[]
}

/** Reads a session's files whole, from the start, and returns the scan with its last runs only. */
export async function scanSessionFiles(tailer: JsonlTailer, job: SessionFilesJob): Promise<SessionFilesScan> {
  const rejected: IngestRejection[] = []
  const out: RejectSink = { reject: (place, reason) => rejected.push({ place, reason }) }
  const scanner = createSessionScanner(job.agentId, job.sessionId, out.reject)
  let read = false
  let transcriptAt: TailCheckpoint | undefined
  let trajectoryAt: TailCheckpoint | undefined
  if (job.transcript !== null) {
    const r = await readTranscriptInto(tailer, job.transcript, undefined, out, scanner)
    if (r !== null) {
      transcriptAt = r.checkpoint
      read = true
    }
  }
  if (job.trajectory !== null) {
    const r = await readTrajectoryInto(tailer, job.trajectory, undefined, out, scanner)
    if (r !== null) {
      trajectoryAt = r.checkpoint
      read = true
    }
  }
  return { scan: read ? keepRecentRuns(scanner.finish(), MAX_KEPT_RUNS) : null, transcriptAt, trajectoryAt, rejected }
}
