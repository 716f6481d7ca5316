import type { WsStatus } from '@/api/ws-client'

/**
 * The connection states of seed 001 (连接状态管理):
 * DISCONNECTED → CONNECTING → CONNECTED; CONNECTED → RECONNECTING on a network loss;
 * RECONNECTING → CONNECTED on success, → DISCONNECTED once reconnecting has failed.
 */
export type LiveState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'RECONNECTING'

/**
 * Reconnect attempts after a loss that still count as "reconnecting" (the seed's 5 tries, 1 s to
 * 16 s apart). After that the connection is called DISCONNECTED; the client keeps trying at the
 * longest backoff, each try showing as CONNECTING, and polling carries the data meanwhile.
 */
export const RECONNECT_TRIES = 5

/**
 * The seed's state from the WebSocket client's. `lastSeq` is set by the first `hello`: it tells a
 * connection that was lost from one that never came up.
 */
export function liveStateOf(ws: Pick<WsStatus, 'phase' | 'attempt' | 'lastSeq'>): LiveState {
  switch (ws.phase) {
    case 'live':
      return 'CONNECTED'
    case 'closed':
      return 'DISCONNECTED'
    case 'connecting':
    case 'waiting': {
      const wasConnected = ws.lastSeq !== null
      if (wasConnected && ws.attempt > 0 && ws.attempt <= RECONNECT_TRIES) return 'RECONNECTING'
      return ws.phase === 'connecting' ? 'CONNECTING' : 'DISCONNECTED'
    }
  }
}

/**
 * Whether pages must poll for what they show: from the moment the live stream is lost until it is
 * back (a page loads its own snapshot before the first connection, so that one does not count).
 */
export function needsPolling(ws: Pick<WsStatus, 'phase' | 'attempt'>): boolean {
  return ws.phase === 'waiting' || (ws.phase === 'connecting' && ws.attempt > 0)
}
