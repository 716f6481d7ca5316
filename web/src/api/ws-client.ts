import { shallowReactive } from 'vue'
import type { ClientMessage, DataEnvelope, ServerControlMessages, ServerMessage } from '@shared/protocol'
import { WS_PATH, WS_SUBPROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '@shared/protocol'

/** Close code the server uses for a missing or wrong token. */
export const WS_CLOSE_UNAUTHORIZED = 4401

export type WsPhase =
  /** Socket opening or waiting for `hello`/`subscribed`. */
  | 'connecting'
  /** Subscribed: data flows. */
  | 'live'
  /** Lost; a reconnect is scheduled at `retryAt`. */
  | 'waiting'
  /** Stopped, or rejected for a bad token: no reconnect. */
  | 'closed'

export interface WsStatus {
  phase: WsPhase
  /** Epoch ms of the next reconnect attempt while `waiting`. */
  retryAt: number | null
  /** Failed attempts since the last successful subscription. */
  attempt: number
  /** Highest `seq` applied; sent as `since` on resubscribe. */
  lastSeq: number | null
  serverVersion: string | null
  /** Close code of the last lost connection. */
  lastCloseCode: number | null
}

export interface WsBackoffOptions {
  /** Delay before the first retry. Default is 1000. */
  initialMs?: number
  /** Upper bound of a delay. Default is 30000. */
  maxMs?: number
}

export interface WsClientHandlers {
  /** A data envelope, each `seq` at most once and in order. */
  onMessage: (message: DataEnvelope) => void
  /**
   * The client may have missed messages: after `resync`, after a server restart, and after a fresh
   * subscription (the REST snapshot was taken before it). Reload the REST snapshot.
   */
  onResync?: (reason: ServerControlMessages['resync']['reason'] | 'subscribed_fresh') => void
  /** The server closed with 4401: the token is wrong. No reconnect follows. */
  onUnauthorized?: () => void
  /** A server `error` message (malformed request and the like). */
  onServerError?: (error: ServerControlMessages['error']) => void
}

export interface WsClientOptions {
  /** Absolute `ws:`/`wss:` URL. Default is `/ws` on the page's host. */
  url?: string
  /** Read at every (re)connect. */
  getToken: () => string | null
  /** Topics to subscribe to after each `hello`. */
  topics: string[]
  handlers: WsClientHandlers
  backoff?: WsBackoffOptions
  /** Source of jitter in [0, 1). Default is `Math.random`. */
  random?: () => number
  /** Default is the global `WebSocket`. */
  WebSocket?: typeof WebSocket
}

export interface WsClient {
  /** Reactive: read it from components and watchers. */
  readonly status: Readonly<WsStatus>
  start(): void
  /** Skip the remaining backoff and connect now (e.g. the browser came back online). */
  reconnectNow(): void
  stop(): void
}

/** Missing this many heartbeats in a row means the connection is dead even if no close arrived. */
const HEARTBEAT_TOLERANCE = 2.5
/** An open socket that says no `hello` within this time is not a Switchboard server that works. */
const HELLO_TIMEOUT_MS = 10_000

export function defaultWsUrl(loc: Location = window.location): string {
  const protocol = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${protocol}//${loc.host}${WS_PATH}`
}

/**
 * One logical connection to `/ws` that survives network loss: reconnects with exponential backoff and
 * jitter, resubscribes with `since=<last seq>` and deduplicates replayed messages by `seq`.
 */
export function createWsClient(options: WsClientOptions): WsClient {
  const initialMs = options.backoff?.initialMs ?? 1000
  const maxMs = options.backoff?.maxMs ?? 30_000
  const random = options.random ?? Math.random
  const Socket = options.WebSocket ?? globalThis.WebSocket

  const status = shallowReactive<WsStatus>({
    phase: 'closed',
    retryAt: null,
    attempt: 0,
    lastSeq: null,
    serverVersion: null,
    lastCloseCode: null,
  })

  let socket: WebSocket | null = null
  let stopped = true
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let pingTimer: ReturnType<typeof setInterval> | undefined
  let helloTimer: ReturnType<typeof setTimeout> | undefined
  let lastHeard = 0

  function send(message: ClientMessage): void {
    if (socket?.readyState === Socket.OPEN) socket.send(JSON.stringify(message))
  }

  function clearTimers(): void {
    clearTimeout(retryTimer)
    clearInterval(pingTimer)
    clearTimeout(helloTimer)
    retryTimer = undefined
    pingTimer = undefined
    helloTimer = undefined
  }

  function nextDelay(attempt: number): number {
    const ceiling = Math.min(maxMs, initialMs * 2 ** attempt)
    // Equal jitter: never shorter than half the ceiling, so a fleet of tabs spreads out without hammering.
    return ceiling / 2 + random() * (ceiling / 2)
  }

  function scheduleReconnect(): void {
    if (stopped) return
    const delay = nextDelay(status.attempt)
    status.attempt += 1
    status.phase = 'waiting'
    status.retryAt = Date.now() + delay
    retryTimer = setTimeout(connect, delay)
  }

  function startHeartbeat(heartbeatMs: number): void {
    clearInterval(pingTimer)
    if (!(heartbeatMs > 0)) return
    pingTimer = setInterval(() => {
      if (Date.now() - lastHeard > heartbeatMs * HEARTBEAT_TOLERANCE) {
        // Half-open connection (laptop slept, proxy dropped it): no close event will ever come.
        socket?.close(4000, 'heartbeat timeout')
        return
      }
      send({ type: 'ping', t: Date.now() })
    }, heartbeatMs)
  }

  function handle(message: ServerMessage): void {
    switch (message.type) {
      case 'hello': {
        clearTimeout(helloTimer)
        status.serverVersion = message.data.serverVersion
        const since = status.lastSeq
        // A head behind what we already applied means the server restarted and its seq began anew.
        const restarted = since !== null && message.data.seq < since
        if (restarted || since === null) status.lastSeq = message.data.seq
        send(
          restarted || since === null
            ? { type: 'subscribe', topics: options.topics }
            : { type: 'subscribe', topics: options.topics, since },
        )
        startHeartbeat(message.data.heartbeatMs)
        if (restarted) options.handlers.onResync?.('server_restarted')
        else if (since === null) options.handlers.onResync?.('subscribed_fresh')
        return
      }
      case 'subscribed':
        status.phase = 'live'
        status.attempt = 0
        status.retryAt = null
        return
      case 'resync':
        status.lastSeq = message.data.seq
        options.handlers.onResync?.(message.data.reason)
        return
      case 'pong':
        return
      case 'error':
        options.handlers.onServerError?.(message.data)
        return
      default:
        if (status.lastSeq !== null && message.seq <= status.lastSeq) return
        status.lastSeq = message.seq
        options.handlers.onMessage(message)
    }
  }

  function connect(): void {
    clearTimers()
    if (stopped) return
    const token = options.getToken()
    if (!token) {
      status.phase = 'closed'
      options.handlers.onUnauthorized?.()
      return
    }

    status.phase = 'connecting'
    status.retryAt = null
    let ws: WebSocket
    try {
      ws = new Socket(options.url ?? defaultWsUrl(), [WS_SUBPROTOCOL, WS_TOKEN_PROTOCOL_PREFIX + token])
    } catch {
      scheduleReconnect()
      return
    }
    socket = ws
    lastHeard = Date.now()

    ws.addEventListener('open', () => {
      if (socket !== ws) return
      helloTimer = setTimeout(() => ws.close(4000, 'no hello'), HELLO_TIMEOUT_MS)
    })

    ws.addEventListener('message', (event) => {
      if (socket !== ws) return
      lastHeard = Date.now()
      let message: ServerMessage
      try {
        message = JSON.parse(String(event.data)) as ServerMessage
      } catch {
        return
      }
      handle(message)
    })

    ws.addEventListener('close', (event) => {
      if (socket !== ws) return
      socket = null
      clearInterval(pingTimer)
      clearTimeout(helloTimer)
      status.lastCloseCode = event.code
      if (event.code === WS_CLOSE_UNAUTHORIZED) {
        status.phase = 'closed'
        stopped = true
        options.handlers.onUnauthorized?.()
        return
      }
      scheduleReconnect()
    })
  }

  function onOnline(): void {
    if (status.phase === 'waiting') reconnectNow()
  }

  function start(): void {
    if (!stopped) return
    stopped = false
    status.attempt = 0
    window.addEventListener('online', onOnline)
    connect()
  }

  function reconnectNow(): void {
    if (stopped) return
    if (socket) {
      socket.close(1000, 'reconnect')
      socket = null
    }
    connect()
  }

  function stop(): void {
    stopped = true
    clearTimers()
    window.removeEventListener('online', onOnline)
    const ws = socket
    socket = null
    ws?.close(1000, 'client stopped')
    status.phase = 'closed'
    status.retryAt = null
  }

  return { status, start, reconnectNow, stop }
}
