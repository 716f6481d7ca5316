/**
 * The built server as users run it, over real sockets: auth, errors, live push of a change on disk,
 * resume with since=<seq>, malformed and half-written input, restart and SIGKILL.
 */
import { appendFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { AgentModelStatus, ModelStatusesResponse } from '../../src/shared/model-status.js'
import type { ServerMessage } from '../../src/shared/protocol.js'
import { api, copyFixture, copyFixtureLog, removeTempDirs, startServer, waitFor, type ServerProcess } from '../helpers/test-server.js'
import { turnLines } from '../helpers/transcript-lines.js'

const PLAIN = 'agents/plain/sessions/facd1f06-a69e-48e2-9e1a-5592d6626e5f.jsonl'
/** Turn times that only go forward, a second apart, whatever the tests' own pace. */
let lastAt = Date.now()
const nextAt = (): number => (lastAt += 1000)

interface Client {
  ws: WebSocket
  messages: ServerMessage[]
  close(): void
}

async function connect(server: { url: string; token: string }, o: { since?: number; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<Client> {
  const ws = new WebSocket(server.url.replace('http', 'ws') + '/ws', o.protocols ?? ['switchboard.v1', `bearer.${server.token}`], { headers: o.headers })
  const messages: ServerMessage[] = []
  ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as ServerMessage))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  await waitFor(() => messages.find((m) => m.type === 'hello'), 'hello')
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['agents'], ...(o.since === undefined ? {} : { since: o.since }) }))
  await waitFor(() => messages.find((m) => m.type === 'subscribed'), 'subscribed')
  return { ws, messages, close: () => ws.close() }
}

function upgradeStatus(url: string, o: { origin?: string; protocols?: string[] }): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/ws', o.protocols ?? [], o.origin ? { origin: o.origin } : {})
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', (e) => (e.message.includes('Unexpected server response') ? undefined : reject(e)))
  })
}

describe('live server (legacy fixture)', () => {
  let home: string
  let server: ServerProcess
  const plain = async () => (await api<AgentModelStatus>(server, '/api/agents/plain/model-status')).body

  beforeAll(async () => {
    home = await copyFixture('openclaw-2026.4.15')
    server = await startServer({ openclawDirs: [home], openclawLogs: [await copyFixtureLog('openclaw-2026.4.15')] })
  })
  afterAll(async () => {
    await server?.close()
    await removeTempDirs()
  })

  it('needs a token for the API, not for /healthz', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const none = await fetch(`${server.url}/api/agents/model-statuses`)
    expect(none.status).toBe(401)
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('SWB_AUTH_MISSING')
    const wrong = await fetch(`${server.url}/api/agents/model-statuses`, { headers: { authorization: 'Bearer not-the-token' } })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('SWB_AUTH_INVALID')
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
  })

  it('answers the seed paths, with clear errors for an unknown agent and a bad limit', async () => {
    const all = await api<ModelStatusesResponse>(server, '/api/agents/model-statuses')
    expect(all.status).toBe(200)
    expect(all.body.agents.map((a) => a.agentId)).toEqual(['main', 'ops', 'plain', 'research', 'rl', 'slow'])
    expect((await api<{ error: { code: string } }>(server, '/api/agents/nobody/model-status')).body.error.code).toBe('SWB_AGENT_NOT_FOUND')
    expect((await api<{ error: { code: string } }>(server, '/api/agents/nobody/model-switches')).status).toBe(404)
    for (const bad of ['abc', '0', '-1', '1.5', '100000']) {
      const r = await api<{ error: { code: string } }>(server, `/api/agents/main/model-switches?limit=${bad}`)
      expect(r.status, bad).toBe(400)
      expect(r.body.error.code).toBe('SWB_REQUEST_INVALID')
    }
    const sw = await api<{ agentId: string; switches: unknown[]; total: number }>(server, '/api/agents/main/model-switches?limit=3')
    expect(sw.body).toMatchObject({ agentId: 'main', total: 8 })
    expect(sw.body.switches).toHaveLength(3)
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })
    const text = await metrics.text()
    expect(text).toContain('api_requests_total')
    expect(text).toContain('websocket_connections')
    expect(text).toContain('state_cache_size')
  })

  it('WebSocket: rejects a foreign Origin and a bad token; accepts its own origin', async () => {
    expect(await upgradeStatus(server.url, { origin: 'http://evil.example', protocols: ['switchboard.v1', `bearer.${server.token}`] })).toBe(403)
    expect(await upgradeStatus(server.url, { protocols: ['switchboard.v1', 'bearer.wrong-token-123'] })).toBe(401)
    expect(await upgradeStatus(server.url, { origin: server.url, protocols: ['switchboard.v1', `bearer.${server.token}`] })).toBe(101)
  })

  it('a line appended on disk reaches a WebSocket client; a missed one comes back with since=<seq>', async () => {
    const client = await connect(server)
        await appendFile(path.join(home, PLAIN), turnLines({ provider: 'newprov', model: 'fresh-1', at: nextAt() }))
    const update = await waitFor(
      () => client.messages.find((m) => m.type === 'agent_update' && m.data.agent.agentId === 'plain' && m.data.agent.currentModel?.modelId === 'newprov/fresh-1'),
      'agent_update for plain',
    )
    expect(update.topic).toBe('agent:plain')
    const sw = await waitFor(() => client.messages.find((m) => m.type === 'model_switch_event'), 'model_switch_event')
    expect(sw.type === 'model_switch_event' && sw.data.switchEvent).toMatchObject({ fromModel: 'backup/mock-fallback', toModel: 'newprov/fresh-1' })
    expect(client.messages.some((m) => m.type === 'model_status_update' && m.data.modelStatus.modelId === 'newprov/fresh-1')).toBe(true)
    const seqs = client.messages.filter((m) => m.seq > 0 && m.topic).map((m) => m.seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
    const lastSeq = Math.max(...seqs)
    client.close()

    await appendFile(path.join(home, PLAIN), turnLines({ provider: 'newprov', model: 'fresh-2', at: nextAt() }))
    await waitFor(async () => (await plain()).currentModel?.modelId === 'newprov/fresh-2', 'fresh-2 applied')
    const again = await connect(server, { since: lastSeq })
    const replayed = await waitFor(
      () => again.messages.find((m) => m.type === 'agent_update' && m.data.agent.currentModel?.modelId === 'newprov/fresh-2'),
      'the missed update, replayed',
    )
    expect(replayed.seq).toBeGreaterThan(lastSeq)
    const subscribed = again.messages.find((m) => m.type === 'subscribed')
    expect(subscribed?.type === 'subscribed' && subscribed.data.replayed).toBeGreaterThan(0)
    again.close()
  })

  it('a model error pushes model_error with the seed shape', async () => {
    const client = await connect(server)
    await appendFile(path.join(home, PLAIN), turnLines({ provider: 'newprov', model: 'fresh-2', at: nextAt(), fail: { status: 429, message: 'Rate limit reached' } }))
    const err = await waitFor(() => client.messages.find((m) => m.type === 'model_error'), 'model_error')
    expect(err.type === 'model_error' && err.data).toMatchObject({ agentId: 'plain', modelId: 'newprov/fresh-2', error: { type: 'rate_limit', code: 429 } })
    client.close()
  })

  it('a malformed line is counted and skipped; a half-written line waits for its end; good data survives', async () => {
    const before = ((await (await fetch(`${server.url}/healthz`)).json()) as { ingest: { rejected: number } }).ingest.rejected
    const file = path.join(home, PLAIN)
    await appendFile(file, '{"type":"message", this is not json\n')
    const full = turnLines({ provider: 'newprov', model: 'fresh-3', at: nextAt() })
    const cut = full.length - 40
    await appendFile(file, full.slice(0, cut))
    await waitFor(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { ingest: { rejected: number } }).ingest.rejected > before, 'the rejection to be counted')
    // The answer line is incomplete: fresh-3 must not be current yet.
    expect((await plain()).currentModel?.modelId).not.toBe('newprov/fresh-3')
    await appendFile(file, full.slice(cut))
    await waitFor(async () => (await plain()).currentModel?.modelId === 'newprov/fresh-3', 'fresh-3 after the line completed')
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text()
    expect(metrics).toMatch(/ingest_rejected_total\{source="openclaw"\} [1-9]/)
  })

  it('restart: nothing is read again, nothing is lost; SIGKILL loses nothing either', async () => {
    const snapshot = (await api<ModelStatusesResponse>(server, '/api/agents/model-statuses')).body
    await server.close()
    server = await startServer({ openclawDirs: [home], openclawLogs: [], dataDir: server.dataDir })
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { ingest: { eventsByKind: Record<string, number> } }
    // Config, session index and auth state describe the present and are read again; history is not.
    for (const kind of ['model_attempt', 'model_changed', 'fallback_decision']) expect(health.ingest.eventsByKind[kind] ?? 0, kind).toBe(0)
    expect(health.ingest.eventsByKind.agent_configured).toBe(6)
    const after = (await api<ModelStatusesResponse>(server, '/api/agents/model-statuses')).body
    expect(after.agents.map((a) => [a.agentId, a.currentModel?.modelId, a.switchHistory.length])).toEqual(
      snapshot.agents.map((a) => [a.agentId, a.currentModel?.modelId, a.switchHistory.length]),
    )

    await appendFile(path.join(home, PLAIN), turnLines({ provider: 'newprov', model: 'fresh-4', at: nextAt() }))
    await waitFor(async () => (await plain()).currentModel?.modelId === 'newprov/fresh-4', 'fresh-4')
    await server.kill()
    server = await startServer({ openclawDirs: [home], dataDir: server.dataDir })
    expect((await plain()).currentModel?.modelId).toBe('newprov/fresh-4')
    const sw = await api<{ switches: { toModel: string }[] }>(server, '/api/agents/plain/model-switches?limit=50')
    expect(sw.body.switches.filter((s) => s.toModel === 'newprov/fresh-4')).toHaveLength(1)
  })
})
