/**
 * No string from any secret field of the fixtures ever appears in an API response or a WebSocket
 * message — including while data changes live.
 */
import { appendFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ModelStatusesResponse } from '../../src/shared/model-status.js'
import { copyFixture, copyFixtureLog, removeTempDirs, startServer, waitFor, type ServerProcess } from '../helpers/test-server.js'
import { turnLines } from '../helpers/transcript-lines.js'

/** Every secret value in the fixtures: provider apiKeys, the gateway token, auth profile tokens and keys. */
const SECRETS = [
  'dummy-mock-key',
  'dummy-auth-key',
  'dummy-backup-key',
  'dummy-hang-key',
  'dummy-profile-key',
  'dummy-auth-profile-key',
  'lab-token-123',
]

describe('secrets never leave the server', () => {
  let server: ServerProcess
  let legacy: string
  beforeAll(async () => {
    legacy = await copyFixture('openclaw-2026.4.15')
    server = await startServer({
      openclawDirs: [await copyFixture('openclaw-2026.9.6'), legacy],
      openclawLogs: [await copyFixtureLog('openclaw-2026.9.6'), await copyFixtureLog('openclaw-2026.4.15')],
    })
  })
  afterAll(async () => {
    await server?.close()
    await removeTempDirs()
  })

  it('in no response and no pushed message', async () => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/ws?topics=agents', ['switchboard.v1', `bearer.${server.token}`])
    const pushed: string[] = []
    ws.on('message', (raw) => pushed.push(raw.toString()))
    await new Promise((r) => ws.once('open', r))

    const get = async (p: string) => (await fetch(`${server.url}${p}`, { headers: { authorization: `Bearer ${server.token}` } })).text()
    const bodies = [await get('/api/agents/model-statuses'), await get('/api/sources'), await get('/metrics'), await get('/healthz')]
    const list = JSON.parse(bodies[0]!) as ModelStatusesResponse
    expect(list.agents.length).toBeGreaterThanOrEqual(6)
    for (const a of list.agents) {
      bodies.push(await get(`/api/agents/${a.agentId}/model-status`))
      bodies.push(await get(`/api/agents/${a.agentId}/model-switches?limit=1000`))
    }
    // Push a change so messages flow, then look at them too.
    await appendFile(
      path.join(legacy, 'agents/main/sessions/d425a798-f637-4842-8a47-bb354a6ddde6.jsonl'),
      turnLines({ provider: 'mock', model: 'mock-primary', at: Date.now(), fail: { status: 401, message: 'Incorrect API key provided' } }),
    )
    await waitFor(() => pushed.some((m) => m.includes('"agent_update"')), 'an agent_update')
    ws.close()

    const everything = [...bodies, ...pushed].join('\n')
    expect(everything.length).toBeGreaterThan(10_000)
    for (const secret of SECRETS) expect(everything, secret).not.toContain(secret)
    // Auth profiles are shown, without their keys.
    expect(everything).toContain('mock:manual')
  })
})
