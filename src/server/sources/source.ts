/**
 * The one interface every source of data implements. A source turns raw input into typed domain
 * events and reports, with each batch, how far it has read (checkpoints). The fleet state applies
 * the events and persists the checkpoints in the same transaction as the state they produced, so a
 * restart resumes exactly where the saved state ends: nothing re-read, nothing lost.
 */
import type { IngestRejection, OpenClawEvent } from '../core/events.js'

export type Disposer = () => Promise<void>

export interface IngestBatch {
  events: OpenClawEvent[]
  /** Checkpoint key → opaque position (JSON-serialisable), e.g. a byte offset or a last seq. */
  checkpoints: Record<string, unknown>
  rejected: IngestRejection[]
  /** Bytes of input consumed to produce this batch (for ingest metrics). Default is 0. */
  bytesRead?: number
}

export interface SourceContext {
  /** Saved positions from the last run, keyed as the source reported them. */
  checkpoints: ReadonlyMap<string, unknown>
  /** Called with every batch; never throws into the source. */
  push(batch: IngestBatch): void
  log: {
    info(obj: object, msg?: string): void
    warn(obj: object, msg?: string): void
    error(obj: object, msg?: string): void
    debug(obj: object, msg?: string): void
  }
  /** Current time in epoch ms (a clock that tests can pin). */
  now(): number
}

export interface Source {
  readonly kind: string
  /** A short description for logs and the UI's empty state (e.g. where it looks). */
  describe(): { kind: string; locations: string[] }
  /** Reads what is there (from the checkpoints on), then watches; resolves when the first read is done. */
  start(ctx: SourceContext): Promise<Disposer>
}

export type SourceFactory<O> = (options: O) => Source
