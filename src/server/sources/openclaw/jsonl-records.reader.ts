/**
 * Reads one JSONL file of records from a checkpoint and turns each relevant line into events, with
 * a parser state that travels in the checkpoint. Transcripts and trajectory files both go through
 * here, in this thread or in a parse worker, so the same bytes always give the same events.
 */
import type { OpenClawEvent } from '../../core/events.js'
import { tooLongReason, type JsonlTailer, type TailCheckpoint, type TailResult } from './jsonl-tailer.js'
import { errorText } from './record-fields.js'

export interface JsonlRecordsJob<S> {
  path: string
  checkpoint: TailCheckpoint | undefined
  state: S
}

/** Decides cheaply from the raw bytes whether a line can produce an event. */
export interface LineFilter {
  reset(): void
  shouldParse(buf: Buffer, start: number, end: number): boolean
}

/** Turns one parsed record into events (mutating `state` as the file goes on), or rejects it. */
export type RecordTranslator<S> = (record: unknown, lineNo: number, state: S) => { events: OpenClawEvent[] } | { reject: string }

export interface JsonlRecordsOutput<S> {
  event(e: OpenClawEvent): void
  reject(place: string, reason: string): void
  /** Where reading stands after a chunk, with the parser state that goes with it. */
  progress(checkpoint: TailCheckpoint, state: S): void
}

/** A cheaper parse for some lines; `undefined` means: parse the whole line. */
export type FastLineParser = (buf: Buffer, start: number, end: number) => unknown

/** Reads what was appended since `job.checkpoint` (at most about `maxBytes`); `job` is updated in place. */
export async function readJsonlRecords<S extends object>(
  tailer: JsonlTailer,
  filter: LineFilter,
  job: JsonlRecordsJob<S>,
  translate: RecordTranslator<S>,
  initial: () => S,
  out: JsonlRecordsOutput<S>,
  maxBytes?: number,
  fastParse?: FastLineParser,
): Promise<TailResult | null> {
  return tailer.read(
    job.path,
    job.checkpoint,
    {
      restart() {
        job.state = initial()
      },
      chunk() {
        filter.reset()
      },
      line(buf, start, end, lineNo) {
        if (!filter.shouldParse(buf, start, end)) return
        let record: unknown = fastParse?.(buf, start, end)
        if (record === undefined) {
          try {
            record = JSON.parse(buf.toString('utf8', start, end))
          } catch (err) {
            out.reject(`${job.path}:${lineNo}`, `invalid JSON: ${errorText(err)}`)
            return
          }
        }
        const result = translate(record, lineNo, job.state)
        if ('reject' in result) out.reject(`${job.path}:${lineNo}`, result.reject)
        else for (const e of result.events) out.event(e)
      },
      tooLong(lineNo, _offset, bytes) {
        out.reject(`${job.path}:${lineNo}`, tooLongReason(bytes))
      },
      progress(checkpoint) {
        job.checkpoint = checkpoint
        out.progress(checkpoint, { ...job.state })
      },
    },
    maxBytes,
  )
}
