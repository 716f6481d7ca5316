/**
 * WebSocket endpoint `/ws`: authenticated (Authorization header, a `bearer.<token>` subprotocol, or
 * an `auth` first message), Origin-checked, topic subscriptions with `since=<seq>` resume,
 * ping/pong liveness, and a bounded send buffer per client so one slow client hurts nobody else.
 *
 * The seed's own paths are served by the same code with the same auth: `/ws/agent-pools/{pool_id}/metrics`
 * (seed 003) sends the seed's messages without the envelope.
 *
 * Messages are written as frames built once by the hub (server frames are unmasked, so every client
 * gets the same bytes): a batch of a hundred updates costs one socket write per client.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket } from 'ws'
import {
  type ServerDataMessages,
  type ServerDataType,
  WS_PATH,
  WS_SUBPROTOCOL,
  WS_TOKEN_PROTOCOL_PREFIX,
  type ClientMessage,
  type ServerControlMessages,
} from '../../shared/protocol.js'
import { bearerFrom } from '../auth/token.js'
import type { Hub, HubMessage, HubSubscriber, TopicBatch } from './hub.js'
import { textFrame } from './ws-frame.js'
import type { Metrics } from '../http/metrics.js'

export interface WsGatewayOptions {
  hub: Hub
  checkToken: (candidate: string | null) => boolean
  metrics: Metrics
  version: string
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void }
  /** Extra origins allowed besides the server's own (e.g. a dev server). Default is none. */
  allowedOrigins?: string[]
  /** A client whose unsent data exceeds this is disconnected (close 1008). Default is 1 MiB. */
  maxBufferedBytes?: number
  /** Server ping interval; a client that misses one pong is dropped. Default is 30000. */
  heartbeatMs?: number
  /** Time allowed for an `auth` message when no token came with the upgrade. Default is 5000. */
  authTimeoutMs?: number
  /** Largest accepted client message. Default is 64 KiB. */
  maxPayload?: number
  /** State to send when a client subscribes to a topic (e.g. `initial_metrics` for `pool:<id>`). Default is none. */
  snapshot?: (topic: string) => SnapshotMessage[]
}

export interface SnapshotMessage<T extends ServerDataType = ServerDataType> {
  type: T
  topic: string
  data: ServerDataMessages[T]
}

/**
 * Seed paths that carry one topic's messages in the seed's own form, and which types they carry.
 * `flat`: `{type, ...data}` (seed 003); `wrapped`: `{type, data}` (seed 002).
 */
interface SeedRoute {
  topic: string
  types: ReadonlySet<ServerDataType>
  form: 'flat' | 'wrapped'
}

const POOL_METRICS_PATH = /^\/ws\/agent-pools\/([^/]{1,200})\/metrics$/
const POOL_METRICS_TYPES: ReadonlySet<ServerDataType> = new Set(['initial_metrics', 'metrics_update', 'agent_offline'])

const EXECUTIONS_PATH = '/ws/executions'
const EXECUTION_TYPES: ReadonlySet<ServerDataType> = new Set(['execution_update'])

function seedRoute(pathname: string): SeedRoute | null {
  // `client_id` (seed 002) only names the client; every client of this path gets every update.
  if (pathname === EXECUTIONS_PATH) return { topic: 'executions', types: EXECUTION_TYPES, form: 'wrapped' }
  const m = POOL_METRICS_PATH.exec(pathname)
  if (!m) return null
  let pool: string
  try {
    pool = decodeURIComponent(m[1]!)
  } catch {
    return null
  }
  return { topic: `pool:${pool}`, types: POOL_METRICS_TYPES, form: 'flat' }
}

export interface WsGateway {
  readonly clientCount: number
  close(): Promise<void>
}

const CLOSE_BAD_TOKEN = 4401
const CLOSE_POLICY = 1008

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

function originAllowed(req: IncomingMessage, extra: string[]): boolean {
  const origin = req.headers.origin
  // Non-browser clients send no Origin; browsers always do, and a foreign page can't forge it.
  if (!origin) return true
  if (extra.includes(origin)) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

function tokenFromProtocols(header: string | undefined): string | null {
  if (!header) return null
  for (const p of header.split(',')) {
    const v = p.trim()
    if (v.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return v.slice(WS_TOKEN_PROTOCOL_PREFIX.length)
  }
  return null
}

export function attachWsGateway(server: Server, options: WsGatewayOptions): WsGateway {
  const { hub, metrics, log } = options
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024
  const heartbeatMs = options.heartbeatMs ?? 30_000
  const authTimeoutMs = options.authTimeoutMs ?? 5_000
  const allowed = options.allowedOrigins ?? []
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? 64 * 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
  })
  const alive = new WeakMap<WebSocket, boolean>()

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const seed = url.pathname === WS_PATH ? null : seedRoute(url.pathname)
    if (url.pathname !== WS_PATH && !seed) return reject(socket, 404, 'Not Found')
    if (!originAllowed(req, allowed)) {
      log.warn({ origin: req.headers.origin }, 'websocket origin rejected')
      return reject(socket, 403, 'Forbidden')
    }
    const presented = bearerFrom(req.headers.authorization) ?? tokenFromProtocols(req.headers['sec-websocket-protocol'])
    if (presented !== null && !options.checkToken(presented)) return reject(socket, 401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, socket, url, presented !== null, seed))
  }

  const control = <K extends keyof ServerControlMessages>(ws: WebSocket, type: K, data: ServerControlMessages[K]): void => {
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type, seq: hub.seq, topic: '', timestamp: Date.now(), data }))
    }
  }

  const onConnection = (ws: WebSocket, socket: Duplex, url: URL, authed: boolean, seed: SeedRoute | null): void => {
    metrics.wsConnections.inc()
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    // ws writes its own frames to this same socket synchronously (no compression, so no queue):
    // frames written here cannot interleave with them.
    const write = (frame: Buffer, count: number): boolean => {
      if (ws.readyState !== WebSocket.OPEN) return false
      if (ws.bufferedAmount > maxBuffered) {
        metrics.wsSlowConsumersDropped.inc()
        log.warn({ buffered: ws.bufferedAmount }, 'websocket client too slow; disconnected')
        ws.close(CLOSE_POLICY, 'SWB_WS_SLOW_CONSUMER')
        // A client that can't drain its buffer won't drain a close frame either.
        setTimeout(() => ws.terminate(), 1000).unref()
        return false
      }
      socket.write(frame)
      metrics.wsMessagesSent.inc(count)
      return true
    }
    const sub: HubSubscriber = seed
      ? {
          send: (msg: HubMessage) =>
            seed.types.has(msg.type) ? write(seed.form === 'flat' ? msg.plainFrame() : msg.wrappedFrame(), 1) : true,
          sendBatch: (batch: TopicBatch) =>
            batch.messages.every((m) => seed.types.has(m.type))
              ? write(seed.form === 'flat' ? batch.plainFrames() : batch.wrappedFrames(), batch.messages.length)
              : batch.messages.every((m) => sub.send(m)),
        }
      : { send: (msg) => write(msg.frame(), 1), sendBatch: (batch) => write(batch.frames(), batch.messages.length) }

    const sendSnapshots = (topics: string[]): void => {
      if (!options.snapshot) return
      for (const topic of topics) {
        for (const snap of options.snapshot(topic)) {
          if (seed) {
            if (seed.types.has(snap.type)) {
              const body = seed.form === 'flat' ? { type: snap.type, ...snap.data } : { type: snap.type, data: snap.data }
              write(textFrame(JSON.stringify(body)), 1)
            }
          } else {
            write(textFrame(JSON.stringify({ type: snap.type, seq: hub.seq, topic: snap.topic, timestamp: Date.now(), data: snap.data })), 1)
          }
        }
      }
    }

    const subscribe = (topics: string[], since: number | undefined): void => {
      const r = hub.subscribe(sub, topics, since)
      if (r.resync) control(ws, 'resync', { reason: 'history_exceeded', seq: r.seq })
      control(ws, 'subscribed', { topics, seq: hub.seq, replayed: r.replayed })
      sendSnapshots(topics)
    }

    const welcome = (): void => {
      if (seed) {
        // The seed's stream: its initial state, then its updates; no control messages.
        sendSnapshots([seed.topic])
        hub.subscribe(sub, [seed.topic])
        return
      }
      control(ws, 'hello', { serverVersion: options.version, seq: hub.seq, heartbeatMs })
      const topics = url.searchParams.get('topics')
      const since = url.searchParams.get('since')
      if (topics) subscribe(topics.split(',').filter(Boolean), since !== null && /^\d+$/.test(since) ? Number(since) : undefined)
    }

    let authTimer: NodeJS.Timeout | null = null
    if (authed) welcome()
    else {
      authTimer = setTimeout(() => ws.close(CLOSE_BAD_TOKEN, 'SWB_AUTH_MISSING'), authTimeoutMs)
    }

    ws.on('message', (raw, isBinary) => {
      let msg: ClientMessage
      try {
        if (isBinary) throw new Error('binary')
        msg = JSON.parse(raw.toString()) as ClientMessage
        if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') throw new Error('shape')
      } catch {
        control(ws, 'error', { code: 'SWB_WS_BAD_MESSAGE', message: 'Messages must be JSON objects with a "type"' })
        return
      }
      if (!authed) {
        if (msg.type === 'auth' && typeof msg.token === 'string' && options.checkToken(msg.token)) {
          authed = true
          if (authTimer) clearTimeout(authTimer)
          welcome()
        } else {
          ws.close(CLOSE_BAD_TOKEN, 'SWB_AUTH_INVALID')
        }
        return
      }
      if (seed && msg.type !== 'ping') return
      try {
        handle(msg)
      } catch (err) {
        // A message that breaks something must not take the server down with it.
        options.log.warn({ err, type: msg.type }, 'WebSocket message failed')
        control(ws, 'error', { code: 'SWB_INTERNAL', message: 'The message could not be handled' })
      }
    })

    const topicsOf = (value: unknown): string[] =>
      Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string' && t.length > 0 && t.length <= 200) : []

    const handle = (msg: ClientMessage): void => {
      switch (msg.type) {
        case 'subscribe': {
          const topics = topicsOf(msg.topics)
          const since = typeof msg.since === 'number' && Number.isInteger(msg.since) && msg.since >= 0 ? msg.since : undefined
          if (topics.length === 0) {
            control(ws, 'error', { code: 'SWB_WS_BAD_MESSAGE', message: 'subscribe needs a non-empty "topics" array' })
            return
          }
          subscribe(topics, since)
          return
        }
        case 'unsubscribe': {
          const topics = topicsOf(msg.topics)
          if (topics.length === 0) {
            control(ws, 'error', { code: 'SWB_WS_BAD_MESSAGE', message: 'unsubscribe needs a non-empty "topics" array' })
            return
          }
          hub.unsubscribe(sub, topics)
          return
        }
        case 'ping':
          control(ws, 'pong', { t: typeof msg.t === 'number' ? msg.t : null })
          return
        case 'auth':
          return
        default:
          control(ws, 'error', { code: 'SWB_WS_BAD_MESSAGE', message: `Unknown message type "${String((msg as { type: unknown }).type).slice(0, 100)}"` })
      }
    }

    ws.on('close', () => {
      if (authTimer) clearTimeout(authTimer)
      hub.unsubscribe(sub)
      metrics.wsConnections.dec()
    })
    ws.on('error', () => {
      // 'close' follows; nothing else to do.
    })
  }

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }, heartbeatMs)
  heartbeat.unref()

  server.on('upgrade', onUpgrade)

  return {
    get clientCount() {
      return wss.clients.size
    },
    async close() {
      clearInterval(heartbeat)
      server.off('upgrade', onUpgrade)
      for (const ws of wss.clients) ws.close(1001, 'server shutting down')
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      for (const ws of wss.clients) ws.terminate()
    },
  }
}
