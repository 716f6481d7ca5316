import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExecutionUpdateData, RunnerConfig } from '../../shared/executions.js'
import { openStore, type Store } from '../store/database.js'
import { createExecutionsRepository } from '../store/executions.repository.js'
import { createHub } from '../ws/hub.js'
import { RunnerError, type Runner, type RunResult } from '../runners/runner.js'
import { createExecutionService } from './execution-service.js'

/** A runner in this process: each run waits for `release(id)` (or the signal), streaming a chunk first. */
function gate() {
  const waiting = new Map<string, (out: string) => void>()
  const started: string[] = []
  const runner: Runner = {
    kind: 'command',
    run: () => Promise.reject(new Error('use run()')),
  }
  const run = (_r: Runner, o: { input: string; onOutput(c: string): void; signal: AbortSignal }): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      started.push(o.input)
      o.onOutput(`working on ${o.input}\n`)
      if (o.input === 'boom') return reject(new RunnerError('failed', 'exit code 3', { meta: { exit_code: 3 }, partialOutput: 'half' }))
      o.signal.addEventListener('abort', () => reject(o.signal.reason as Error), { once: true })
      waiting.set(o.input, (out) => resolve({ output: out, meta: { exit_code: 0 } }))
    })
  return { runner, run, started, release: (input: string, out: string) => waiting.get(input)?.(out) }
}

const config: RunnerConfig = { kind: 'command', command: 'true' }
const stores: Store[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function setup(concurrency = 2) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swb-exec-'))
  dirs.push(dir)
  const store = await openStore({ dataDir: dir })
  stores.push(store)
  const repository = createExecutionsRepository(store)
  const hub = createHub()
  const updates: ExecutionUpdateData[] = []
  hub.subscribe({ send: (m) => (updates.push((JSON.parse(m.encoded) as { data: ExecutionUpdateData }).data), true) }, ['executions'])
  const g = gate()
  const quiet = { warn() {}, error() {} }
  const service = createExecutionService({ repository, hub, createRunner: () => g.runner, run: g.run, log: quiet, concurrency, outputPushIntervalMs: 1 })
  const until = async (probe: () => boolean | Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 400 && !(await probe()); i++) await new Promise((r) => setTimeout(r, 5))
    expect(await probe()).toBe(true)
  }
  return { service, repository, updates, g, until }
}

describe('execution service', () => {
  it('returns a pending execution at once, runs it, streams its output and stores the result before pushing it', async () => {
    const { service, repository, updates, g, until } = await setup()
    const e = await service.startAgentTest({ agentId: 'main', input: 'hello', config, startedBy: 'api' })
    expect(e).toMatchObject({ status: 'pending', execution_type: 'agent_test', agent_id: 'main', test_input: 'hello', runner: 'command', started_by: 'api' })
    await until(() => g.started.includes('hello'))
    await until(() => updates.some((u) => u.output_chunk === 'working on hello\n'))
    expect((await repository.get(e.id))!.status).toBe('running')
    g.release('hello', 'HELLO')
    await until(() => updates.at(-1)?.status === 'succeeded')
    const last = updates.at(-1)!
    expect(last).toMatchObject({ id: e.id, status: 'succeeded', output: 'HELLO', error: null, agent_id: 'main' })
    expect(last.started_at).not.toBeNull()
    expect(await repository.get(e.id)).toMatchObject({ status: 'succeeded', test_output: 'HELLO', meta: { runner: 'command', exit_code: 0 } })
    expect(updates.map((u) => u.status)).toEqual(['pending', 'running', 'running', 'succeeded'])
  })

  it('runs at most `concurrency` at once; the rest wait as pending, in order', async () => {
    const { service, repository, g, until } = await setup(2)
    const ids: number[] = []
    for (const input of ['a', 'b', 'c', 'd']) ids.push((await service.startAgentTest({ agentId: 'x', input, config, startedBy: null })).id)
    await until(() => g.started.length === 2)
    expect(g.started).toEqual(['a', 'b'])
    expect([service.running, service.pending]).toEqual([2, 2])
    expect((await repository.get(ids[2]!))!.status).toBe('pending')
    g.release('a', 'A')
    await until(() => g.started.length === 3)
    expect(g.started[2]).toBe('c')
  })

  it('cancels a running execution (the runner sees the signal) and a pending one', async () => {
    const { service, g, until } = await setup(1)
    const first = await service.startAgentTest({ agentId: 'x', input: 'long', config, startedBy: null })
    const second = await service.startAgentTest({ agentId: 'x', input: 'next', config, startedBy: null })
    await until(() => g.started.includes('long'))
    expect(await service.cancel(second.id)).toMatchObject({ status: 'cancelled' })
    const cancelled = await service.cancel(first.id)
    expect(cancelled).toMatchObject({ status: 'cancelled', error_message: 'Cancelled' })
    expect(cancelled!.finished_at).not.toBeNull()
    expect(g.started).toEqual(['long'])
    expect(await service.cancel(999)).toBeNull()
  })

  it('keeps a failure with its reason and partial output', async () => {
    const { service, repository, until } = await setup()
    const e = await service.startAgentTest({ agentId: 'x', input: 'boom', config, startedBy: null })
    await until(async () => (await repository.get(e.id))!.status === 'failed')
    expect(await repository.get(e.id)).toMatchObject({ error_message: 'exit code 3', test_output: 'half', meta: { exit_code: 3, failure: 'failed' } })
  })

  it('on close marks running and pending work interrupted; a new start marks what a crash left', async () => {
    const { service, repository, g, until } = await setup(1)
    const a = await service.startAgentTest({ agentId: 'x', input: 'a', config, startedBy: null })
    const b = await service.startAgentTest({ agentId: 'x', input: 'b', config, startedBy: null })
    await until(() => g.started.includes('a'))
    await service.close()
    expect((await repository.get(a.id))!.status).toBe('interrupted')
    expect((await repository.get(b.id))!.status).toBe('interrupted')
    // A crash: rows left running with no process behind them.
    const orphan = await repository.insert({ execution_type: 'agent_test', agent_id: 'x', workflow_id: null, runner: 'command', test_input: 'c', started_by: null, meta: null }, 1)
    await repository.update(orphan.id, { status: 'running', started_at: 2 }, 2)
    const hub = createHub()
    const again = createExecutionService({ repository, hub, createRunner: () => g.runner, run: g.run, log: { warn() {}, error() {} } })
    expect(await again.recover()).toBe(1)
    expect(await repository.get(orphan.id)).toMatchObject({ status: 'interrupted', error_message: expect.stringContaining('server stopped') as string })
  })
})
