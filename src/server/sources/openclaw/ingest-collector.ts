/**
 * Accumulates what the readers produce and hands it to the source context in batches. Readers set a
 * checkpoint only after the events it covers were added, so any flush point is consistent.
 */
import type { IngestRejection, OpenClawEvent } from '../../core/events.js'
import type { IngestBatch, SourceContext } from '../source.js'

export interface IngestSink {
  event(event: OpenClawEvent): void
  reject(place: string, reason: string): void
  checkpoint(key: string, value: unknown): void
  /** Counts bytes of input consumed (reported with the next batch). */
  bytes(n: number): void
  /** Agent of a session id, as far as seen so far (from `session_seen`). */
  agentOfSession(sessionId: string): string | null
  /** Pushes a batch when enough has accumulated; call at consistent points only. */
  maybeFlush(): void
}

export interface IngestCollector extends IngestSink {
  /** The saved checkpoints overlaid with every checkpoint set since: where each reader stands now. */
  readonly positions: ReadonlyMap<string, unknown>
  flush(): void
  /** Forgets the sessions of an agent (after `agent_removed`). */
  forgetAgent(agentId: string): void
}

export interface IngestCollectorOptions {
  push: SourceContext['push']
  log: SourceContext['log']
  /** Checkpoints saved by the last run. */
  initial: ReadonlyMap<string, unknown>
  /** Events per batch before `maybeFlush` pushes. Default is 2000. */
  maxBatchEvents?: number
}

/** Rejections logged individually per batch; the rest are summarised. */
const LOGGED_REJECTIONS = 20

export function createIngestCollector(options: IngestCollectorOptions): IngestCollector {
  const maxBatch = options.maxBatchEvents ?? 2000
  const sessions = new Map<string, string>()
  const positions = new Map<string, unknown>(options.initial)
  let events: OpenClawEvent[] = []
  let rejected: IngestRejection[] = []
  let checkpoints: Record<string, unknown> = {}
  let checkpointCount = 0
  let bytesRead = 0

  function flush(): void {
    if (events.length === 0 && rejected.length === 0 && checkpointCount === 0) return
    const batch: IngestBatch = { events, checkpoints, rejected, bytesRead }
    bytesRead = 0
    for (const r of rejected.slice(0, LOGGED_REJECTIONS)) options.log.warn({ place: r.place, reason: r.reason }, 'openclaw record rejected')
    if (rejected.length > LOGGED_REJECTIONS) {
      options.log.warn({ more: rejected.length - LOGGED_REJECTIONS }, 'openclaw records rejected (not listed)')
    }
    events = []
    rejected = []
    checkpoints = {}
    checkpointCount = 0
    try {
      options.push(batch)
    } catch (err) {
      options.log.error({ err }, 'openclaw batch push failed')
    }
  }

  return {
    positions,
    event(event) {
      if (event.kind === 'session_seen') sessions.set(event.sessionId, event.agentId)
      events.push(event)
    },
    reject(place, reason) {
      rejected.push({ place, reason })
    },
    bytes(n) {
      bytesRead += n
    },
    checkpoint(key, value) {
      if (!(key in checkpoints)) checkpointCount++
      checkpoints[key] = value
      positions.set(key, value)
    },
    agentOfSession(sessionId) {
      return sessions.get(sessionId) ?? null
    },
    maybeFlush() {
      if (events.length >= maxBatch || rejected.length >= maxBatch) flush()
    },
    flush,
    forgetAgent(agentId) {
      for (const [sessionId, owner] of sessions) if (owner === agentId) sessions.delete(sessionId)
    },
  }
}
