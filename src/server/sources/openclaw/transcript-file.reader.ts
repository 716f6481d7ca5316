/**
 * One JSONL transcript, read from a checkpoint: what the in-thread reader and the parse workers
 * both run.
 */
import type { JsonlTailer, TailCheckpoint, TailResult } from './jsonl-tailer.js'
import { readJsonlRecords, type JsonlRecordsOutput } from './jsonl-records.reader.js'
import { parseSlimMessageLine } from './transcript-line.slim.js'
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

export function readTranscriptFile(
  tailer: JsonlTailer,
  filter: TranscriptLineFilter,
  job: TranscriptFileJob,
  out: JsonlRecordsOutput<TranscriptState>,
  maxBytes?: number,
): Promise<TailResult | null> {
  const { agentId, sessionId } = job
  return readJsonlRecords(
    tailer,
    filter,
    job,
    (entry, _lineNo, state) => translateTranscriptEntry(entry, { agentId, sessionId, state }),
    initialTranscriptState,
    out,
    maxBytes,
    parseSlimMessageLine,
  )
}
