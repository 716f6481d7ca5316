/**
 * Executions (seed 002) against the real server process: an agent test returns at once and runs in
 * the background with a real `command` runner, pushed on `/ws` (topic `executions`) and on the
 * seed's `/ws/executions?client_id=`; the concurrency limit; cancel; bad input; and the server
 * killed with SIGKILL in the middle of executions, then started again.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Execution, ExecutionsPage, ExecutionUpdateData } from '../../src/shared/executions.js'
import type { ServerMessage } from '../../src/shared/protocol.js'
import { copyFixture, removeTempDirs, repoRoot, startServer, tempDir, waitFor, type ServerProcess } from '../helpers/test-server.js'

let server: ServerProcess
let home: string

/** A program that echoes its input upper-cased after `delay` ms, printing a line first. */
const slowEcho = (delayMs: number) => ({
  kind: 'command',
  command: process.execPath,
  args: [
    '-e',
    `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{process.stdout.write('started\\n');setTimeout(()=>process.stdout.write(s.toUpperCase()),${delayMs})})`,
  ],
})

beforeAll(async () => {
  home = await copyFixture('openclaw-2026.9.6')
  server = await startServer({ openclawDirs: [home], args: ['--max-running-executions', '2'] })
})

afterAll(async () => {
  await server?.close()
  await removeTempDirs()
})

async function call<T = unknown>(s: ServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T }
}

const execution = async (s: ServerProcess, id: number) => (await call<Execution>(s, 'GET', `/api/executions/${id}`)).body

function connect<T>(s: ServerProcess, path: string): Promise<{ ws: WebSocket; got: T[] }> {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}${path}`, ['switchboard.v1', `bearer.${s.token}`])
  const got: T[] = []
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString()) as T))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, got }))
    ws.once('error', reject)
  })
}

describe('agent tests', () => {
  it('start at once, run in the background, and are pushed on both WebSocket paths', async () => {
    expect((await call(server, 'PUT', '/api/agents/main/runner', { ...slowEcho(400), timeout_ms: 20_000 })).status).toBe(200)
    const seed = await connect<{ type: string; data: ExecutionUpdateData }>(server, '/ws/executions?client_id=test-1')
    const env = await connect<ServerMessage>(server, '/ws?topics=executions')
    await waitFor(() => env.got.some((m) => m.type === 'subscribed'), 'subscribed')

    const started = await call<Execution>(server, 'POST', '/api/agents/main/test', { test_input: 'hello there' })
    expect(started.status).toBe(200)
    expect(started.body).toMatchObject({ execution_type: 'agent_test', status: 'pending', agent_id: 'main', test_input: 'hello there', runner: 'command' })
    const id = started.body.id

    await waitFor(async () => (await execution(server, id)).status === 'succeeded', 'the test to succeed', 20_000)
    expect(await execution(server, id)).toMatchObject({ test_output: 'started\nHELLO THERE', error_message: null, meta: { exit_code: 0 } })

    await waitFor(() => seed.got.some((m) => m.data.id === id && m.data.status === 'succeeded'), 'the seed stream')
    const mine = seed.got.filter((m) => m.data.id === id)
    expect(mine.every((m) => m.type === 'execution_update' && Object.keys(m).sort().join() === 'data,type')).toBe(true)
    expect(mine.map((m) => m.data.status)).toEqual(expect.arrayContaining(['pending', 'running', 'succeeded']))
    expect(mine.some((m) => m.data.output_chunk?.includes('started'))).toBe(true)
    expect(mine.at(-1)!.data).toMatchObject({ id, execution_type: 'agent_test', agent_id: 'main', output: 'started\nHELLO THERE', error: null })
    await waitFor(() => env.got.some((m) => m.type === 'execution_update' && m.data.id === id && m.data.status === 'succeeded'), '/ws')
    const enveloped = env.got.filter((m) => m.type === 'execution_update')
    expect(enveloped.every((m) => m.topic === 'executions' && m.seq > 0)).toBe(true)
    seed.ws.close()
    env.ws.close()
  })

  it('switchboard test --wait follows a test live and exits with its outcome', async () => {
    await call(server, 'PUT', '/api/agents/main/runner', slowEcho(200))
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'switchboard.js'), ...args, '--url', server.url, '--token', server.token])
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        child.stderr.on('data', (d: Buffer) => (out += d.toString()))
        child.on('exit', (code) => resolve({ code, out }))
      })
    const ok = await run(['test', 'main', 'from', 'the', 'cli', '--wait'])
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('FROM THE CLI')
    expect(ok.out).toMatch(/execution \d+ succeeded/)
    const missing = await run(['test', 'nobody', 'x'])
    expect(missing.code).toBe(1)
    expect(missing.out).toContain('SWB_AGENT_NOT_FOUND')
  })

  it('runs two at a time, the rest pending; cancel stops a running one and a pending one', async () => {
    await call(server, 'PUT', '/api/agents/main/runner', slowEcho(30_000))
    const ids: number[] = []
    for (let i = 0; i < 3; i++) ids.push((await call<Execution>(server, 'POST', '/api/agents/main/test', { test_input: `job ${i}` })).body.id)
    await waitFor(async () => (await execution(server, ids[1]!)).status === 'running', 'two running')
    expect((await execution(server, ids[0]!)).status).toBe('running')
    expect((await execution(server, ids[2]!)).status).toBe('pending')
    const cancelled = await call<Execution>(server, 'POST', `/api/executions/${ids[0]}/cancel`)
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error_message: 'Cancelled' })
    expect(cancelled.body.finished_at).not.toBeNull()
    await waitFor(async () => (await execution(server, ids[2]!)).status === 'running', 'the third to start')
    expect((await call<Execution>(server, 'POST', `/api/executions/${ids[1]}/cancel`)).body.status).toBe('cancelled')
    expect((await call<Execution>(server, 'POST', `/api/executions/${ids[2]}/cancel`)).body.status).toBe('cancelled')
  })

  it('lists with filters and cursor pages, and answers bad input with its code', async () => {
    const page = await call<ExecutionsPage>(server, 'GET', '/api/executions?agent_id=main&type=agent_test&limit=2')
    expect(page.body.executions).toHaveLength(2)
    expect(page.body.next_cursor).not.toBeNull()
    const next = await call<ExecutionsPage>(server, 'GET', `/api/executions?agent_id=main&limit=2&cursor=${page.body.next_cursor}`)
    expect(next.body.executions[0]!.id).toBeLessThan(page.body.executions[1]!.id)
    expect((await call<ExecutionsPage>(server, 'GET', '/api/executions?q=HELLO%20THERE')).body.executions).toHaveLength(1)
    expect((await call<ExecutionsPage>(server, 'GET', '/api/executions?status=cancelled')).body.executions).toHaveLength(3)
    const bad: [string, string, unknown, number, string][] = [
      ['GET', '/api/executions?status=done', undefined, 400, 'SWB_REQUEST_INVALID'],
      ['GET', '/api/executions?limit=0', undefined, 400, 'SWB_REQUEST_INVALID'],
      ['GET', '/api/executions/999999', undefined, 404, 'SWB_EXECUTION_NOT_FOUND'],
      ['POST', '/api/agents/main/test', { test_input: '' }, 400, 'SWB_REQUEST_INVALID'],
      ['POST', '/api/agents/nobody/test', { test_input: 'x' }, 404, 'SWB_AGENT_NOT_FOUND'],
      ['PUT', '/api/agents/main/runner', { kind: 'command', command: '' }, 400, 'SWB_REQUEST_INVALID'],
      ['PUT', '/api/agents/main/runner', { kind: 'teleport' }, 400, 'SWB_REQUEST_INVALID'],
    ]
    for (const [method, path, body, status, code] of bad) {
      const r = await call<{ error: { code: string } }>(server, method, path, body)
      expect([path, r.status, r.body.error.code]).toEqual([path, status, code])
    }
    expect((await fetch(`${server.url}/api/executions`)).status).toBe(401)
  })
})

describe('a server killed in the middle of executions', () => {
  it('leaves none running: what ran is interrupted, what finished is still there', async () => {
    const dataDir = await tempDir('swb-exec-kill-')
    let s = await startServer({ openclawDirs: [home], dataDir, args: ['--max-running-executions', '2'] })
    await call(s, 'PUT', '/api/agents/main/runner', slowEcho(50))
    const quick = (await call<Execution>(s, 'POST', '/api/agents/main/test', { test_input: 'done before' })).body.id
    await waitFor(async () => (await execution(s, quick)).status === 'succeeded', 'the quick one')
    await call(s, 'PUT', '/api/agents/main/runner', slowEcho(20_000))
    const slow: number[] = []
    for (let i = 0; i < 3; i++) slow.push((await call<Execution>(s, 'POST', '/api/agents/main/test', { test_input: `slow ${i}` })).body.id)
    await waitFor(async () => (await execution(s, slow[1]!)).status === 'running', 'two running')
    await s.kill()
    s = await startServer({ openclawDirs: [home], dataDir })
    try {
      for (const id of slow) expect(await execution(s, id)).toMatchObject({ status: 'interrupted', error_message: expect.stringContaining('server stopped') as string })
      expect(await execution(s, quick)).toMatchObject({ status: 'succeeded', test_output: 'started\nDONE BEFORE' })
    } finally {
      await s.close()
    }
  })
})
