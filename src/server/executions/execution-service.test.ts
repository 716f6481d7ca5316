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
import type { Workflow, WorkflowStep } from '../../shared/workflows.js'

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
  const service = createExecutionService({ repository, hub, createRunner: () => g.runner, run: g.run, log: quiet, concurrency, outputPushIntervalMs: 1, outputSaveIntervalMs: 1 })
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

function workflow(steps: WorkflowStep[]): Workflow {
  return { id: 7, name: 'review', description: null, steps, created_at: '2026-11-22T00:00:00.000Z', updated_at: '2026-11-22T00:00:00.000Z' }
}

describe('workflow runs', () => {
  it('runs steps in order, each with its template rendered from the run input and earlier outputs', async () => {
    const { service, repository, updates, g, until } = await setup()
    const w = workflow([
      { name: 'draft', agent_id: 'writer', input: 'draft {{input}}' },
      { agent_id: 'critic', input: 'review <{{previous.output}}> of {{input}}' },
    ])
    const e = await service.startWorkflow({ workflow: w, input: 'memo', runners: [config, config], startedBy: 'api' })
    expect(e).toMatchObject({ execution_type: 'workflow', status: 'pending', workflow_id: 7, agent_id: null, test_input: 'memo', progress: 0, meta: { workflow_name: 'review', steps: 2 } })
    expect(e.steps.map((s) => [s.index, s.name, s.agent_id, s.status, s.on_failure])).toEqual([
      [0, 'draft', 'writer', 'pending', 'stop'],
      [1, null, 'critic', 'pending', 'stop'],
    ])
    await until(() => g.started.includes('draft memo'))
    // While a step runs, readers of the row see its output so far.
    await until(async () => service.withLiveOutput((await repository.get(e.id))!).steps[0]!.output === 'working on draft memo\n')
    g.release('draft memo', 'D1')
    await until(() => g.started.includes('review <D1> of memo'))
    expect((await repository.get(e.id))!.progress).toBe(0.5)
    g.release('review <D1> of memo', 'LGTM')
    await until(async () => (await repository.get(e.id))!.status === 'succeeded')
    const done = (await repository.get(e.id))!
    expect(done).toMatchObject({ test_output: 'LGTM', progress: 1, meta: { workflow_name: 'review', failed_steps: 0 } })
    expect(done.steps.map((s) => [s.status, s.input, s.output])).toEqual([
      ['succeeded', 'draft memo', 'D1'],
      ['succeeded', 'review <D1> of memo', 'LGTM'],
    ])
    const mine = updates.filter((u) => u.id === e.id)
    expect(mine.filter((u) => u.output_chunk).map((u) => [u.step_index, u.output_chunk])).toEqual([
      [0, 'working on draft memo\n'],
      [1, 'working on review <D1> of memo\n'],
    ])
    expect(mine.at(-1)).toMatchObject({ status: 'succeeded', output: 'LGTM', workflow_id: 7, progress: 1 })
  })

  it('a failing step that stops the run fails it and skips the rest; one that continues does not', async () => {
    const { service, repository, g, until } = await setup()
    const stop = await service.startWorkflow({
      workflow: workflow([{ agent_id: 'a', input: 'boom' }, { agent_id: 'b', input: 'never' }]),
      input: '',
      runners: [config, config],
      startedBy: null,
    })
    await until(async () => (await repository.get(stop.id))!.status === 'failed')
    const failed = (await repository.get(stop.id))!
    expect(failed.error_message).toBe('Step 1 (a) failed: exit code 3')
    expect(failed.steps.map((s) => [s.status, s.output, s.error_message])).toEqual([
      ['failed', 'half', 'exit code 3'],
      ['skipped', null, null],
    ])
    expect(failed.meta).toMatchObject({ failed_steps: 1, failed_step: 0 })
    expect(g.started).not.toContain('never')

    const go = await service.startWorkflow({
      workflow: workflow([
        { agent_id: 'a', input: 'boom', on_failure: 'continue' },
        { agent_id: 'b', input: 'after [{{previous.output}}]' },
      ]),
      input: '',
      runners: [config, config],
      startedBy: null,
    })
    await until(() => g.started.includes('after [half]'))
    g.release('after [half]', 'fine')
    await until(async () => (await repository.get(go.id))!.status === 'succeeded')
    const ok = (await repository.get(go.id))!
    expect(ok.steps.map((s) => s.status)).toEqual(['failed', 'succeeded'])
    expect(ok).toMatchObject({ test_output: 'fine', error_message: null, meta: { failed_steps: 1 } })
  })

  it('cancel stops the running step and skips the rest; close marks a run interrupted', async () => {
    const { service, repository, g, until } = await setup()
    const steps: WorkflowStep[] = [{ agent_id: 'a', input: 'one {{input}}' }, { agent_id: 'b', input: 'two' }]
    const run = await service.startWorkflow({ workflow: workflow(steps), input: 'x', runners: [config, config], startedBy: null })
    await until(() => g.started.includes('one x'))
    const cancelled = (await service.cancel(run.id))!
    expect(cancelled).toMatchObject({ status: 'cancelled', error_message: 'Cancelled' })
    expect(cancelled.steps.map((s) => s.status)).toEqual(['cancelled', 'skipped'])
    // The output the step gave before the cancel was saved while it ran.
    expect(cancelled.steps[0]!.output).toBe('working on one x\n')

    const second = await service.startWorkflow({ workflow: workflow(steps), input: 'y', runners: [config, config], startedBy: null })
    await until(() => g.started.includes('one y'))
    await service.close()
    const stopped = (await repository.get(second.id))!
    expect(stopped.status).toBe('interrupted')
    expect(stopped.steps.map((s) => s.status)).toEqual(['interrupted', 'skipped'])
  })

  it('recover ends a run a crash left running: its running step interrupted, the rest skipped', async () => {
    const { repository, g } = await setup()
    const left = await repository.insert(
      {
        execution_type: 'workflow',
        agent_id: null,
        workflow_id: 3,
        runner: null,
        test_input: '',
        started_by: null,
        meta: null,
        steps: [0, 1, 2].map((index) => ({ index, name: null, agent_id: 'a', status: 'pending', on_failure: 'stop', input: '', output: null, error_message: null, started_at: null, finished_at: null })),
      },
      1,
    )
    const steps = left.steps.map((s) => (s.index === 0 ? { ...s, status: 'succeeded' as const, output: 'done' } : s.index === 1 ? { ...s, status: 'running' as const, output: 'half' } : s))
    await repository.update(left.id, { status: 'running', started_at: 2, steps }, 2)
    const again = createExecutionService({ repository, hub: createHub(), createRunner: () => g.runner, run: g.run, log: { warn() {}, error() {} } })
    expect(await again.recover()).toBe(1)
    const e = (await repository.get(left.id))!
    expect(e.status).toBe('interrupted')
    expect(e.steps.map((s) => [s.status, s.output])).toEqual([
      ['succeeded', 'done'],
      ['interrupted', 'half'],
      ['skipped', null],
    ])
  })
})

describe('live output of an agent test', () => {
  it('is readable while it runs and saved to the row, so a crash keeps it', async () => {
    const { service, repository, g, until } = await setup()
    const e = await service.startAgentTest({ agentId: 'x', input: 'slow', config, startedBy: null })
    await until(async () => (await repository.get(e.id))!.test_output === 'working on slow\n')
    expect((await repository.get(e.id))!.status).toBe('running')
    expect(service.withLiveOutput((await repository.get(e.id))!).test_output).toBe('working on slow\n')
    g.release('slow', 'SLOW')
    await until(async () => (await repository.get(e.id))!.status === 'succeeded')
    expect((await repository.get(e.id))!.test_output).toBe('SLOW')
  })
})

