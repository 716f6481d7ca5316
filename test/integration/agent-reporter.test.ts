/**
 * The agent side of seed 003 against the real server process, as users run both: agents registered
 * with `switchboard agents`, heartbeats sent by `switchboard agent` (once, and looping until
 * SIGTERM), and the `switchboard/agent-client` package export. What the server received is read
 * back from `GET /api/v1/agent-pools/{pool}/metrics`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentMetrics, HostAgent, IssuedCredential, PoolMetricsResponse, RunningTask } from '../../src/shared/agent-hosts.js'
import { removeTempDirs, repoRoot, startServer, tempDir, waitFor, type ServerProcess } from '../helpers/test-server.js'

const run = promisify(execFile)
const BIN = path.join(repoRoot, 'bin', 'switchboard.js')

let server: ServerProcess
let dir: string
const children: ChildProcess[] = []

beforeAll(async () => {
  dir = await tempDir('swb-agent-it-')
  server = await startServer({ openclawDirs: [await tempDir('swb-no-openclaw-')] })
})

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await server?.close()
  await removeTempDirs()
})

/** `switchboard …` with the server's URL and token in the environment; never throws on exit codes. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: repoRoot,
      env: { ...process.env, SWITCHBOARD_URL: server.url, SWITCHBOARD_TOKEN: server.token, ...env },
      timeout: 20_000,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** Spawns `switchboard agent …` and collects what it prints. */
function spawnAgent(args: string[], url = server.url): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'agent', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SWITCHBOARD_URL: url, SWITCHBOARD_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

async function api<T>(pathname: string, base = server): Promise<T> {
  const r = await fetch(`${base.url}${pathname}`, { headers: { authorization: `Bearer ${base.token}` } })
  expect(r.status).toBe(200)
  return (await r.json()) as T
}

async function metricsOf(pool: string, agentId: string, base = server): Promise<AgentMetrics | undefined> {
  const body = await api<PoolMetricsResponse>(`/api/v1/agent-pools/${pool}/metrics`, base)
  return body.metrics.find((m) => m.agent_id === agentId)
}

/** Registers an agent with the CLI, its secret written to a file; returns the key and the file. */
async function register(agentId: string, pool: string): Promise<{ appKey: string; secretFile: string }> {
  const secretFile = path.join(dir, `${agentId}.secret`)
  const r = await cli(['agents', 'create', agentId, '--pool', pool, '--tag', 'it', '--secret-file', secretFile, '--json'])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const created = JSON.parse(r.stdout) as { agent: HostAgent; credential: Omit<IssuedCredential, 'app_secret'> & { app_secret_file: string } }
  expect(created.agent).toMatchObject({ agent_id: agentId, pool_id: pool, tags: ['it'], online: false, last_seen_at: null })
  expect(created.credential).not.toHaveProperty('app_secret')
  if (process.platform !== 'win32') expect(statSync(secretFile).mode & 0o777).toBe(0o600)
  return { appKey: created.credential.app_key, secretFile }
}

const task = (id: number, type = 'plan'): RunningTask => ({ task_id: id, task_type: type, workspace_id: 'ws-it', started_at: '2025-01-07T10:30:00Z', title: `Task ${id}` })

describe('switchboard agent against the real server', () => {
  it('--once sends one heartbeat with the host figures and the tasks of the file, and exits 0', async () => {
    const { appKey, secretFile } = await register('once-host', 'lab')
    const tasksFile = path.join(dir, 'once-tasks.json')
    // One valid task and one the agent must skip (and say so), never send.
    writeFileSync(tasksFile, JSON.stringify([task(1), { task_id: 2, task_type: 'plan', workspace_id: 'ws-it' }]))

    const r = await cli(['agent', '--agent-id', 'once-host', '--app-key', appKey, '--app-secret-file', secretFile, '--tasks-file', tasksFile, '--once'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ping accepted: once-host busy, cpu [\d.]+ %, memory [\d.]+ %, 1 task\(s\)/)
    expect(r.stderr).toMatch(/task 1 skipped: started_at must be an RFC 3339 time/)

    const m = await metricsOf('lab', 'once-host')
    expect(m).toMatchObject({ status: 'busy', pool_id: 'lab', tags: ['it'], running_tasks: [task(1)] })
    for (const v of [m!.cpu_usage, m!.memory_usage]) {
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThanOrEqual(100)
    }
    expect(m!.memory_usage).toBeGreaterThan(0)
  })

  it('--once exits 1 and names the code when the credentials are wrong, and the server keeps nothing', async () => {
    const { appKey } = await register('wrong-secret-host', 'lab')
    const r = await cli(['agent', '--agent-id', 'wrong-secret-host', '--app-key', appKey, '--once'], { SWITCHBOARD_APP_SECRET: 'swb_sk_not-the-secret' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/failed: 401 SWB_HOST_AUTH_\w+/)
    expect(await metricsOf('lab', 'wrong-secret-host')).toBeUndefined()
  })

  it('loops until SIGTERM, following the tasks command, and says offline on the way out', async () => {
    const { appKey, secretFile } = await register('loop-host', 'loop-pool')
    const tasksFile = path.join(dir, 'loop-tasks.json')
    writeFileSync(tasksFile, JSON.stringify({ running_tasks: [task(10, 'index')] }))
    const agent = spawnAgent([
      '--agent-id',
      'loop-host',
      '--app-key',
      appKey,
      '--app-secret-file',
      secretFile,
      '--interval',
      '1',
      '--tasks-command',
      `cat '${tasksFile}'`,
    ])

    const first = await waitFor(async () => {
      const m = await metricsOf('loop-pool', 'loop-host')
      return m?.status === 'busy' ? m : undefined
    }, 'the first ping')
    expect(first.running_tasks).toEqual([task(10, 'index')])
    // The next pings follow the command's output.
    writeFileSync(tasksFile, JSON.stringify([]))
    await waitFor(async () => (await metricsOf('loop-pool', 'loop-host'))?.status === 'idle', 'a ping without tasks')
    const seen = (await api<HostAgent>('/api/v1/agents/loop-host')).last_seen_at!
    await waitFor(async () => (await api<HostAgent>('/api/v1/agents/loop-host')).last_seen_at! > seen, 'one more ping')
    expect((await api<HostAgent>('/api/v1/agents/loop-host')).online).toBe(true)

    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(0)
    const out = agent.output()
    // One line per state change, not one per ping.
    expect(out.match(/connected to /g)).toHaveLength(1)
    expect(out).toMatch(/SIGTERM: stopping…\n.*sent offline, stopped\n$/)
    expect(await metricsOf('loop-pool', 'loop-host')).toMatchObject({ status: 'offline', running_tasks: [] })
    expect((await api<HostAgent>('/api/v1/agents/loop-host')).online).toBe(false)
  })

  it('manages keys with switchboard agents: add-key, rotate, revoke, list, delete', async () => {
    const { appKey: first, secretFile } = await register('keys-host', 'keys-pool')
    const once = (key: string, file: string) => cli(['agent', '--agent-id', 'keys-host', '--app-key', key, '--app-secret-file', file, '--once'])

    const added = await cli(['agents', 'add-key', 'keys-host'])
    expect(added.code).toBe(0)
    expect(added.stdout).toContain('The secret is shown once')
    const second = /app key: {4}(\S+)/.exec(added.stdout)![1]!
    const secondFile = path.join(dir, 'keys-host-2.secret')
    writeFileSync(secondFile, /app secret: (\S+)/.exec(added.stdout)![1]!, { mode: 0o600 })
    expect((await once(second, secondFile)).code).toBe(0)

    // Two keys: rotate must be told which.
    const ambiguous = await cli(['agents', 'rotate', 'keys-host'])
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.stderr).toContain('has 2 app keys')
    const rotated = await cli(['agents', 'rotate', 'keys-host', first, '--secret-file', secretFile, '--json'])
    expect(rotated.code).toBe(0)
    const newKey = (JSON.parse(rotated.stdout) as { app_key: string }).app_key
    expect(newKey).not.toBe(first)
    expect((await once(first, secretFile)).code).toBe(1)
    expect((await once(newKey, secretFile)).code).toBe(0)

    expect((await cli(['agents', 'revoke', 'keys-host', second])).code).toBe(0)
    const revoked = await once(second, secondFile)
    expect(revoked.code).toBe(1)
    expect(revoked.stderr).toMatch(/401 SWB_HOST_AUTH_/)

    const list = JSON.parse((await cli(['agents', 'list', '--json'])).stdout) as { agents: HostAgent[] }
    expect(list.agents.find((a) => a.agent_id === 'keys-host')?.credentials.map((c) => c.app_key)).toEqual([newKey])
    expect((await cli(['agents', 'list'])).stdout).toMatch(/^keys-host +keys-host +keys-pool +online /m)

    expect((await cli(['agents', 'delete', 'keys-host'])).code).toBe(0)
    const gone = await cli(['agents', 'show', 'keys-host'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/404 SWB_HOST_AGENT_NOT_FOUND/)
    // A dozen CLI processes, each a Node start.
  }, 60_000)

  it('keeps retrying while the server is down, and connects once it is back', async () => {
    // A server of its own on a fixed port, restarted on the same data dir: the registry survives.
    const port = await freePort()
    const dataDir = await tempDir('swb-restart-data-')
    const openclaw = await tempDir('swb-no-openclaw-')
    const before = await startServer({ openclawDirs: [openclaw], dataDir, args: ['--port', String(port)] })
    const secretFile = path.join(dir, 'restart-host.secret')
    const r = await cli(['agents', 'create', 'restart-host', '--pool', 'restart-pool', '--secret-file', secretFile, '--json', '--url', before.url])
    expect(r.code).toBe(0)
    const appKey = (JSON.parse(r.stdout) as { credential: { app_key: string } }).credential.app_key
    await before.close()

    const agent = spawnAgent(['--agent-id', 'restart-host', '--app-key', appKey, '--app-secret-file', secretFile, '--interval', '2'], before.url)
    await waitFor(() => /server down \(cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED\), retrying in [\d.]+s\n/.test(agent.output()), 'the agent to retry')

    const after = await startServer({ openclawDirs: [openclaw], dataDir, args: ['--port', String(port)] })
    try {
      await waitFor(() => /connected to /.test(agent.output()), 'the agent to connect', 30_000)
      expect(await metricsOf('restart-pool', 'restart-host', after)).toMatchObject({ status: 'idle' })
      // However many retries there were, the outage was one line.
      expect(agent.output().match(/server down/g)).toHaveLength(1)
      agent.child.kill('SIGTERM')
      expect(await agent.exited).toBe(0)
      expect(await metricsOf('restart-pool', 'restart-host', after)).toMatchObject({ status: 'offline' })
    } finally {
      await after.close()
    }
  }, 60_000)

  it('serves the client module as the package export switchboard/agent-client', async () => {
    const { appKey, secretFile } = await register('library-host', 'lib-pool')
    // Plain Node resolving the package's own `exports`, as an agent's code would.
    const script = `
      import { createAgentClient, createHostSampler, AgentClientError } from 'switchboard/agent-client'
      const [url, appKey, secretFile, task] = process.argv.slice(1)
      const { readFileSync } = await import('node:fs')
      const client = createAgentClient({ url, agentId: 'library-host', appKey, appSecret: readFileSync(secretFile, 'utf8').trim() })
      const sample = await createHostSampler().sample()
      const accepted = await client.ping({ status: 'busy', ...sample, running_tasks: [JSON.parse(task)], interval_sec: 30 })
      const refused = await client.ping({ status: 'busy', cpu_usage: 101, memory_usage: 0, running_tasks: [] }).catch((e) => e)
      const { kind, status, code, retryable } = refused
      console.log(JSON.stringify({ accepted, refused: { typed: refused instanceof AgentClientError, kind, status, code, retryable } }))
    `
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, server.url, appKey, secretFile, JSON.stringify(task(5))], {
      cwd: repoRoot,
      timeout: 20_000,
    })
    const result = JSON.parse(stdout) as { accepted: unknown; refused: unknown }
    expect(result.accepted).toMatchObject({ accepted: true, offline_after_sec: 90 })
    expect(result.refused).toEqual({ typed: true, kind: 'http', status: 400, code: 'SWB_REQUEST_INVALID', retryable: false })
    expect(await metricsOf('lib-pool', 'library-host')).toMatchObject({ status: 'busy', running_tasks: [task(5)] })
  })
})

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((r) => s.close(() => r()))
  return port
}
