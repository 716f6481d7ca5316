/**
 * OpenClaw installed (or first started) after Switchboard: its state dir does not exist when the
 * server starts, and is picked up once it appears, agents and conversations alike, without a
 * restart.
 */
import { cpSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { api, removeTempDirs, repoRoot, startServer, tempDir, waitFor } from '../helpers/test-server.js'

afterAll(removeTempDirs)

describe('a state dir that appears after the start', () => {
  it('is read and listed: agents and conversations', async () => {
    const stateDir = path.join(await tempDir('swb-late-'), 'openclaw-home')
    const server = await startServer({ openclawDirs: [stateDir] })
    try {
      const before = await api<{ agents: unknown[] }>(server, '/api/agents/model-statuses')
      expect(before.body.agents).toEqual([])
      cpSync(path.join(repoRoot, 'test', 'fixtures', 'openclaw-2026.9.6', 'openclaw-home'), stateDir, { recursive: true })
      const agents = await waitFor(
        async () => {
          const r = await api<{ agents: { agentId: string }[] }>(server, '/api/agents/model-statuses')
          return r.body.agents.length === 4 ? r.body.agents.map((a) => a.agentId).sort() : null
        },
        'the late state dir to be read',
        20_000,
      )
      expect(agents).toEqual(['main', 'ops', 'research', 'rl'])
      const conversations = await waitFor(
        async () => {
          const r = await api<{ conversations: { agent_id: string }[] }>(server, '/api/conversations')
          return r.body.conversations.length === 4 ? new Set(r.body.conversations.map((c) => c.agent_id)) : null
        },
        'its conversations to be listed',
        20_000,
      )
      expect(conversations).toEqual(new Set(['main', 'ops', 'research', 'rl']))
      expect(server.output()).not.toMatch(/"level":50/)
    } finally {
      await server.close()
    }
  })
})
