/**
 * Agent hosts (seed 003) against the real server process over real sockets: the ping endpoint's
 * every failure code (none of which changes state), the registry and its credentials, the seed's
 * WebSocket path and the `/ws` topic, offline detection, and a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type {
  AgentPingRequest,
  CreateHostAgentResponse,
  HostAgent,
  IssuedCredential,
  PoolHistoryResponse,
  PoolMetricsMessage,
  PoolMetricsResponse,
  PoolsResponse,
} from '../../src/shared/agent-hosts.js'
import type { ServerMessage } from '../../src/shared/protocol.js'
import { removeTempDirs, startServer, tempDir, waitFor, type ServerProcess } from '../helpers/test-server.js'

let server: ServerProcess

beforeAll(async () => {
  const empty = await tempDir('swb-no-openclaw-')
  server = await startServer({
    openclawDirs: [empty],
    args: ['--ping-rate-limit', '1', '--ping-burst', '5', '--heartbeat-interval', '30'],
  })
})

afterAll(async () => {
  await server?.close()
  await removeTempDirs()
})

async function call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await r.text()
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T, headers: r.headers }
}

const goodPing = (cpu = 45.5): AgentPingRequest => ({
  status: 'busy',
  cpu_usage: cpu,
  memory_usage: 62.3,
  running_tasks: [{ task_id: 123, task_type: 'plan', workspace_id: 'ws-xxx', started_at: '2025-01-07T10:30:00Z' }],
})

async function ping(agentId: string, cred: { app_key: string; app_secret: string } | null, body: unknown = goodPing(), extra: Record<string, string> = {}) {
  const r = await fetch(`${server.url}/api/v1/agents/${agentId}/ping`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(cred ? { 'x-app-key': cred.app_key, 'x-app-secret': cred.app_secret } : {}),
      ...extra,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: r.status, body: (await r.json()) as { error?: { code: string; details?: { field?: string } }; accepted?: boolean }, headers: r.headers }
}

async function register(agentId: string, poolId: string, name?: string): Promise<IssuedCredential> {
  const r = await call<CreateHostAgentResponse>('POST', '/api/v1/agents', { agent_id: agentId, pool_id: poolId, agent_name: name, tags: ['gpu'] })
  expect(r.status).toBe(201)
  return r.body.credential
}

const poolMetrics = async (pool: string) => (await call<PoolMetricsResponse>('GET', `/api/v1/agent-pools/${pool}/metrics`)).body

/** A WebSocket client that keeps every message; the token goes by subprotocol, as a browser sends it. */
function connect<T>(path: string): Promise<{ ws: WebSocket; got: T[] }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, ['switchboard.v1', `bearer.${server.token}`])
  const got: T[] = []
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString()) as T))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, got }))
    ws.once('error', reject)
  })
}

describe('agent hosts over HTTP', () => {
  it('registers an agent, shows its key but never its secret, and rejects a duplicate', async () => {
    const cred = await register('alpha', 'build', 'Alpha')
    expect(cred.app_secret).toMatch(/^swb_sk_/)
    const list = await call<{ agents: HostAgent[] }>('GET', '/api/v1/agents')
    expect(list.body.agents.find((a) => a.agent_id === 'alpha')).toMatchObject({ agent_name: 'Alpha', pool_id: 'build', tags: ['gpu'], online: false })
    expect(JSON.stringify(list.body)).not.toContain(cred.app_secret)
    const dup = await call<{ error: { code: string } }>('POST', '/api/v1/agents', { agent_id: 'alpha' })
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('SWB_HOST_AGENT_EXISTS')
    const bad = await call<{ error: { code: string; details: { field: string } } }>('POST', '/api/v1/agents', { agent_id: 'no spaces' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.field).toBe('agent_id')
    expect((await fetch(`${server.url}/api/v1/agents`)).status).toBe(401)
  })

  it('answers every bad ping with its code and leaves the state as it was', async () => {
    const cred = await register('beta', 'guard')
    const other = await register('gamma', 'guard')
    const before = await poolMetrics('guard')
    expect(before.metrics).toEqual([])

    const cases: [string, Awaited<ReturnType<typeof ping>>, number, string][] = [
      ['no credentials', await ping('beta', null), 401, 'SWB_HOST_AUTH_MISSING'],
      ['wrong secret', await ping('beta', { app_key: cred.app_key, app_secret: 'swb_sk_wrong' }), 401, 'SWB_HOST_AUTH_INVALID'],
      ['unknown key', await ping('beta', { app_key: 'swb_ak_unknown', app_secret: cred.app_secret }), 401, 'SWB_HOST_AUTH_INVALID'],
      ["another agent's key", await ping('beta', other), 403, 'SWB_HOST_AUTH_FORBIDDEN'],
      ['unregistered agent', await ping('nobody', cred), 403, 'SWB_HOST_AUTH_FORBIDDEN'],
      ['cpu out of range', await ping('beta', cred, { ...goodPing(), cpu_usage: 101 }), 400, 'SWB_REQUEST_INVALID'],
      ['not JSON', await ping('beta', cred, '{"status":'), 400, 'SWB_REQUEST_INVALID'],
      ['too large', await ping('beta', cred, { ...goodPing(), pad: 'x'.repeat(70_000) }), 413, 'SWB_PAYLOAD_TOO_LARGE'],
    ]
    for (const [what, r, status, code] of cases) {
      expect([what, r.status, r.body.error?.code]).toEqual([what, status, code])
    }
    expect(cases[5]![1].body.error?.details?.field).toBe('cpu_usage')
    const bad = await ping('beta', cred, { ...goodPing(), running_tasks: [{ task_id: 1, task_type: 'x', workspace_id: 'w', started_at: 'soon' }] })
    expect(bad.body.error?.details?.field).toBe('running_tasks[0].started_at')

    const after = await poolMetrics('guard')
    expect(after.metrics).toEqual([])
    expect(after.agents.every((a) => a.last_seen_at === null && !a.online)).toBe(true)

    // Floods: the server here allows a burst of 5 and 1/s per agent (bad bodies above count too).
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 8; i++) {
      const r = await ping('gamma', other, goodPing(i))
      statuses.push(r.status)
      if (r.status === 429) retryAfter = r.headers.get('retry-after')
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5)
    expect(statuses.at(-1)).toBe(429)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    // The rejected pings did not change the metrics: the last accepted one is what is shown.
    const accepted = statuses.lastIndexOf(200)
    expect((await poolMetrics('guard')).metrics.find((m) => m.agent_id === 'gamma')!.cpu_usage).toBe(accepted)
    await new Promise((r) => setTimeout(r, 1100))

    // One connection serves a host pinging every 60 s: the server says it keeps it for 72 s.
    const kept = await ping('gamma', other, goodPing(1))
    expect(kept.status).toBe(200)
    expect(kept.headers.get('keep-alive')).toMatch(/timeout=72/)
    // The seed's answer, written out by hand: valid JSON of the right shape and type (90 s: three missed 30 s intervals).
    expect(kept.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(kept.body).toEqual({ accepted: true, server_time: expect.any(Number), offline_after_sec: 90 })
    expect(Math.abs((kept.body as { server_time: number }).server_time - Date.now())).toBeLessThan(60_000)

    const metricsText = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text()
    expect(metricsText).toMatch(/heartbeats_total\{result="forbidden"\} 2/)
    expect(metricsText).toMatch(/heartbeats_total\{result="too_large"\} 1/)
  })

  it('reads a ping body as data: "__proto__" and "constructor" keys change nothing', async () => {
    const cred = await register('omicron', 'proto')
    const sneaky =
      '{"__proto__":{"cpu_usage":5,"is_admin":true},"constructor":{"prototype":{"x":1}},"status":"busy","cpu_usage":12,"memory_usage":3,' +
      '"running_tasks":[{"__proto__":{"title":"sneaky"},"task_id":1,"task_type":"plan","workspace_id":"w","started_at":"2025-01-07T10:30:00Z"}]}'
    expect((await ping('omicron', cred, sneaky)).status).toBe(200)
    const shown = (await poolMetrics('proto')).metrics.find((m) => m.agent_id === 'omicron')!
    expect(shown).toMatchObject({ cpu_usage: 12, memory_usage: 3 })
    expect(shown.running_tasks).toEqual([{ task_id: 1, task_type: 'plan', workspace_id: 'w', started_at: '2025-01-07T10:30:00Z' }])
    expect(JSON.stringify(shown)).not.toMatch(/is_admin|sneaky/)
    // The media type may carry a charset; an empty body is no JSON object.
    expect((await ping('omicron', cred, goodPing(13), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200)
    const empty = await ping('omicron', cred, '')
    expect([empty.status, empty.body.error?.code]).toEqual([400, 'SWB_REQUEST_INVALID'])
  })

  it('rotates and revokes credentials through the API', async () => {
    const first = await register('delta', 'keys')
    const added = await call<IssuedCredential>('POST', '/api/v1/agents/delta/credentials')
    expect(added.status).toBe(201)
    const rotated = await call<IssuedCredential>('POST', `/api/v1/agents/delta/credentials/${first.app_key}/rotate`)
    expect(rotated.status).toBe(201)
    expect((await ping('delta', first)).status).toBe(401)
    expect((await ping('delta', rotated.body)).status).toBe(200)
    expect((await call('DELETE', `/api/v1/agents/delta/credentials/${added.body.app_key}`)).status).toBe(204)
    expect((await ping('delta', added.body)).status).toBe(401)
    expect((await call<{ error: { code: string } }>('DELETE', `/api/v1/agents/delta/credentials/${added.body.app_key}`)).body.error.code).toBe(
      'SWB_HOST_CREDENTIAL_NOT_FOUND',
    )
    const agent = (await call<HostAgent>('GET', '/api/v1/agents/delta')).body
    expect(agent.credentials.map((c) => c.app_key)).toEqual([rotated.body.app_key])
    expect(agent.credentials[0]!.last_used_at).not.toBeNull()
    expect((await call('DELETE', '/api/v1/agents/delta')).status).toBe(204)
    expect((await call<{ error: { code: string } }>('GET', '/api/v1/agents/delta')).body.error.code).toBe('SWB_HOST_AGENT_NOT_FOUND')
    expect((await ping('delta', rotated.body)).status).toBe(401)
  })
})

describe('agent hosts over WebSocket', () => {
  it("sends the seed's messages on /ws/agent-pools/{pool_id}/metrics and the same events on /ws", async () => {
    const cred = await register('epsilon', 'live', 'Epsilon')
    expect((await ping('epsilon', cred, goodPing(10))).status).toBe(200)

    const seed = await connect<PoolMetricsMessage>('/ws/agent-pools/live/metrics')
    const env = await connect<ServerMessage>('/ws?topics=pool:live')
    await waitFor(() => seed.got.length >= 1 && env.got.some((m) => m.type === 'initial_metrics'), 'initial metrics')
    expect(seed.got[0]).toEqual({
      type: 'initial_metrics',
      pool_id: 'live',
      metrics: [expect.objectContaining({ agent_id: 'epsilon', agent_name: 'Epsilon', cpu_usage: 10, memory_usage: 62.3, status: 'busy' })],
    })
    const initial = env.got.find((m) => m.type === 'initial_metrics')!
    expect(initial).toMatchObject({ topic: 'pool:live', data: { pool_id: 'live', metrics: [expect.objectContaining({ agent_id: 'epsilon' })] } })

    await new Promise((r) => setTimeout(r, 1100))
    expect((await ping('epsilon', cred, goodPing(75))).status).toBe(200)
    // Pushes go out on a 1 s grid: the first ping's own update may arrive after the snapshot.
    const isNew = (m: PoolMetricsMessage): boolean => m.type === 'metrics_update' && m.metrics.cpu_usage === 75
    await waitFor(() => seed.got.some(isNew), 'a metrics_update')
    const update = seed.got.find(isNew)!
    expect(Object.keys(update).sort()).toEqual(['metrics', 'pool_id', 'type'])
    expect(update).toMatchObject({ pool_id: 'live', metrics: { agent_id: 'epsilon', cpu_usage: 75, status: 'busy' } })
    if (update.type === 'metrics_update') {
      expect(update.metrics.running_tasks).toEqual(goodPing().running_tasks)
      expect(Date.parse(update.metrics.last_update_time)).toBeGreaterThan(0)
    }
    const isNewOnWs = (m: ServerMessage): boolean => m.type === 'metrics_update' && m.data.metrics.cpu_usage === 75
    await waitFor(() => env.got.some(isNewOnWs), 'the same update on /ws')
    const enveloped = env.got.find(isNewOnWs)!
    expect(enveloped).toMatchObject({ topic: 'pool:live', data: { pool_id: 'live', metrics: { agent_id: 'epsilon', cpu_usage: 75 } } })
    expect(enveloped.seq).toBeGreaterThan(initial.seq - 1)

    // A goodbye ping is offline at once, on both.
    expect((await ping('epsilon', cred, { ...goodPing(0), status: 'offline' })).status).toBe(200)
    await waitFor(() => seed.got.some((m) => m.type === 'agent_offline'), 'agent_offline')
    expect(seed.got.find((m) => m.type === 'agent_offline')).toEqual({
      type: 'agent_offline',
      pool_id: 'live',
      metrics: { agent_id: 'epsilon', status: 'offline', last_update_time: expect.any(String) as string },
    })
    await waitFor(() => env.got.some((m) => m.type === 'agent_offline'), 'agent_offline on /ws')
    seed.ws.close()
    env.ws.close()
  })

  it('judges an agent offline after three missed intervals it declared itself', async () => {
    const cred = await register('zeta', 'quiet')
    const seed = await connect<PoolMetricsMessage>('/ws/agent-pools/quiet/metrics')
    expect((await ping('zeta', cred, { ...goodPing(5), interval_sec: 1 })).status).toBe(200)
    await waitFor(() => seed.got.some((m) => m.type === 'metrics_update'), 'the update')
    await waitFor(() => seed.got.some((m) => m.type === 'agent_offline'), 'agent_offline after 3 s', 8000)
    const pools = (await call<PoolsResponse>('GET', '/api/v1/agent-pools')).body.pools
    expect(pools.find((p) => p.pool_id === 'quiet')).toMatchObject({ agents: 1, online: 0, offline: 1 })
    const history = (await call<PoolHistoryResponse>('GET', '/api/v1/agent-pools/quiet/history')).body
    expect(history.agents.zeta).toHaveLength(1)
    expect(history.agents.zeta![0]!.slice(1)).toEqual([5, 62.3, 1])
    seed.ws.close()
  })

  it('refuses the seed path without a token, and an unknown path', async () => {
    const status = (path: string, protocols: string[]) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, protocols)
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.on('open', () => {
          ws.close()
          resolve(101)
        })
        ws.on('error', () => undefined)
      })
    expect(await status('/ws/agent-pools/live/metrics', ['switchboard.v1', 'bearer.wrong-token-123'])).toBe(401)
    expect(await status('/ws/agent-pools/live/other', ['switchboard.v1', `bearer.${server.token}`])).toBe(404)
    // No token at all: the connection opens and must authenticate with its first message, or be closed.
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/agent-pools/live/metrics`)
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ type: 'auth', token: 'not-the-token' }))
    expect(await closed).toBe(4401)
  })
})

describe('agent hosts across a restart', () => {
  it('keeps the registry, the credentials and "last seen"; metrics start empty (seed)', async () => {
    const dataDir = await tempDir('swb-hosts-restart-')
    const empty = await tempDir('swb-no-openclaw-')
    let s = await startServer({ openclawDirs: [empty], dataDir })
    const created = await fetch(`${s.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'eta', pool_id: 'p' }),
    })
    const cred = ((await created.json()) as CreateHostAgentResponse).credential
    const pingOn = (url: string) =>
      fetch(`${url}/api/v1/agents/eta/ping`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-app-key': cred.app_key, 'x-app-secret': cred.app_secret },
        body: JSON.stringify(goodPing(20)),
      })
    expect((await pingOn(s.url)).status).toBe(200)
    await s.close()
    s = await startServer({ openclawDirs: [empty], dataDir })
    try {
      const r = await fetch(`${s.url}/api/v1/agent-pools/p/metrics`, { headers: { authorization: `Bearer ${s.token}` } })
      const body = (await r.json()) as PoolMetricsResponse
      expect(body.metrics).toEqual([])
      expect(body.agents[0]).toMatchObject({ agent_id: 'eta', online: false })
      expect(body.agents[0]!.last_seen_at).toEqual(expect.any(Number))
      expect((await pingOn(s.url)).status).toBe(200)
    } finally {
      await s.close()
    }
  })
})
