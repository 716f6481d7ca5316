/**
 * Workflows (seed 002) against the real server process: create, read, update and delete with the
 * validation a client relies on; a run that goes to the background, passes each step's output to
 * the next through real `command` runners and is pushed on `/ws`; a failing step; and a server
 * killed with SIGKILL in the middle of a run, then started again.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Execution, ExecutionsPage, ExecutionStep, ExecutionUpdateData } from '../../src/shared/executions.js'
import type { ServerMessage } from '../../src/shared/protocol.js'
import type { Workflow, WorkflowsList } from '../../src/shared/workflows.js'
import { copyFixture, removeTempDirs, repoRoot, startServer, tempDir, waitFor, type ServerProcess } from '../helpers/test-server.js'

let server: ServerProcess
let home: string

/** A `command` runner running a Node one-liner on its stdin (`s`), printing what `body` writes. */
const node = (body: string) => ({
  kind: 'command',
  command: process.execPath,
  args: ['-e', `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{${body}})`],
})
const upper = node(`process.stdout.write(s.toUpperCase())`)
const reverse = node(`process.stdout.write([...s].reverse().join(''))`)
const fail = node(`process.stdout.write('partial');process.exitCode=4`)
const slow = node(`process.stdout.write('thinking\\n');setTimeout(()=>process.stdout.write('late'),20000)`)

async function call<T = unknown>(s: ServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T }
}
type ErrorReply = { error: { code: string; message: string; details?: { field?: string } } }
const execution = async (s: ServerProcess, id: number) => (await call<Execution>(s, 'GET', `/api/executions/${id}`)).body

beforeAll(async () => {
  home = await copyFixture('openclaw-2026.9.6')
  server = await startServer({ openclawDirs: [home] })
  await call(server, 'PUT', '/api/agents/main/runner', upper)
  await call(server, 'PUT', '/api/agents/research/runner', reverse)
  await call(server, 'PUT', '/api/agents/ops/runner', fail)
})

afterAll(async () => {
  await server?.close()
  await removeTempDirs()
})

describe('workflow definitions', () => {
  it('are created, listed, read, replaced and deleted', async () => {
    const body = { name: 'shout then flip', description: 'two steps', steps: [{ agent_id: 'main', input: 'hi {{input}}' }, { name: 'flip', agent_id: 'research', input: '{{previous.output}}!', on_failure: 'continue' }] }
    const created = await call<Workflow>(server, 'POST', '/api/workflows', body)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'shout then flip', description: 'two steps' })
    expect(created.body.steps).toEqual([
      { agent_id: 'main', input: 'hi {{input}}', on_failure: 'stop' },
      { name: 'flip', agent_id: 'research', input: '{{previous.output}}!', on_failure: 'continue' },
    ])
    const id = created.body.id
    expect((await call<WorkflowsList>(server, 'GET', '/api/workflows')).body.workflows.map((w) => w.name)).toContain('shout then flip')
    expect((await call<Workflow>(server, 'GET', `/api/workflows/${id}`)).body).toEqual(created.body)

    const replaced = await call<Workflow>(server, 'PUT', `/api/workflows/${id}`, { ...body, name: 'renamed', steps: [body.steps[0]] })
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({ id, name: 'renamed', created_at: created.body.created_at })
    expect(replaced.body.steps).toHaveLength(1)

    expect((await call(server, 'DELETE', `/api/workflows/${id}`)).status).toBe(204)
    expect((await call<ErrorReply>(server, 'GET', `/api/workflows/${id}`)).body.error.code).toBe('SWB_WORKFLOW_NOT_FOUND')
    expect((await call<ErrorReply>(server, 'DELETE', `/api/workflows/${id}`)).status).toBe(404)
    expect((await call<ErrorReply>(server, 'PUT', `/api/workflows/${id}`, body)).status).toBe(404)
    expect((await call<ErrorReply>(server, 'GET', '/api/workflows/abc')).status).toBe(404)
  })

  it('reject bad input with a 400 naming the field, and a taken name with a 409', async () => {
    const ok = { name: 'valid', steps: [{ agent_id: 'main', input: 'x' }] }
    const cases: [unknown, string][] = [
      [[], 'body'],
      [{ ...ok, name: '' }, 'name'],
      [{ ...ok, name: '42' }, 'name'],
      [{ ...ok, name: 'x'.repeat(101) }, 'name'],
      [{ ...ok, description: 5 }, 'description'],
      [{ ...ok, steps: [] }, 'steps'],
      [{ ...ok, steps: 'x' }, 'steps'],
      [{ ...ok, steps: Array.from({ length: 51 }, () => ok.steps[0]) }, 'steps'],
      [{ ...ok, steps: [7] }, 'steps[0]'],
      [{ ...ok, steps: [{ agent_id: 'nobody', input: 'x' }] }, 'steps[0].agent_id'],
      [{ ...ok, steps: [{ agent_id: 'main', input: '' }] }, 'steps[0].input'],
      [{ ...ok, steps: [{ agent_id: 'main', input: '{{previous.output}}' }] }, 'steps[0].input'],
      [{ ...ok, steps: [ok.steps[0], { agent_id: 'main', input: '{{steps.2.output}}' }] }, 'steps[1].input'],
      [{ ...ok, steps: [ok.steps[0], { agent_id: 'main', input: '{{oops}}' }] }, 'steps[1].input'],
      [{ ...ok, steps: [{ agent_id: 'main', input: 'x', on_failure: 'retry' }] }, 'steps[0].on_failure'],
      [{ ...ok, steps: [{ agent_id: 'main', input: 'x', timeout_ms: -1 }] }, 'steps[0].timeout_ms'],
    ]
    for (const [body, field] of cases) {
      const r = await call<ErrorReply>(server, 'POST', '/api/workflows', body)
      expect([r.status, r.body.error.code, r.body.error.details?.field], JSON.stringify(body).slice(0, 80)).toEqual([400, 'SWB_REQUEST_INVALID', field])
    }
    const bad = await fetch(`${server.url}/api/workflows`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"name":' })
    expect(bad.status).toBe(400)
    expect((await call(server, 'POST', '/api/workflows', ok)).status).toBe(201)
    const taken = await call<ErrorReply>(server, 'POST', '/api/workflows', ok)
    expect([taken.status, taken.body.error.code]).toEqual([409, 'SWB_WORKFLOW_EXISTS'])
    const other = await call<Workflow>(server, 'POST', '/api/workflows', { ...ok, name: 'other' })
    expect((await call<ErrorReply>(server, 'PUT', `/api/workflows/${other.body.id}`, ok)).status).toBe(409)
    const noAuth = await fetch(`${server.url}/api/workflows`)
    expect(noAuth.status).toBe(401)
    // Nothing above was stored.
    expect((await call<WorkflowsList>(server, 'GET', '/api/workflows')).body.workflows.map((w) => w.name).sort()).toEqual(['other', 'valid'])
  })
})

describe('workflow runs', () => {
  it('start at once, pass each output to the next step, and are pushed with their steps’ live output', async () => {
    const w = (
      await call<Workflow>(server, 'POST', '/api/workflows', {
        name: 'pipeline',
        steps: [
          { agent_id: 'main', input: 'hello {{input}}' },
          { agent_id: 'research', input: '{{previous.output}}' },
          { agent_id: 'main', input: 'first was {{steps.1.output}}, second was {{steps.2.output}}' },
        ],
      })
    ).body
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?topics=executions`, ['switchboard.v1', `bearer.${server.token}`])
    const got: ServerMessage[] = []
    ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString()) as ServerMessage))
    await waitFor(() => got.some((m) => m.type === 'subscribed'), 'subscribed')
    try {
      const started = await call<Execution>(server, 'POST', `/api/workflows/${w.id}/run`, { input: 'world' })
      expect(started.status).toBe(200)
      expect(started.body).toMatchObject({ execution_type: 'workflow', status: 'pending', workflow_id: w.id, test_input: 'world', meta: { workflow_name: 'pipeline', steps: 3 } })
      const id = started.body.id
      await waitFor(async () => (await execution(server, id)).status === 'succeeded', 'the run to succeed')
      const done = await execution(server, id)
      expect(done.steps.map((s) => [s.agent_id, s.status, s.input, s.output])).toEqual([
        ['main', 'succeeded', 'hello world', 'HELLO WORLD'],
        ['research', 'succeeded', 'HELLO WORLD', 'DLROW OLLEH'],
        ['main', 'succeeded', 'first was HELLO WORLD, second was DLROW OLLEH', 'FIRST WAS HELLO WORLD, SECOND WAS DLROW OLLEH'],
      ])
      expect(done).toMatchObject({ test_output: 'FIRST WAS HELLO WORLD, SECOND WAS DLROW OLLEH', progress: 1 })
      const mine = got.flatMap((m) => (m.type === 'execution_update' && m.data.id === id ? [m.data as ExecutionUpdateData] : []))
      expect(mine[0]).toMatchObject({ status: 'pending', workflow_id: w.id, progress: 0 })
      expect(mine.filter((u) => u.output_chunk).map((u) => u.step_index)).toEqual([0, 1, 2])
      expect(mine.at(-1)).toMatchObject({ status: 'succeeded', output: 'FIRST WAS HELLO WORLD, SECOND WAS DLROW OLLEH', progress: 1 })
      const progress = mine.map((u) => u.progress)
      expect(progress).toEqual([...progress].sort())
      // The history lists the run, and can be narrowed to one workflow's runs.
      const page = (await call<ExecutionsPage>(server, 'GET', `/api/executions?workflow_id=${w.id}`)).body
      expect(page.executions.map((e) => e.id)).toEqual([id])
      expect((await call<ErrorReply>(server, 'GET', '/api/executions?workflow_id=x')).status).toBe(400)
    } finally {
      ws.close()
    }
  })

  it('a step that stops the run fails it and skips the rest; a run cannot start while a step has no runner', async () => {
    const w = (
      await call<Workflow>(server, 'POST', '/api/workflows', {
        name: 'breaks',
        steps: [
          { agent_id: 'ops', input: 'go', on_failure: 'continue' },
          { agent_id: 'main', input: 'got [{{previous.output}}]' },
          { agent_id: 'ops', input: 'again' },
          { agent_id: 'main', input: 'never' },
        ],
      })
    ).body
    const id = (await call<Execution>(server, 'POST', `/api/workflows/${w.id}/run`, {})).body.id
    await waitFor(async () => (await execution(server, id)).status === 'failed', 'the run to fail')
    const e = await execution(server, id)
    expect(e.steps.map((s) => [s.status, s.output])).toEqual([
      ['failed', 'partial'],
      ['succeeded', 'GOT [PARTIAL]'],
      ['failed', 'partial'],
      ['skipped', null],
    ])
    expect(e.error_message).toBe(`Step 3 (ops) failed: ${process.execPath} exited with code 4`)
    expect(e.meta).toMatchObject({ failed_steps: 2, failed_step: 2 })
    expect(e.progress).toBe(0.75)

    const host = await call(server, 'POST', '/api/v1/agents', { agent_id: 'bare-host', name: 'Bare host', pool_id: 'p' })
    expect(host.status).toBe(201)
    const needsRunner = (await call<Workflow>(server, 'POST', '/api/workflows', { name: 'no runner', steps: [{ agent_id: 'main', input: 'a' }, { agent_id: 'bare-host', input: 'b' }] })).body
    const refused = await call<ErrorReply>(server, 'POST', `/api/workflows/${needsRunner.id}/run`, {})
    expect([refused.status, refused.body.error.code, refused.body.error.details?.field]).toEqual([400, 'SWB_RUNNER_NOT_CONFIGURED', 'steps[1].agent_id'])
    expect((await call<ErrorReply>(server, 'POST', `/api/workflows/${needsRunner.id}/run`, { input: 5 })).body.error.details?.field).toBe('input')
    expect((await call<ErrorReply>(server, 'POST', '/api/workflows/99999/run', {})).status).toBe(404)
  })

  it('can be cancelled: the running step stops, the rest are skipped', async () => {
    const dataDir = await tempDir('swb-wf-cancel-')
    const s = await startServer({ openclawDirs: [home], dataDir })
    try {
      await call(s, 'PUT', '/api/agents/main/runner', slow)
      const w = (await call<Workflow>(s, 'POST', '/api/workflows', { name: 'slow', steps: [{ agent_id: 'main', input: 'a' }, { agent_id: 'main', input: 'b' }] })).body
      const id = (await call<Execution>(s, 'POST', `/api/workflows/${w.id}/run`, {})).body.id
      await waitFor(async () => (await execution(s, id)).steps[0]?.output === 'thinking\n', 'live output of step 1 in the row')
      const cancelled = (await call<Execution>(s, 'POST', `/api/executions/${id}/cancel`)).body
      expect(cancelled.status).toBe('cancelled')
      expect(cancelled.steps.map((x) => [x.status, x.output])).toEqual([
        ['cancelled', 'thinking\n'],
        ['skipped', null],
      ])
    } finally {
      await s.close()
    }
  })
})

describe('switchboard workflows (the CLI)', () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'switchboard.js'), 'workflows', ...args, '--url', server.url, '--token', server.token])
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      child.on('exit', (code) => resolve({ code, out, err }))
    })

  it('creates, lists, shows, runs (following each step live), updates and deletes', async () => {
    const created = await cli(['create', 'cli flow', '--step', 'main=hi {{input}}', '--step', 'research={{previous.output}}', '--description', 'made in a shell'])
    expect([created.code, created.err]).toEqual([0, ''])
    expect(created.out).toMatch(/^created workflow \d+ "cli flow" with 2 steps\n$/)
    const list = await cli(['list'])
    expect(list.out).toMatch(/cli flow +2 +main → research/)
    const show = await cli(['show', 'cli flow'])
    expect(show.out).toContain('  2. research  (stops on failure)\n       {{previous.output}}')

    const run = await cli(['run', 'cli flow', '--input', 'there', '--wait'])
    expect(run.code).toBe(0)
    expect(run.out).toContain('── step 1/2: main\nHI THERE\n── step 2/2: research\nEREHT IH\n')
    expect(run.out).toMatch(/execution \d+ succeeded\n$/)

    expect((await cli(['update', 'cli flow', '--step', 'ops=x'])).code).toBe(0)
    const failing = await cli(['run', 'cli flow', '--wait'])
    expect(failing.code).toBe(1)
    expect(failing.out).toMatch(/execution \d+ failed: Step 1 \(ops\) failed: .* exited with code 4\n$/)

    const started = await cli(['run', 'cli flow', '--json'])
    expect(JSON.parse(started.out)).toMatchObject({ execution_type: 'workflow', status: 'pending' })

    const bad = await cli(['create', 'bad', '--step', 'main={{previous.output}}'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('SWB_REQUEST_INVALID: steps[0].input: the first step has no {{previous.output}}')
    expect((await cli(['delete', 'cli flow'])).out).toMatch(/deleted workflow \d+ "cli flow"/)
    const gone = await cli(['show', 'cli flow'])
    expect([gone.code, gone.err]).toEqual([1, 'switchboard: no workflow named "cli flow" (see: switchboard workflows list)\n'])
  })
})

describe('a server killed in the middle of a workflow run', () => {
  it('ends the run interrupted, keeping what its finished steps gave and what the running one had printed', async () => {
    const dataDir = await tempDir('swb-wf-kill-')
    let s = await startServer({ openclawDirs: [home], dataDir })
    await call(s, 'PUT', '/api/agents/main/runner', upper)
    await call(s, 'PUT', '/api/agents/research/runner', slow)
    const w = (
      await call<Workflow>(s, 'POST', '/api/workflows', {
        name: 'long',
        steps: [
          { agent_id: 'main', input: 'quick' },
          { agent_id: 'research', input: '{{previous.output}}' },
          { agent_id: 'main', input: 'last' },
        ],
      })
    ).body
    const id = (await call<Execution>(s, 'POST', `/api/workflows/${w.id}/run`, {})).body.id
    // Wait until the running step's output is in the database file, not only in the server's memory.
    const file = new Database(path.join(dataDir, 'switchboard.db'), { readonly: true })
    const savedSteps = (): ExecutionStep[] => JSON.parse((file.prepare('select steps from executions where id = ?').get(id) as { steps: string }).steps) as ExecutionStep[]
    try {
      await waitFor(() => savedSteps()[1]?.output === 'thinking\n', 'step 2 output saved', 10_000)
    } finally {
      file.close()
    }
    await s.kill()
    s = await startServer({ openclawDirs: [home], dataDir })
    try {
      const e = await execution(s, id)
      expect(e).toMatchObject({ status: 'interrupted', error_message: expect.stringContaining('server stopped') as string })
      expect(e.steps.map((x) => [x.status, x.output])).toEqual([
        ['succeeded', 'QUICK'],
        ['interrupted', 'thinking\n'],
        ['skipped', null],
      ])
      expect((await call<Workflow>(s, 'GET', `/api/workflows/${w.id}`)).body.name).toBe('long')
    } finally {
      await s.close()
    }
  })
})
