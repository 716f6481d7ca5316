/**
 * Reads one JSONL transcript from a checkpoint: the per-file loop shared by the in-thread reader
 * and the parse workers, so both turn the same bytes into the same events.
 */
import type { OpenClawEvent } from '../../core/events.js'
import type { JsonlTailer, TailCheckpoint, TailResult } from './jsonl-tailer.js'
import { errorText } from './record-fields.js'
import {
  initialTranscriptState,
  translateTranscriptEntry,
  type TranscriptLineFilter,
  type TranscriptState,
} from './transcript.parser.js'

export interface TranscriptFileJob {
  agentId: string
  sessionId: string
  path: string
  checkpoint: TailCheckpoint | undefined
  state: TranscriptState
}

export interface TranscriptFileOutput {
  event(e: OpenClawEvent): void
  reject(place: string, reason: string): void
  /** Where reading stands after a chunk, with the parser state that goes with it. */
  progress(checkpoint: TailCheckpoint, state: TranscriptState): void
}

/** Reads what was appended since `job.checkpoint` (at most about `maxBytes`); `job.state` is updated in place. */
export async function readTranscriptFile(
  tailer: JsonlTailer,
  filter: TranscriptLineFilter,
  job: TranscriptFileJob,
  out: TranscriptFileOutput,
  maxBytes?: number,
): Promise<TailResult | null> {
  const ctx = { agentId: job.agentId, sessionId: job.sessionId, state: job.state }
  return tailer.read(
    job.path,
    job.checkpoint,
    {
      restart() {
        ctx.state = initialTranscriptState()
        job.state = ctx.state
      },
      chunk() {
        filter.reset()
      },
      line(buf, start, end, lineNo) {
        if (!filter.shouldParse(buf, start, end)) return
        let entry: unknown
        try {
          entry = JSON.parse(buf.toString('utf8', start, end))
        } catch (err) {
          out.reject(`${job.path}:${lineNo}`, `invalid JSON: ${errorText(err)}`)
          return
        }
        const result = translateTranscriptEntry(entry, ctx)
        if ('reject' in result) out.reject(`${job.path}:${lineNo}`, result.reject)
        else for (const e of result.events) out.event(e)
      },
      progress(checkpoint) {
        job.checkpoint = checkpoint
        out.progress(checkpoint, { ...ctx.state })
      },
    },
    maxBytes,
  )
}
