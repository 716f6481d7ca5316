/**
 * Rows of an agent database are read up to the size of the longest JSONL line kept: SQLite tells a
 * value's size without handing it over, so a larger event is never fetched. It is counted as
 * skipped, and the rows after it are read as usual.
 */
import { MAX_LINE_BYTES } from './jsonl-tailer.js'

export const MAX_ROW_BYTES = MAX_LINE_BYTES

/**
 * Columns of a `transcript_events` row: `event_json` and `event_zstd` when they fit (NULL
 * otherwise), `event_utf8_bytes`, and `event_bytes`, the largest of the three sizes.
 */
export const TRANSCRIPT_EVENT_COLUMNS = `
  CASE WHEN octet_length(event_json) <= ${MAX_ROW_BYTES} THEN event_json END AS event_json,
  CASE WHEN octet_length(event_zstd) <= ${MAX_ROW_BYTES} THEN event_zstd END AS event_zstd,
  event_utf8_bytes,
  max(coalesce(octet_length(event_json), 0), coalesce(octet_length(event_zstd), 0),
      CASE WHEN typeof(event_utf8_bytes) = 'integer' THEN event_utf8_bytes ELSE 0 END) AS event_bytes`

/** SQL: `event_json` when it fits (NULL otherwise). */
export const FITTING_EVENT_JSON = `CASE WHEN octet_length(event_json) <= ${MAX_ROW_BYTES} THEN event_json END`

/** The size of a row's event when it is too large to read, else null. */
export function oversized(eventBytes: unknown): number | null {
  return typeof eventBytes === 'number' && eventBytes > MAX_ROW_BYTES ? eventBytes : null
}

export const tooLargeReason = (bytes: number): string => `event too large (${bytes} bytes): skipped`
