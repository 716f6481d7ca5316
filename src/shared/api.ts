/** REST response shapes beyond seed 000's (which live in `model-status.ts`). */
import type { OpenClawLayout } from './model-status.js'

/** `GET /api/sources`: where OpenClaw was looked for and what was found (the UI's empty state). */
export interface SourcesResponse {
  openclaw: {
    lookedAt: string[]
    found: { dir: string; layout: OpenClawLayout; agents: number }[]
  }
}

/** `GET /healthz` (no auth). */
export interface HealthResponse {
  status: 'ok'
  version: string
  ingest: {
    /** The first full read of every source has finished (and was saved). */
    ready: boolean
    bytesRead: number
    eventsApplied: number
    eventsByKind: Record<string, number>
    rejected: number
    agents: number
  }
  conversations: {
    /** The first read of every session has finished (it starts once `ingest` is ready). */
    ready: boolean
    count: number
    /** Milliseconds the last read of OpenClaw sessions took. */
    lastReadMs: number
  }
}
