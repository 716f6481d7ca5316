/**
 * The current SQLite layout, live: rows inserted by another connection into an agent database in
 * WAL mode (as a running OpenClaw does) reach a WebSocket client; the CLI reads the same server.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ServerMessage } from '../../src/shared/protocol.js'
import { copyFixture, removeTempDirs, repoRoot, startServer, waitFor, type ServerProcess } from '../helpers/test-server.js'

const OPS_SESSION = '7db9e4f8-bc9a-485d-a4e3-1b767e4a172e'
const run = promisify(execFile)

describe('live server (SQLite fixture, WAL writer)', () => {
  let server: ServerProcess
  let writer: Database.Database
  beforeAll(async () => {
    const home = await copyFixture('openclaw-2026.9.6')
    writer = new Database(path.join(home, 'agents/ops/agent/openclaw-agent.sqlite'))
    writer.pragma('journal_mode = WAL')
    server = await startServer({ openclawDirs: [home] })
  })
  afterAll(async () => {
    writer?.close()
    await server?.close()
    await removeTempDirs()
  })

  it('a row committed by a live writer reaches a WebSocket client', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?topics=agent:ops`, ['switchboard.v1', `bearer.${server.token}`])
    const messages: ServerMessage[] = []
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as ServerMessage))
    await waitFor(() => messages.find((m) => m.type === 'subscribed'), 'subscribed')

    const at = Date.UTC(2026, 10, 22, 10, 55)
    const iso = (t: number) => new Date(t).toISOString()
    const { seq } = writer.prepare('SELECT max(seq) AS seq FROM transcript_events WHERE session_id = ?').get(OPS_SESSION) as { seq: number }
    const insert = writer.prepare('INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)')
    writer.transaction(() => {
      insert.run(OPS_SESSION, seq + 1, JSON.stringify({ type: 'message', id: 'wal-user', parentId: null, timestamp: iso(at), message: { role: 'user', content: 'hi', timestamp: at } }), at)
      insert.run(OPS_SESSION, seq + 2, JSON.stringify({ type: 'custom', customType: 'model-snapshot', data: { timestamp: at + 1, provider: 'walprov', modelApi: 'openai-completions', modelId: 'wal-model' }, id: 'wal-snap', parentId: 'wal-user', timestamp: iso(at + 1) }), at + 1)
      insert.run(
        OPS_SESSION,
        seq + 3,
        JSON.stringify({
          type: 'message',
          id: 'wal-answer',
          parentId: 'wal-snap',
          timestamp: iso(at + 2),
          message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }], api: 'openai-completions', provider: 'walprov', model: 'wal-model', usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, totalTokens: 2, cost: { total: 0 } }, stopReason: 'stop', timestamp: at + 2 },
        }),
        at + 2,
      )
    })()

    const update = await waitFor(
      () => messages.find((m) => m.type === 'agent_update' && m.data.agent.currentModel?.modelId === 'walprov/wal-model'),
      'agent_update from the WAL row',
    )
    expect(update.topic).toBe('agent:ops')
    expect(messages.every((m) => m.topic === '' || m.topic === 'agent:ops')).toBe(true)
    ws.close()
  })

  it('the CLI shows the fleet and a switch history', async () => {
    const cli = path.join(repoRoot, 'bin', 'switchboard.js')
    const env = { ...process.env, NO_COLOR: '1' }
    const status = await run(process.execPath, [cli, 'status', '--url', server.url, '--token', server.token], { env })
    expect(status.stdout).toContain('Ops (ops)')
    expect(status.stdout).toMatch(/mock\/mock-primary\s+(error|cooldown)/)
    const json = JSON.parse((await run(process.execPath, [cli, 'status', '--json', '--url', server.url, '--token', server.token], { env })).stdout) as { agents: { agentId: string }[] }
    expect(json.agents.map((a) => a.agentId)).toEqual(['main', 'ops', 'research', 'rl'])
    const switches = await run(process.execPath, [cli, 'switches', 'research', '--url', server.url, '--token', server.token], { env })
    expect(switches.stdout).toContain('mockauth/mock-auth → backup/mock-fallback  auth (401)')
    const bad = await run(process.execPath, [cli, 'status', '--url', server.url, '--token', 'wrong-token-000']).catch((e: { code: number; stderr: string }) => e)
    expect(bad).toMatchObject({ code: 1 })
    expect((bad as { stderr: string }).stderr).toContain('SWB_AUTH_INVALID')
  })
})
