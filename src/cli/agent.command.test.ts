import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startPingServer, type PingServer } from '../agent-client/agent-client.test-kit.js'
import type { AgentPingRequest } from '../shared/agent-hosts.js'
import { AgentConfigError, resolveAppSecret, runAgent, type AgentCommandOptions } from './agent.command.js'
import type { CliIo } from './agents.command.js'

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) }
}

describe('switchboard agent', () => {
  let dir: string
  let server: PingServer
  let io: ReturnType<typeof captureIo>
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swb-agent-cmd-'))
    server = await startPingServer()
    io = captureIo()
  })
  afterEach(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const options = (extra: Partial<AgentCommandOptions> = {}): AgentCommandOptions => ({
    url: server.url,
    agentId: 'gpu-01',
    appKey: 'ak',
    appSecret: 'sk',
    intervalSec: 1,
    status: 'auto',
    once: true,
    io,
    sampler: { sample: async () => ({ cpu_usage: 33.3, memory_usage: 44.4 }) },
    ...extra,
  })

  it('--once pings with the tasks of the file and exits 0', async () => {
    const tasksFile = join(dir, 'tasks.json')
    writeFileSync(tasksFile, JSON.stringify({ running_tasks: [{ task_id: 7, task_type: 'plan', workspace_id: 'w', started_at: '2025-01-07T10:30:00Z' }] }))
    expect(await runAgent(options({ tasksFile }))).toBe(0)
    expect(server.received[0]?.body).toEqual({
      status: 'busy',
      cpu_usage: 33.3,
      memory_usage: 44.4,
      running_tasks: [{ task_id: 7, task_type: 'plan', workspace_id: 'w', started_at: '2025-01-07T10:30:00Z' }],
      interval_sec: 1,
    })
    expect(io.stdout.join('')).toBe('ping accepted: gpu-01 busy, cpu 33.3 %, memory 44.4 %, 1 task(s) (shown offline after 30s without a ping)\n')
  })

  it('--once exits 1 with the reason when the server refuses', async () => {
    server.script({ status: 401, json: { error: { code: 'SWB_HOST_AUTH_INVALID', message: 'Invalid agent credentials' } } })
    expect(await runAgent(options({ status: 'idle' }))).toBe(1)
    expect(io.stderr.join('')).toBe(`switchboard: ping of gpu-01 to ${server.url} failed: 401 SWB_HOST_AUTH_INVALID: Invalid agent credentials\n`)
  })

  it('runs the loop until told to stop, printing state changes only, then says offline', async () => {
    server.script({ status: 503, json: { error: { code: 'SWB_INTERNAL', message: 'down' } } })
    let stop!: (signal: string) => void
    const done = runAgent(options({ once: false, tasksCommand: 'echo []', stopSignal: new Promise((r) => (stop = r)) }))
    await expect.poll(() => server.received.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3)
    stop('SIGTERM')
    expect(await done).toBe(0)
    const statuses = server.received.map((r) => (r.body as AgentPingRequest).status)
    expect(statuses.at(-1)).toBe('offline')
    expect(statuses.slice(0, -1).every((s) => s === 'idle')).toBe(true)
    const out = io.stdout.join('').replace(/^\S+Z /gm, '')
    expect(out).toBe(
      `switchboard agent gpu-01 → ${server.url}, every 1s, tasks from tasks command \`echo []\`\n` +
        `connected to ${server.url} as gpu-01: pinging every 1s (shown offline after 30s of silence)\n` +
        'SIGTERM: stopping…\n' +
        'sent offline, stopped\n',
    )
    expect(io.stderr.join('').replace(/^\S+Z /gm, '')).toMatch(/^server error \(503 SWB_INTERNAL: down\), retrying in \d\.\ds\n$/)
  })

  it('warns about a secret on the command line', async () => {
    await runAgent(options({ appSecretFromArgv: true }))
    expect(io.stderr.join('')).toMatch(/--app-secret on the command line is visible to other users/)
  })

  it('refuses an agent id the server could never have registered', async () => {
    await expect(runAgent(options({ agentId: 'no spaces' }))).rejects.toThrow(AgentConfigError)
    expect(server.received).toHaveLength(0)
  })
})

describe('resolveAppSecret', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swb-secret-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the file without its trailing newline, and warns when others can read it', () => {
    const file = join(dir, 's')
    writeFileSync(file, 'sk_123\n', { mode: 0o600 })
    const io = captureIo()
    expect(resolveAppSecret({ appSecretFile: file }, io)).toBe('sk_123')
    expect(io.stderr).toEqual([])
    chmodSync(file, 0o644)
    resolveAppSecret({ appSecretFile: file }, io)
    expect(io.stderr.join('')).toMatch(/can be read by other users; chmod 600 it/)
  })

  it('refuses both, neither, an empty file and a missing one', () => {
    const empty = join(dir, 'empty')
    writeFileSync(empty, '\n')
    expect(() => resolveAppSecret({ appSecret: 'a', appSecretFile: empty })).toThrow(/either --app-secret or --app-secret-file/)
    expect(() => resolveAppSecret({})).toThrow(/the app secret is missing/)
    expect(() => resolveAppSecret({ appSecretFile: empty })).toThrow(/is empty/)
    expect(() => resolveAppSecret({ appSecretFile: join(dir, 'nope') })).toThrow(/ENOENT/)
  })
})
