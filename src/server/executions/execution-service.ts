/**
 * Runs executions in the background (seed 002): a start returns at once with the `pending` row, a
 * bounded number run at a time and the rest wait in order, every state change is written to the
 * store and then pushed as `execution_update` on topic `executions`; live output is pushed in
 * small chunks while it runs. Cancel really stops the work (the runner's signal). Nothing is ever
 * left `running`: a stop marks what ran as `interrupted`, and so does the next start for anything
 * a crash left behind.
 */
import {
  EXECUTIONS_TOPIC,
  isFinal,
  type Execution,
  type ExecutionUpdateData,
  type RunnerConfig,
  type RunnerLimits,
} from '../../shared/executions.js'
import type { ExecutionsRepository } from '../store/executions.repository.js'
import type { Hub } from '../ws/hub.js'
import { RunnerError, type Runner, type RunResult } from '../runners/runner.js'

export interface ExecutionServiceOptions {
  repository: ExecutionsRepository
  hub: Hub
  /** Builds the runner of a config for an agent (the registry in production). */
  createRunner: (config: RunnerConfig, agentId: string | null) => Runner
  /** Runs a runner with its limits (`runWithLimits` in production). */
  run: (runner: Runner, o: { input: string; timeoutMs: number; maxOutputBytes: number; onOutput(chunk: string): void; signal: AbortSignal }) => Promise<RunResult>
  log: { warn(o: object, m?: string): void; error(o: object, m?: string): void }
  now?: () => number
  /** Executions running at once; the rest wait as `pending`. Default is 4. */
  concurrency?: number
  /** Live output is pushed at most this often. Default is 100. */
  outputPushIntervalMs?: number
  /** Default is 120000. */
  defaultTimeoutMs?: number
  /** Default is 1 MiB. */
  defaultMaxOutputBytes?: number
}

export interface ExecutionService {
  /** Stores a `pending` agent test and queues it; resolves with the row at once. */
  startAgentTest(o: { agentId: string; input: string; config: RunnerConfig & RunnerLimits; startedBy: string | null }): Promise<Execution>
  /** Cancels a pending or running execution. Null when unknown; a finished one is returned as it is. */
  cancel(id: number): Promise<Execution | null>
  /** Marks what an earlier process left `pending` or `running` as `interrupted`. Returns how many. */
  recover(): Promise<number>
  readonly running: number
  readonly pending: number
  /** Stops: running work is cancelled and marked `interrupted`, pending work too. */
  close(): Promise<void>
}

interface Job {
  execution: Execution
  config: RunnerConfig & RunnerLimits
  controller: AbortController
  /** Set when the stop is the server's, not the user's. */
  interrupted: boolean
  /** Resolves once the run has stopped and its end is stored. */
  done?: Promise<void>
}

const INTERRUPTED_MESSAGE = 'The server stopped while this execution was pending or running'

export function toUpdate(e: Execution, outputChunk: string | null = null): ExecutionUpdateData {
  return {
    id: e.id,
    execution_type: e.execution_type,
    status: e.status,
    agent_id: e.agent_id,
    started_at: e.started_at,
    output: isFinal(e.status) ? e.test_output : null,
    error: e.error_message,
    workflow_id: e.workflow_id,
    finished_at: e.finished_at,
    progress: e.progress,
    output_chunk: outputChunk,
  }
}

export function createExecutionService(options: ExecutionServiceOptions): ExecutionService {
  const { repository, hub, log } = options
  const now = options.now ?? Date.now
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const pushEvery = options.outputPushIntervalMs ?? 100
  const queue: Job[] = []
  const active = new Map<number, Job>()
  const settled = new Set<Promise<void>>()
  let closing = false

  const publish = (e: Execution, chunk: string | null = null): void => {
    hub.publish('execution_update', EXECUTIONS_TOPIC, toUpdate(e, chunk))
  }

  const finish = async (job: Job, patch: Parameters<ExecutionsRepository['update']>[1]): Promise<void> => {
    const t = now()
    const e = await repository.update(job.execution.id, { ...patch, finished_at: t }, t)
    if (e) publish(e)
  }

  const execute = async (job: Job): Promise<void> => {
    const startedAt = now()
    const running = await repository.update(job.execution.id, { status: 'running', started_at: startedAt }, startedAt)
    if (!running) return
    job.execution = running
    publish(running)
    let chunkBuffer = ''
    let pushTimer: NodeJS.Timeout | null = null
    const pushChunk = (): void => {
      pushTimer = null
      if (!chunkBuffer) return
      const chunk = chunkBuffer
      chunkBuffer = ''
      publish(job.execution, chunk)
    }
    try {
      const runner = options.createRunner(job.config, job.execution.agent_id)
      const result = await options.run(runner, {
        input: job.execution.test_input ?? '',
        timeoutMs: job.config.timeout_ms ?? options.defaultTimeoutMs ?? 120_000,
        maxOutputBytes: job.config.max_output_bytes ?? options.defaultMaxOutputBytes ?? 1024 * 1024,
        signal: job.controller.signal,
        onOutput: (chunk) => {
          chunkBuffer += chunk
          pushTimer ??= setTimeout(pushChunk, pushEvery)
        },
      })
      if (pushTimer) clearTimeout(pushTimer)
      pushChunk()
      await finish(job, { status: 'succeeded', test_output: result.output, meta: { ...(job.execution.meta ?? {}), ...(result.meta ?? {}) }, progress: 1 })
    } catch (err) {
      if (pushTimer) clearTimeout(pushTimer)
      pushChunk()
      const re = err instanceof RunnerError ? err : null
      const partial = re?.partialOutput ?? null
      const meta = re?.meta ? { ...(job.execution.meta ?? {}), ...re.meta } : job.execution.meta
      if (job.interrupted) await finish(job, { status: 'interrupted', error_message: INTERRUPTED_MESSAGE, test_output: partial, meta })
      else if (re?.code === 'cancelled') await finish(job, { status: 'cancelled', error_message: 'Cancelled', test_output: partial, meta })
      else {
        const message = re ? re.message : `Runner failed: ${err instanceof Error ? err.message : String(err)}`
        if (!re) log.error({ err, execution: job.execution.id }, 'runner failed unexpectedly')
        await finish(job, { status: 'failed', error_message: message, test_output: partial, meta: { ...(meta ?? {}), failure: re?.code ?? 'failed' } })
      }
    }
  }

  const pump = (): void => {
    while (!closing && active.size < concurrency && queue.length > 0) {
      const job = queue.shift()!
      active.set(job.execution.id, job)
      const p = execute(job)
        .catch((err: unknown) => log.error({ err, execution: job.execution.id }, 'execution bookkeeping failed'))
        .finally(() => {
          active.delete(job.execution.id)
          settled.delete(p)
          pump()
        })
      job.done = p
      settled.add(p)
    }
  }

  return {
    async startAgentTest({ agentId, input, config, startedBy }) {
      const t = now()
      const execution = await repository.insert(
        {
          execution_type: 'agent_test',
          agent_id: agentId,
          workflow_id: null,
          runner: config.kind,
          test_input: input,
          started_by: startedBy,
          meta: { runner: config.kind },
        },
        t,
      )
      publish(execution)
      queue.push({ execution, config, controller: new AbortController(), interrupted: false })
      pump()
      return execution
    },

    async cancel(id) {
      const waiting = queue.findIndex((j) => j.execution.id === id)
      if (waiting >= 0) {
        const [job] = queue.splice(waiting, 1)
        const t = now()
        const e = await repository.update(job!.execution.id, { status: 'cancelled', error_message: 'Cancelled before it started', finished_at: t }, t)
        if (e) publish(e)
        return e
      }
      const job = active.get(id)
      if (job) {
        job.controller.abort(new RunnerError('cancelled', 'Cancelled'))
        await job.done
        return repository.get(id)
      }
      return repository.get(id)
    },

    async recover() {
      const left = await repository.unfinished()
      const t = now()
      for (const e of left) {
        const updated = await repository.update(e.id, { status: 'interrupted', error_message: INTERRUPTED_MESSAGE, finished_at: t }, t)
        if (updated) publish(updated)
      }
      if (left.length > 0) log.warn({ count: left.length }, 'executions left unfinished by the last run were marked interrupted')
      return left.length
    },

    get running() {
      return active.size
    },
    get pending() {
      return queue.length
    },

    async close() {
      closing = true
      for (const job of queue.splice(0)) {
        const t = now()
        const e = await repository.update(job.execution.id, { status: 'interrupted', error_message: INTERRUPTED_MESSAGE, finished_at: t }, t)
        if (e) publish(e)
      }
      for (const job of active.values()) {
        job.interrupted = true
        job.controller.abort(new RunnerError('cancelled', 'The server is stopping'))
      }
      await Promise.all([...settled])
    },
  }
}
