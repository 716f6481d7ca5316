/**
 * Keeps a copy of an OpenHands server's conversations by polling its list, as seed 001 polls when
 * there is no push: as often as the liveliest conversation needs (STARTING 3 s, ERROR 10 s,
 * RUNNING 30 s, STOPPED 60 s; ARCHIVED never asks for a poll), 10 s while there are none. A failed
 * poll keeps the last good copy, is logged once per distinct error and retried with exponential
 * backoff up to 60 s.
 */
import type { OpenHandsClient, OpenHandsConversation, OpenHandsStatus } from './openhands.client.js'

export const POLL_INTERVAL_MS: Record<OpenHandsStatus, number | null> = {
  STARTING: 3_000,
  RUNNING: 30_000,
  STOPPED: 60_000,
  ERROR: 10_000,
  ARCHIVED: null,
}

const EMPTY_INTERVAL_MS = 10_000
const MAX_BACKOFF_MS = 60_000

export interface OpenHandsPollerOptions {
  client: OpenHandsClient
  /** Called after each successful poll with every conversation (newest pages first). */
  onSnapshot(conversations: OpenHandsConversation[]): void
  log: { warn(o: object, m?: string): void; info(o: object, m?: string): void }
  /** Conversations read at most (pages of 100). Default is 1000. */
  maxConversations?: number
  /** Overrides the status-aware interval (tests). */
  intervalMs?: number
}

export interface OpenHandsPollerState {
  url: string
  lastPollAt: number | null
  lastError: string | null
  conversations: number
  skipped: number
}

export interface OpenHandsPoller {
  /** Polls once now (resolves when done), then keeps polling. */
  start(): Promise<void>
  /** Polls now, outside the schedule. */
  pollNow(): Promise<void>
  state(): OpenHandsPollerState
  stop(): void
}

/** How long until the next poll, from the statuses seen. */
export function nextIntervalMs(conversations: readonly OpenHandsConversation[]): number {
  let best: number | null = null
  for (const c of conversations) {
    const v = POLL_INTERVAL_MS[c.status]
    if (v !== null && (best === null || v < best)) best = v
  }
  return best ?? (conversations.length === 0 ? EMPTY_INTERVAL_MS : MAX_BACKOFF_MS)
}

export function createOpenHandsPoller(options: OpenHandsPollerOptions): OpenHandsPoller {
  const { client, log } = options
  const max = options.maxConversations ?? 1000
  let timer: NodeJS.Timeout | null = null
  let stopped = false
  let failures = 0
  let lastLogged: string | null = null
  let last: OpenHandsConversation[] = []
  const st: OpenHandsPollerState = { url: client.url, lastPollAt: null, lastError: null, conversations: 0, skipped: 0 }
  let inFlight: Promise<void> | null = null

  const pollOnce = async (): Promise<void> => {
    const all: OpenHandsConversation[] = []
    const seen = new Set<string>()
    let skipped = 0
    let pageId: string | null = null
    // A server that keeps answering the same page id must not keep us here.
    for (let pages = 0; pages < Math.ceil(max / 100) + 1; pages++) {
      const page = await client.page(pageId, 100)
      skipped += page.skipped.length
      for (const c of page.conversations) {
        if (seen.has(c.conversation_id) || all.length >= max) continue
        seen.add(c.conversation_id)
        all.push(c)
      }
      if (!page.nextPageId || page.nextPageId === pageId || all.length >= max) break
      pageId = page.nextPageId
    }
    if (skipped > 0 && st.skipped !== skipped) log.warn({ url: client.url, skipped }, 'OpenHands answered records that are not conversations; skipped')
    last = all
    st.conversations = all.length
    st.skipped = skipped
    options.onSnapshot(all)
  }

  const schedule = (ms: number): void => {
    if (stopped) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => void run(), ms)
    timer.unref()
  }

  const run = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        await pollOnce()
        st.lastPollAt = Date.now()
        if (st.lastError) log.info({ url: client.url }, 'OpenHands answers again')
        st.lastError = null
        lastLogged = null
        failures = 0
        schedule(options.intervalMs ?? nextIntervalMs(last))
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        st.lastError = message
        if (message !== lastLogged) log.warn({ url: client.url, err: message }, 'polling OpenHands failed; keeping the last copy and retrying')
        lastLogged = message
        failures++
        schedule(Math.min(MAX_BACKOFF_MS, (options.intervalMs ?? 1_000) * 2 ** Math.min(failures, 10)))
      } finally {
        inFlight = null
      }
    })()
    return inFlight
  }

  return {
    start: run,
    pollNow: run,
    state: () => ({ ...st }),
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
    },
  }
}
