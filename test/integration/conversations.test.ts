/**
 * Conversations (seed 001) against the real server process: the list and its filters on both
 * OpenClaw layouts, one conversation with its runs, task lists posted by an agent with its
 * heartbeat credentials, the seed's `status_update` and `task_tracking` on a real WebSocket as a
 * transcript grows, and an OpenHands server's conversations beside OpenClaw's.
 */
import { spawn } from 'node:child_process'
import { appendFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ConversationDetail, ConversationsPage, StatusUpdateMessage, TaskTrackingMessage } from '../../src/shared/conversations.js'
import type { ServerMessage } from '../../src/shared/protocol.js'
import { startFakeOpenHands, type FakeOpenHands } from '../helpers/openhands-server.js'
import { copyFixture, removeTempDirs, repoRoot, startServer, waitFor, type ServerProcess } from '../helpers/test-server.js'
import { turnLines } from '../helpers/transcript-lines.js'


let current: ServerProcess
let legacy: ServerProcess
let legacyHome: string
let oh: FakeOpenHands

async function call<T = unknown>(s: ServerProcess, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const r = await fetch(`${s.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T }
}
type ErrorReply = { error: { code: string; message: string; details?: { field?: string } } }

function listen(s: ServerProcess, topics: string): Promise<{ ws: WebSocket; got: ServerMessage[] }> {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?topics=${topics}`, ['switchboard.v1', `bearer.${s.token}`])
  const got: ServerMessage[] = []
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString()) as ServerMessage))
  return waitFor(() => got.some((m) => m.type === 'subscribed'), 'subscribed').then(() => ({ ws, got }))
}

beforeAll(async () => {
  oh = await startFakeOpenHands()
  oh.conversations = [
    { conversation_id: 'oh-1', title: 'Fix the login bug', status: 'RUNNING', runtime_status: 'STATUS$READY', created_at: '2026-11-22T09:00:00Z', last_updated_at: '2026-11-22T09:30:00Z', session_api_key: 'sk-secret' },
    { conversation_id: 'oh-2', title: 'Write the release notes', status: 'STARTING', created_at: '2026-11-22T10:00:00Z' },
  ]
  const [currentHome, legacyCopy] = await Promise.all([copyFixture('openclaw-2026.9.6'), copyFixture('openclaw-2026.4.15')])
  legacyHome = legacyCopy
  ;[current, legacy] = await Promise.all([
    startServer({ openclawDirs: [currentHome], args: ['--openhands-url', oh.url], env: { SWITCHBOARD_OPENHANDS_API_KEY: oh.apiKey } }),
    startServer({ openclawDirs: [legacyHome] }),
  ])
})

afterAll(async () => {
  await Promise.all([current?.close(), legacy?.close()])
  await oh?.close()
  await removeTempDirs()
})

const openclawOnly = (p: ConversationsPage) => p.conversations.filter((c) => c.source === 'openclaw')

describe('the conversation list', () => {
  it('has one conversation per OpenClaw session on the SQLite layout, with the facts of each', async () => {
    const { body } = await call<ConversationsPage>(current, 'GET', '/api/conversations')
    const mine = openclawOnly(body)
    expect(mine.map((c) => c.agent_id).sort()).toEqual(['main', 'ops', 'research', 'rl'])
    const main = mine.find((c) => c.agent_id === 'main')!
    expect(main).toMatchObject({
      status: 'STOPPED',
      runtime_status: 'IDLE',
      status_reason: 'idle',
      session_key: 'agent:main:main',
      current_model: 'backup/mock-fallback',
      message_count: 14,
      run_count: 6,
      cost_usd: 0.005384,
      tokens: { total: 5160 },
      url: `/api/conversations/${main.conversation_id}`,
    })
  })

  it('filters by agent, status, update time and text, pages with a cursor, and names a bad parameter', async () => {
    const byAgent = (await call<ConversationsPage>(current, 'GET', '/api/conversations?agent=ops')).body
    expect(byAgent.conversations.map((c) => c.agent_id)).toEqual(['ops'])
    const running = (await call<ConversationsPage>(current, 'GET', '/api/conversations?status=RUNNING,STARTING')).body
    expect(running.conversations.map((c) => c.conversation_id).sort()).toEqual(['oh-1', 'oh-2'])
    expect((await call<ConversationsPage>(current, 'GET', '/api/conversations?updated_since=2099-01-01T00:00:00Z')).body.conversations).toEqual([])
    const search = (await call<ConversationsPage>(current, 'GET', '/api/conversations?q=RELEASE')).body
    expect(search.conversations.map((c) => c.conversation_id)).toEqual(['oh-2'])
    const seen: string[] = []
    let cursor: string | null = null
    for (let i = 0; i < 10; i++) {
      const page: ConversationsPage = (await call<ConversationsPage>(current, 'GET', `/api/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body
      seen.push(...page.conversations.map((c) => c.conversation_id))
      cursor = page.next_cursor
      if (!cursor) break
    }
    expect(seen).toHaveLength(6)
    expect(new Set(seen).size).toBe(6)
    for (const [query, field] of [
      ['status=PAUSED', 'status'],
      ['updated_since=yesterday', 'updated_since'],
      ['limit=0', 'limit'],
      ['cursor=zzz', 'cursor'],
    ]) {
      const r = await call<ErrorReply>(current, 'GET', `/api/conversations?${query}`)
      expect([r.status, r.body.error.code, r.body.error.details?.field]).toEqual([400, 'SWB_REQUEST_INVALID', field])
    }
    expect((await fetch(`${current.url}/api/conversations`)).status).toBe(401)
  })

  it('reads the legacy layout too', async () => {
    const { body } = await call<ConversationsPage>(legacy, 'GET', '/api/conversations')
    expect(body.conversations.map((c) => c.agent_id).sort()).toEqual(['main', 'ops', 'plain', 'research', 'rl', 'slow'])
    expect(body.conversations.find((c) => c.agent_id === 'main')).toMatchObject({ message_count: 19, current_model: 'backup/mock-fallback', tokens: { total: 5160 } })
  })
})

describe('one conversation', () => {
  it('has its runs: which model answered each, what failed before, tokens and cost; 404 for an unknown id', async () => {
    const list = (await call<ConversationsPage>(current, 'GET', '/api/conversations?agent=main')).body
    const id = list.conversations[0]!.conversation_id
    const { status, body } = await call<ConversationDetail>(current, 'GET', `/api/conversations/${id}`)
    expect(status).toBe(200)
    expect(body.runs).toHaveLength(6)
    expect(body.runs.map((r) => [r.outcome, r.answered_by, r.tokens])).toEqual([
      ['failed', null, 0],
      ['failed', null, 0],
      ['succeeded', 'backup/mock-fallback', 1290],
      ['succeeded', 'backup/mock-fallback', 1290],
      ['succeeded', 'backup/mock-fallback', 1290],
      ['succeeded', 'backup/mock-fallback', 1290],
    ])
    expect(body.runs[2]!.models_tried[body.runs[2]!.models_tried.length - 1]).toBe('backup/mock-fallback')
    expect(body.runs[2]!.failed_attempts).toBeGreaterThan(0)
    expect(body.tasks).toEqual([])
    const missing = await call<ErrorReply>(current, 'GET', '/api/conversations/not-a-session')
    expect([missing.status, missing.body.error.code]).toEqual([404, 'SWB_CONVERSATION_NOT_FOUND'])
  })

  it('shows an OpenHands conversation with its status one to one, never its session key', async () => {
    const { body } = await call<ConversationDetail>(current, 'GET', '/api/conversations/oh-1')
    expect(body).toMatchObject({ source: 'openhands', agent_id: 'openhands', status: 'RUNNING', runtime_status: 'RUNNING', title: 'Fix the login bug', status_inferred: false, runs: [] })
    expect(JSON.stringify(body)).not.toContain('sk-secret')
  })
})

describe('switchboard conversations (the CLI)', () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'switchboard.js'), 'conversations', ...args, '--url', current.url, '--token', current.token])
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      child.on('exit', (code) => resolve({ code, out, err }))
    })

  it('lists with filters and shows one conversation turn by turn', async () => {
    const list = await cli(['--agent', 'main'])
    expect(list.code).toBe(0)
    expect(list.out).toMatch(/^STATUS +AGENT +TITLE +MODEL +MSGS +COST +ACTIVE +ID\nSTOPPED +main +hello +backup\/mock-fallback +14 +\$0\.0054 /)
    const id = list.out.trim().split(/\s+/).pop()!
    const show = await cli(['show', id])
    expect(show.code).toBe(0)
    expect(show.out).toContain('STOPPED / IDLE — idle')
    expect(show.out.match(/^ +\d+\. /gm)).toHaveLength(6)
    expect(show.out).toContain('  1. 2026-11-22T10:41:09.126Z  failed      mock/mock-primary ✗ → mock/mock-timeout ✗  [timeout]  0 tok —\n')
    expect(show.out).toMatch(/ 3\. \S+ +succeeded +mock\/mock-primary ✗ → mockauth\/mock-auth ✗ → backup\/mock-fallback ✓ +\[auth 401\] +1290 tok \$0\.0013\n/)
    const missing = await cli(['show', 'nope'])
    expect([missing.code, missing.err]).toEqual([1, 'switchboard: 404 SWB_CONVERSATION_NOT_FOUND: No conversation "nope"\n'])
    const bad = await cli(['--status', 'paused'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('SWB_REQUEST_INVALID')
  })
})

describe('task lists', () => {
  it('an agent posts its task list with its heartbeat credentials; subscribers get task_tracking', async () => {
    const main = (await call<ConversationsPage>(current, 'GET', '/api/conversations?agent=main')).body.conversations[0]!
    const reg = await call<{ credential: { app_key: string; app_secret: string } }>(current, 'POST', '/api/v1/agents', { agent_id: 'main', pool_id: 'p' })
    const other = await call<{ credential: { app_key: string; app_secret: string } }>(current, 'POST', '/api/v1/agents', { agent_id: 'worker-7', pool_id: 'p' })
    const creds = (c: { app_key: string; app_secret: string }) => ({ 'x-app-key': c.app_key, 'x-app-secret': c.app_secret })
    const { ws, got } = await listen(current, `conversation:${main.conversation_id}`)
    try {
      // Subscribing sends the current list at once.
      await waitFor(() => got.some((m) => m.type === 'task_tracking'), 'the view on subscribe')
      expect((got.find((m) => m.type === 'task_tracking')!.data as TaskTrackingMessage).data).toMatchObject({ command: 'view', task_list: [] })
      const body = { task_list: [{ title: 'Read the report', status: 'done' }, { id: 'b', title: 'Summarise it', status: 'in_progress', notes: 'half way' }], result: 'Summary in progress' }
      const post = (b: unknown, headers: Record<string, string>, id = main.conversation_id) =>
        fetch(`${current.url}/api/conversations/${id}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(b) })
      expect((await post(body, {})).status).toBe(401)
      expect((await post(body, { ...creds(reg.body.credential), 'x-app-secret': 'wrong' })).status).toBe(401)
      // Another agent's key: 403, as for heartbeats, whether or not it names itself.
      const foreign = await post(body, creds(other.body.credential))
      expect(foreign.status).toBe(403)
      const claimed = await post(body, { ...creds(other.body.credential), 'x-agent-id': 'worker-7' })
      expect(claimed.status).toBe(403)
      const bad = await post({ task_list: [{ title: '', status: 'soon' }] }, creds(reg.body.credential))
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as ErrorReply).error.details?.field).toBe('task_list[0].title')
      const ok = await post(body, creds(reg.body.credential))
      expect(ok.status).toBe(200)
      const message = await waitFor(() => got.find((m) => m.type === 'task_tracking' && (m.data as TaskTrackingMessage).data.command === 'plan'), 'task_tracking')
      expect(message.topic).toBe(`conversation:${main.conversation_id}`)
      const seed = message.data as TaskTrackingMessage
      expect(seed).toMatchObject({ type: 'task_tracking', data: { conversation_id: main.conversation_id, agent_id: 'main', result: 'Summary in progress' } })
      expect(seed.id).toMatch(/^task-/)
      expect(seed.data.task_list.map((t) => [t.id, t.title, t.status, t.notes])).toEqual([
        ['task-1', 'Read the report', 'done', ''],
        ['b', 'Summarise it', 'in_progress', 'half way'],
      ])
      const detail = (await call<ConversationDetail>(current, 'GET', `/api/conversations/${main.conversation_id}`)).body
      expect(detail.tasks.map((t) => t.source)).toEqual(['api', 'api'])

      // A conversation the server does not know: the agent names itself and it is listed.
      const unknown = await post(body, creds(other.body.credential), 'job-42')
      expect(unknown.status).toBe(404)
      const started = await post({ task_list: [{ title: 'Crawl', status: 'in_progress' }] }, { ...creds(other.body.credential), 'x-agent-id': 'worker-7' }, 'job-42')
      expect(started.status).toBe(200)
      const job = (await call<ConversationDetail>(current, 'GET', '/api/conversations/job-42')).body
      expect(job).toMatchObject({ source: 'agent', agent_id: 'worker-7', status: 'RUNNING', title: 'Crawl' })
    } finally {
      ws.close()
    }
  })
})

describe('status updates', () => {
  it('a transcript that grows pushes status_update through the seed’s table, on the conversation’s topic and on `conversations`', async () => {
    const main = (await call<ConversationsPage>(legacy, 'GET', '/api/conversations?agent=main')).body.conversations[0]!
    expect(main.status).toBe('STOPPED')
    const { ws, got } = await listen(legacy, 'conversations')
    try {
      const file = path.join(legacyHome, 'agents', 'main', 'sessions', `${main.conversation_id}.jsonl`)
      const [snapshot, prompt, answer] = turnLines({ provider: 'backup', model: 'mock-fallback', at: Date.now(), text: 'one more question' }).trim().split('\n')
      await appendFile(file, `${snapshot}\n${prompt}\n`)
      const statuses = () => got.filter((m) => m.type === 'status_update').map((m) => (m.data as StatusUpdateMessage).data)
      await waitFor(() => statuses().some((d) => d.status === 'RUNNING'), 'RUNNING', 20_000)
      await appendFile(file, `${answer}\n`)
      await waitFor(() => statuses().some((d) => d.status === 'STOPPED'), 'STOPPED', 20_000)
      expect(statuses().map((d) => [d.previous_status, d.status, d.reason])).toEqual([
        ['STOPPED', 'RUNNING', 'run_in_progress'],
        ['RUNNING', 'STOPPED', 'idle'],
      ])
      const first = got.find((m) => m.type === 'status_update')!
      expect(first.topic).toBe(`conversation:${main.conversation_id}`)
      expect(first.data).toMatchObject({ type: 'status_update', timestamp: expect.any(String) as string, data: { conversation_id: main.conversation_id, agent_id: 'main' } })
      const after = (await call<ConversationDetail>(legacy, 'GET', `/api/conversations/${main.conversation_id}`)).body
      expect(after.run_count).toBe(main.run_count + 1)
    } finally {
      ws.close()
    }
  })

  it('an OpenHands conversation that changes is pushed too', async () => {
    const { ws, got } = await listen(current, 'conversation:oh-2')
    try {
      oh.conversations[1]!.status = 'RUNNING'
      const m = await waitFor(() => got.find((x) => x.type === 'status_update'), 'the OpenHands change', 20_000)
      expect((m.data as StatusUpdateMessage).data).toMatchObject({ conversation_id: 'oh-2', previous_status: 'STARTING', status: 'RUNNING', agent_id: 'openhands' })
    } finally {
      ws.close()
    }
  })
})
