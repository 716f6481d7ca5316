import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AgentPingRequest } from '../shared/agent-hosts.js'
import { AgentClientError, createAgentClient, parseRetryAfter } from './agent-client.js'
import { ACCEPTED, startPingServer, type PingServer } from './agent-client.test-kit.js'

const body: AgentPingRequest = {
  status: 'busy',
  cpu_usage: 12.5,
  memory_usage: 40,
  running_tasks: [{ task_id: 1, task_type: 'plan', workspace_id: 'ws', started_at: '2025-01-07T10:30:00Z' }],
  interval_sec: 10,
}

async function caught(p: Promise<unknown>): Promise<AgentClientError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(AgentClientError)
    return err as AgentClientError
  }
  throw new Error('expected the ping to fail')
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

describe('agent client', () => {
  let server: PingServer
  beforeEach(async () => {
    server = await startPingServer()
  })
  afterEach(() => server.close())

  const client = (extra: Partial<Parameters<typeof createAgentClient>[0]> = {}) =>
    createAgentClient({ url: server.url, agentId: 'gpu/01', appKey: 'ak_1', appSecret: 's3cret', ...extra })

  it('posts the body with the key and secret headers and returns the answer', async () => {
    expect(await client().ping(body)).toEqual(ACCEPTED.json)
    const [req] = server.received
    expect(req).toMatchObject({
      method: 'POST',
      url: '/api/v1/agents/gpu%2F01/ping',
      headers: { 'x-app-key': 'ak_1', 'x-app-secret': 's3cret', 'content-type': 'application/json' },
      body,
    })
  })

  it('keeps a path prefix of the URL', async () => {
    await client({ url: `${server.url}/switchboard/` }).ping(body)
    expect(server.received[0]?.url).toBe('/switchboard/api/v1/agents/gpu%2F01/ping')
  })

  it('carries status, code, message and details of an error answer', async () => {
    server.script({
      status: 400,
      json: { error: { code: 'SWB_REQUEST_INVALID', message: 'cpu_usage must be 0–100', details: [{ path: 'cpu_usage' }] } },
    })
    const err = await caught(client().ping(body))
    expect(err).toMatchObject({ kind: 'http', status: 400, code: 'SWB_REQUEST_INVALID', retryAfterSec: null, details: [{ path: 'cpu_usage' }] })
    expect(err.message).toBe('400 SWB_REQUEST_INVALID: cpu_usage must be 0–100')
    expect(err.retryable).toBe(false)
    expect(err.credentialsRejected).toBe(false)
  })

  it('tells rejected credentials and retryable answers apart', async () => {
    server.script(
      { status: 401, json: { error: { code: 'SWB_HOST_AUTH_INVALID', message: 'Invalid agent credentials' } } },
      { status: 403, json: { error: { code: 'SWB_HOST_AUTH_FORBIDDEN', message: 'no' } } },
      { status: 429, json: { error: { code: 'SWB_RATE_LIMITED', message: 'slow down' } }, headers: { 'retry-after': '7' } },
      { status: 503, text: '<html>maintenance</html>' },
    )
    const e401 = await caught(client().ping(body))
    expect(e401).toMatchObject({ status: 401, code: 'SWB_HOST_AUTH_INVALID', credentialsRejected: true, retryable: false })
    const e403 = await caught(client().ping(body))
    expect(e403).toMatchObject({ status: 403, credentialsRejected: true, retryable: false })
    const e429 = await caught(client().ping(body))
    expect(e429).toMatchObject({ status: 429, code: 'SWB_RATE_LIMITED', retryAfterSec: 7, retryable: true })
    const e503 = await caught(client().ping(body))
    expect(e503).toMatchObject({ kind: 'http', status: 503, code: null, retryable: true })
    expect(e503.message).toBe('503: <html>maintenance</html>')
  })

  it('calls a 2xx answer that is not a ping response a protocol error', async () => {
    server.script({ status: 200, text: '<html>captive portal</html>' }, { status: 200, json: { ok: true } })
    expect(await caught(client().ping(body))).toMatchObject({ kind: 'protocol', status: 200, retryable: true })
    expect(await caught(client().ping(body))).toMatchObject({ kind: 'protocol', status: 200 })
  })

  it('times out, and tells an abort from a timeout', async () => {
    server.script('hang', 'hang')
    const timedOut = await caught(client({ timeoutMs: 100 }).ping(body))
    expect(timedOut).toMatchObject({ kind: 'timeout', status: null, retryable: true })
    const controller = new AbortController()
    const p = client().ping(body, { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    expect(await caught(p)).toMatchObject({ kind: 'aborted', retryable: false })
  })

  it('names the network error when nothing listens', async () => {
    const port = await closedPort()
    const err = await caught(createAgentClient({ url: `http://127.0.0.1:${port}`, agentId: 'a', appKey: 'k', appSecret: 's' }).ping(body))
    expect(err).toMatchObject({ kind: 'network', status: null, retryable: true })
    expect(err.message).toBe(`cannot reach 127.0.0.1:${port}: ECONNREFUSED`)
  })

  it('refuses options that cannot work, with a typed error', () => {
    const ok = { url: 'http://x', agentId: 'a', appKey: 'k', appSecret: 's' }
    for (const bad of [{ url: 'not a url' }, { url: 'ftp://x' }, { agentId: '' }, { appKey: '' }, { appSecret: '' }]) {
      expect(() => createAgentClient({ ...ok, ...bad })).toThrow(AgentClientError)
    }
  })

  it('turns a body that cannot be JSON into a typed error', async () => {
    const cyclic = { ...body } as AgentPingRequest & { self?: unknown }
    cyclic.self = cyclic
    expect(await caught(client().ping(cyclic))).toMatchObject({ kind: 'config' })
    expect(server.received).toHaveLength(0)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-07T10:30:00Z')
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Tue, 07 Jan 2025 10:30:30 GMT', now)).toBe(30)
    expect(parseRetryAfter('Tue, 07 Jan 2025 10:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter('-5', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
})
