/**
 * The direct ping path on a real `node:http` server: which requests it answers and which it
 * leaves to the next handler untouched, and how it answers. The steps are a stand-in that records
 * its calls (the real steps are tested with the route, over the real server).
 */
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from './app-error.js'
import { createPingFastPath } from './ping-fast-path.js'
import { PING_BODY_LIMIT, type PingSteps } from '../routes/ping-steps.js'

const calls: string[] = []
const counted: number[] = []
const metered: number[] = []
const logged: unknown[] = []
let refuse: { error: AppError; retryAfterSec?: number } | null = null
let enabled = true

const steps: PingSteps = {
  admit(agentId, key, secret, address) {
    calls.push(`admit ${agentId} ${key} ${secret} ${address}`)
    return refuse
  },
  parse(text) {
    calls.push(`parse ${text}`)
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new AppError('SWB_REQUEST_INVALID', 'body is not valid JSON', { field: 'body' })
    }
  },
  accept(agentId, body) {
    calls.push(`accept ${agentId}`)
    if ((body as { boom?: boolean }).boom) throw new Error('boom')
    return JSON.stringify({ got: body })
  },
  count: (status) => void counted.push(status),
}

let server: http.Server
let base: string
let port: number

beforeAll(async () => {
  const fast = createPingFastPath({
    steps,
    meter: (status, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0)
      metered.push(status)
    },
    log: { error: (...args: unknown[]) => void logged.push(args) } as never,
    enabled: () => enabled,
  })
  server = http.createServer((req, res) => {
    if (fast(req, res)) return
    // What Fastify would get: the request untouched, its body still to read.
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      res.writeHead(299, { 'content-type': 'text/plain' })
      res.end(`passed on: ${req.method} ${req.url} ${body}`)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
})

afterAll(() => new Promise<void>((r) => server.close(() => r())))

beforeEach(() => {
  calls.length = 0
  counted.length = 0
  metered.length = 0
  logged.length = 0
  refuse = null
  enabled = true
})

const ping = (path: string, init: { method?: string; type?: string | null; body?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${base}${path}`, {
    method: init.method ?? 'POST',
    headers: { ...(init.type === null ? {} : { 'content-type': init.type ?? 'application/json' }), 'x-app-key': 'ak', 'x-app-secret': 'sk', ...init.headers },
    body: init.method === 'GET' ? undefined : (init.body ?? '{"cpu_usage":1}'),
  })

describe('the direct ping path', () => {
  it('answers a plain ping with the steps in order, counted and metered once', async () => {
    const r = await ping('/api/v1/agents/host-01.a_b/ping')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await r.json()).toEqual({ got: { cpu_usage: 1 } })
    expect(calls).toEqual(['admit host-01.a_b ak sk 127.0.0.1', 'parse {"cpu_usage":1}', 'accept host-01.a_b'])
    expect(counted).toEqual([200])
    expect(metered).toEqual([200])
    const charset = await ping('/api/v1/agents/h/ping', { type: 'application/json; charset=utf-8' })
    expect(charset.status).toBe(200)
  })

  it('leaves every other request to the next handler, body unread', async () => {
    const others: [string, Parameters<typeof ping>[1]][] = [
      ['/api/v1/agents/h/ping', { method: 'GET' }],
      ['/api/v1/agents/h/ping', { method: 'PUT' }],
      ['/api/v1/agents/h/ping?x=1', {}],
      ['/api/v1/agents/h/ping/', {}],
      ['/api/v1/agents/%68/ping', {}],
      ['/api/v1/agents/-h/ping', {}],
      ['/api/v1/agents/a/b/ping', {}],
      [`/api/v1/agents/${'h'.repeat(65)}/ping`, {}],
      ['/API/v1/agents/h/ping', {}],
      ['/api/v1/agents/h/ping', { type: 'text/plain' }],
      ['/api/v1/agents/h/ping', { type: 'Application/JSON' }],
      ['/api/v1/agents/h/ping', { type: 'application/json; charset=latin1' }],
      ['/api/v1/agents/h/ping', { type: null }],
      ['/api/v1/agents/h/ping', { body: 'x'.repeat(PING_BODY_LIMIT + 1) }],
    ]
    for (const [path, init] of others) {
      const r = await ping(path, init)
      expect([path, init, r.status]).toEqual([path, init, 299])
      const text = await r.text()
      if (init?.method !== 'GET' && init?.body === undefined) expect(text).toContain('{"cpu_usage":1}')
    }
    expect(calls).toEqual([])
    expect(counted).toEqual([])
    enabled = false
    expect((await ping('/api/v1/agents/h/ping')).status).toBe(299)
  })

  it('leaves a chunked body to the next handler', async () => {
    const r = await fetch(`${base}/api/v1/agents/h/ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob(['{"cpu_usage":1}']).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(r.status).toBe(299)
    expect(calls).toEqual([])
  })

  it('refuses before reading the body, with the retry time when there is one', async () => {
    refuse = { error: new AppError('SWB_RATE_LIMITED', 'slow down'), retryAfterSec: 3 }
    const r = await ping('/api/v1/agents/h/ping')
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('3')
    expect(await r.json()).toEqual({ error: { code: 'SWB_RATE_LIMITED', message: 'slow down' } })
    refuse = { error: new AppError('SWB_HOST_AUTH_MISSING') }
    const missing = await ping('/api/v1/agents/h/ping')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('retry-after')).toBeNull()
    expect(calls.filter((c) => !c.startsWith('admit'))).toEqual([])
    expect(counted).toEqual([429, 401])
  })

  it('answers a bad body with its error, and an unexpected failure with a logged 500', async () => {
    const bad = await ping('/api/v1/agents/h/ping', { body: '{"cpu' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: { code: 'SWB_REQUEST_INVALID', message: 'body is not valid JSON', details: { field: 'body' } } })
    const boom = await ping('/api/v1/agents/h/ping', { body: '{"boom":true}' })
    expect(boom.status).toBe(500)
    expect(((await boom.json()) as { error: { code: string } }).error.code).toBe('SWB_INTERNAL')
    expect(logged).toHaveLength(1)
    expect(counted).toEqual([400, 500])
  })

  it('reads a body that arrives in pieces, a character split between them, on a kept-alive connection', async () => {
    const body = Buffer.from(JSON.stringify({ task_type: '规划' }))
    const cut = body.indexOf(Buffer.from('规')) + 1
    const head = (n: number) =>
      `POST /api/v1/agents/h/ping HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-app-key: ak\r\nx-app-secret: sk\r\ncontent-length: ${n}\r\n\r\n`
    const socket = net.connect(port, '127.0.0.1')
    let got = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (got += d))
    await new Promise((r) => socket.once('connect', r))
    socket.write(head(body.length))
    socket.write(body.subarray(0, cut))
    await new Promise((r) => setTimeout(r, 50))
    socket.write(body.subarray(cut))
    await expect.poll(() => got.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(1)
    expect(got).toContain('{"got":{"task_type":"规划"}}')
    // The same connection takes the next ping.
    socket.write(head(2) + '{}')
    await expect.poll(() => got.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(2)
    socket.destroy()
  })
})
