/**
 * The WebSocket gateway over a real socket: auth by first message, bad messages, ping/pong, and a
 * slow client cut off at its buffer bound while a healthy one keeps receiving everything.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createHub } from '../../src/server/ws/hub.js'
import { attachWsGateway, type WsGateway } from '../../src/server/ws/ws-gateway.js'
import { createMetrics } from '../../src/server/http/metrics.js'
import { createTokenCheck } from '../../src/server/auth/token.js'
import type { ServerMessage } from '../../src/shared/protocol.js'
import { waitFor } from '../helpers/test-server.js'

const TOKEN = 'gateway-test-token'
const quiet = { info() {}, warn() {} }
let server: Server | undefined
let gateway: WsGateway | undefined

afterEach(async () => {
  await gateway?.close()
  await new Promise((r) => server?.close(r))
})

async function setup(o: { maxBufferedBytes?: number; authTimeoutMs?: number } = {}) {
  const hub = createHub()
  const metrics = createMetrics()
  server = createServer()
  gateway = attachWsGateway(server, { hub, metrics, checkToken: createTokenCheck(TOKEN), version: 't', log: quiet, ...o })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`
  return { hub, metrics, url }
}

function client(url: string, protocols: string[] = []) {
  const ws = new WebSocket(url, protocols)
  const messages: ServerMessage[] = []
  let closeCode: number | null = null
  ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as ServerMessage))
  ws.on('close', (code) => (closeCode = code))
  ws.on('error', () => undefined)
  return { ws, messages, closed: () => closeCode, open: () => new Promise((r) => ws.once('open', r)) }
}

describe('ws gateway', () => {
  it('authenticates with a first message, then serves; a wrong first message closes with 4401', async () => {
    const { url } = await setup()
    const good = client(url, ['switchboard.v1'])
    await good.open()
    good.ws.send(JSON.stringify({ type: 'auth', token: TOKEN }))
    await waitFor(() => good.messages.find((m) => m.type === 'hello'), 'hello')
    good.ws.send(JSON.stringify({ type: 'ping', t: 7 }))
    const pong = await waitFor(() => good.messages.find((m) => m.type === 'pong'), 'pong')
    expect(pong.data).toEqual({ t: 7 })
    good.ws.send('not json')
    const err = await waitFor(() => good.messages.find((m) => m.type === 'error'), 'error message')
    expect(err.type === 'error' && err.data.code).toBe('SWB_WS_BAD_MESSAGE')
    expect(good.closed()).toBeNull()

    const bad = client(url)
    await bad.open()
    bad.ws.send(JSON.stringify({ type: 'auth', token: 'nope-nope-nope' }))
    await waitFor(() => bad.closed(), 'close')
    expect(bad.closed()).toBe(4401)
    expect(bad.messages.some((m) => m.type === 'hello')).toBe(false)
  })

  it('closes a connection that never authenticates', async () => {
    const { url } = await setup({ authTimeoutMs: 100 })
    const silent = client(url)
    await silent.open()
    await waitFor(() => silent.closed(), 'close')
    expect(silent.closed()).toBe(4401)
  })

  it('cuts off a client that does not read, and keeps serving the others', async () => {
    const { hub, metrics, url } = await setup({ maxBufferedBytes: 64 * 1024 })
    const fast = client(`${url}?topics=agents`, ['switchboard.v1', `bearer.${TOKEN}`])
    const slow = client(`${url}?topics=agents`, ['switchboard.v1', `bearer.${TOKEN}`])
    await Promise.all([fast.open(), slow.open()])
    await waitFor(() => fast.messages.find((m) => m.type === 'subscribed') && slow.messages.find((m) => m.type === 'subscribed'), 'subscriptions')
    // The slow client stops reading its socket: the server's send buffer for it fills up.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const big = 'x'.repeat(16 * 1024)
    const total = 400
    for (let i = 0; i < total; i++) {
      hub.publish('agent_removed', 'agent:a', { agentId: big, timestamp: i })
      if (i % 20 === 0) await new Promise((r) => setImmediate(r))
    }
    await waitFor(() => fast.messages.filter((m) => m.type === 'agent_removed').length === total, 'all messages at the fast client')
    expect(hub.subscriberCount).toBe(1)
    const dropped = await metrics.registry.getSingleMetricAsString('websocket_slow_consumers_dropped_total')
    expect(dropped).toMatch(/ 1$/m)
  })
})
