/**
 * Runs executions in the background (seed 002): a start returns at once with the `pending` row, a
 * bounded number run at a time and the rest wait in order, every state change is written to the
 * store and then pushed as `execution_update` on topic `executions`; live output is pushed in
 * small chunks while it runs, kept in memory for readers of the row, and written to the row every
 * few seconds so that a crash keeps most of it. Cancel really stops the work (the runner's signal).
 * Nothing is ever left `running`: a stop marks what ran as `interrupted`, and so does the next
 * start for anything a crash left behind.
 *
 * An agent test is one run. A workflow run is one execution whose steps run one after another,
 * each with its own agent's runner, its input rendered from the step's template; it takes one
 * concurrency slot for all its steps.
 */
import {
  EXECUTIONS_TOPIC,
  isFinal,
  type Execution,
  type ExecutionStep,
  type ExecutionUpdateData,
  type RunnerConfig,
  type RunnerLimits,
} from '../../shared/executions.js'
import { parseTemplate, renderTemplate, type TemplatePart, type Workflow, type WorkflowStep } from '../../shared/workflows.js'
import type { ExecutionPatch, ExecutionsRepository } from '../store/executions.repository.js'
import type { Hub } from '../ws/hub.js'
import { RunnerError, type Runner, type RunResult } from '../runners/runner.js'

export type RunnerSetup = RunnerConfig & RunnerLimits

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
  /** Live output is written to the row at most this often while it runs. Default is 2000. */
  outputSaveIntervalMs?: number
  /** Default is 120000. */
  defaultTimeoutMs?: number
  /** Default is 1 MiB. */
  defaultMaxOutputBytes?: number
}

export interface StartWorkflowOptions {
  workflow: Workflow
  input: string
  /** The runner of each step's agent, in step order, as it was when the run was asked for. */
  runners: RunnerSetup[]
  startedBy: string | null
}

export interface ExecutionService {
  /** Stores a `pending` agent test and queues it; resolves with the row at once. */
  startAgentTest(o: { agentId: string; input: string; config: RunnerSetup; startedBy: string | null }): Promise<Execution>
  /** Stores a `pending` workflow run with its steps and queues it; resolves with the row at once. */
  startWorkflow(o: StartWorkflowOptions): Promise<Execution>
  /** Cancels a pending or running execution. Null when unknown; a finished one is returned as it is. */
  cancel(id: number): Promise<Execution | null>
  /** The row with the output a running execution has produced so far filled in. */
  withLiveOutput(e: Execution): Execution
  /** Marks what an earlier process left `pending` or `running` as `interrupted`. Returns how many. */
  recover(): Promise<number>
  readonly running: number
  readonly pending: number
  /** Stops: running work is cancelled and marked `interrupted`, pending work too. */
  close(): Promise<void>
}

interface Plan {
  step: WorkflowStep
  parts: TemplatePart[]
  config: RunnerSetup
  timeoutMs: number | undefined
}

interface Job {
  execution: Execution
  /** An agent test's runner; null for a workflow run. */
  config: RunnerSetup | null
  /** A workflow run's steps; empty for an agent test. */
  plan: Plan[]
  controller: AbortController
  /** Set when the stop is the server's, not the user's. */
  interrupted: boolean
  /** Resolves once the run has stopped and its end is stored. */
  done?: Promise<void>
  /** Output of what runs now (the test, or the current step), and which step it is. */
  live: { text: string; step: number | null; saved: number } | null
  /** What the last run streamed before it ended: kept when a failure brings no partial output. */
  lastOutput: string
  /** Writes of this job, in order: a periodic save never lands after the final write. */
  writes: Promise<unknown>
}

const INTERRUPTED_MESSAGE = 'The server stopped while this execution was pending or running'

export function toUpdate(e: Execution, outputChunk: string | null = null, stepIndex: number | null = null): ExecutionUpdateData {
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
    step_index: stepIndex,
  }
}

/** Steps that never ran become `skipped`; a running one takes the run's final status. */
function closeSteps(steps: ExecutionStep[], status: 'interrupted' | 'cancelled', t: string, message: string): ExecutionStep[] {
  return steps.map((s) => {
    if (s.status === 'pending') return { ...s, status: 'skipped' }
    if (s.status === 'running') return { ...s, status, error_message: message, finished_at: t }
    return s
  })
}

const stepLabel = (s: ExecutionStep): string => `Step ${s.index + 1} (${s.name ?? s.agent_id})`

export function createExecutionService(options: ExecutionServiceOptions): ExecutionService {
  const { repository, hub, log } = options
  const now = options.now ?? Date.now
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const pushEvery = options.outputPushIntervalMs ?? 100
  const saveEvery = options.outputSaveIntervalMs ?? 2000
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000
  const defaultMaxOutput = options.defaultMaxOutputBytes ?? 1024 * 1024
  const queue: Job[] = []
  const active = new Map<number, Job>()
  const settled = new Set<Promise<void>>()
  let closing = false

  const publish = (e: Execution, chunk: string | null = null, step: number | null = null): void => {
    hub.publish('execution_update', EXECUTIONS_TOPIC, toUpdate(e, chunk, step))
  }

  /** Writes a change of the job's row (after its earlier writes), keeps it, and pushes it. */
  const write = (job: Job, patch: ExecutionPatch, push = true): Promise<Execution | null> => {
    const p = job.writes.then(async () => {
      const e = await repository.update(job.execution.id, patch, now())
      if (e) {
        job.execution = e
        if (push) publish(e, null, job.live?.step ?? null)
      }
      return e
    })
    job.writes = p.catch(() => undefined)
    return p
  }

  const withLive = (e: Execution, live: Job['live']): Execution => {
    if (!live || e.status !== 'running') return e
    if (live.step === null) return { ...e, test_output: live.text }
    return { ...e, steps: e.steps.map((s) => (s.index === live.step ? { ...s, output: live.text } : s)) }
  }

  /**
   * Runs one runner: live output is pushed every `pushEvery` ms and saved every `saveEvery` ms.
   * Resolves with the result or rejects with what the runner threw.
   */
  const runOne = async (job: Job, config: RunnerSetup, agentId: string | null, input: string, step: number | null, timeoutMs?: number): Promise<RunResult> => {
    const maxOutputBytes = config.max_output_bytes ?? defaultMaxOutput
    const live = { text: '', step, saved: 0 }
    job.live = live
    let chunkBuffer = ''
    let pushTimer: NodeJS.Timeout | null = null
    let saveTimer: NodeJS.Timeout | null = null
    const pushChunk = (): void => {
      pushTimer = null
      if (!chunkBuffer) return
      const chunk = chunkBuffer
      chunkBuffer = ''
      publish(job.execution, chunk, step)
    }
    const save = (): void => {
      saveTimer = null
      if (live.saved === live.text.length || job.live !== live) return
      live.saved = live.text.length
      const patch: ExecutionPatch =
        step === null ? { test_output: live.text } : { steps: withLive(job.execution, live).steps }
      write(job, patch, false).catch((err: unknown) => log.error({ err, execution: job.execution.id }, 'saving live output failed'))
    }
    try {
      const runner = options.createRunner(config, agentId)
      return await options.run(runner, {
        input,
        timeoutMs: timeoutMs ?? config.timeout_ms ?? defaultTimeoutMs,
        maxOutputBytes,
        signal: job.controller.signal,
        onOutput: (chunk) => {
          // The runner caps what it returns; the copy kept here is capped the same way.
          if (live.text.length < maxOutputBytes) live.text += chunk.slice(0, maxOutputBytes - live.text.length)
          chunkBuffer += chunk
          pushTimer ??= setTimeout(pushChunk, pushEvery)
          saveTimer ??= setTimeout(save, saveEvery)
        },
      })
    } finally {
      if (pushTimer) clearTimeout(pushTimer)
      if (saveTimer) clearTimeout(saveTimer)
      pushChunk()
      job.live = null
      job.lastOutput = live.text
    }
  }

  const failureOf = (job: Job, err: unknown): { re: RunnerError | null; message: string } => {
    const re = err instanceof RunnerError ? err : null
    if (!re) log.error({ err, execution: job.execution.id }, 'runner failed unexpectedly')
    return { re, message: re ? re.message : `Runner failed: ${err instanceof Error ? err.message : String(err)}` }
  }

  const executeTest = async (job: Job, config: RunnerSetup): Promise<void> => {
    try {
      const result = await runOne(job, config, job.execution.agent_id, job.execution.test_input ?? '', null)
      await write(job, { status: 'succeeded', test_output: result.output, meta: { ...(job.execution.meta ?? {}), ...(result.meta ?? {}) }, progress: 1, finished_at: now() })
    } catch (err) {
      const { re, message } = failureOf(job, err)
      const partial = re?.partialOutput ?? (job.lastOutput || null)
      const meta = re?.meta ? { ...(job.execution.meta ?? {}), ...re.meta } : job.execution.meta
      const end = { test_output: partial, finished_at: now() }
      if (job.interrupted) await write(job, { ...end, status: 'interrupted', error_message: INTERRUPTED_MESSAGE, meta })
      else if (re?.code === 'cancelled') await write(job, { ...end, status: 'cancelled', error_message: 'Cancelled', meta })
      else await write(job, { ...end, status: 'failed', error_message: message, meta: { ...(meta ?? {}), failure: re?.code ?? 'failed' } })
    }
  }

  const executeWorkflow = async (job: Job): Promise<void> => {
    const total = job.plan.length
    const outputs: (string | null)[] = []
    let steps = job.execution.steps
    let failedSteps = 0
    const setStep = (i: number, patch: Partial<ExecutionStep>): ExecutionStep[] => (steps = steps.map((s) => (s.index === i ? { ...s, ...patch } : s)))
    const baseMeta = job.execution.meta ?? {}
    for (let i = 0; i < total; i++) {
      const plan = job.plan[i]!
      const input = renderTemplate(plan.parts, job.execution.test_input ?? '', outputs)
      const agentId = steps[i]!.agent_id
      job.live = { text: '', step: i, saved: 0 }
      await write(job, { steps: setStep(i, { status: 'running', input, started_at: new Date(now()).toISOString() }) })
      try {
        const result = await runOne(job, plan.config, agentId, input, i, plan.timeoutMs)
        outputs.push(result.output)
        setStep(i, { status: 'succeeded', output: result.output, finished_at: new Date(now()).toISOString() })
      } catch (err) {
        const { re, message } = failureOf(job, err)
        const partial = re?.partialOutput ?? (job.lastOutput || null)
        const t = new Date(now()).toISOString()
        if (job.interrupted || re?.code === 'cancelled') {
          const status = job.interrupted ? 'interrupted' : 'cancelled'
          const why = job.interrupted ? INTERRUPTED_MESSAGE : 'Cancelled'
          setStep(i, { output: partial })
          steps = closeSteps(steps, status, t, why)
          await write(job, { status, error_message: why, steps, progress: i / total, meta: { ...baseMeta, failed_steps: failedSteps }, finished_at: now() })
          return
        }
        outputs.push(partial)
        setStep(i, { status: 'failed', output: partial, error_message: message, finished_at: t })
        failedSteps++
        if (plan.step.on_failure !== 'continue') {
          steps = steps.map((s) => (s.status === 'pending' ? { ...s, status: 'skipped' } : s))
          await write(job, {
            status: 'failed',
            error_message: `${stepLabel(steps[i]!)} failed: ${message}`,
            test_output: partial,
            steps,
            progress: (i + 1) / total,
            meta: { ...baseMeta, failed_steps: failedSteps, failed_step: i, failure: re?.code ?? 'failed' },
            finished_at: now(),
          })
          return
        }
      }
      if (i < total - 1) await write(job, { steps, progress: (i + 1) / total, meta: { ...baseMeta, failed_steps: failedSteps } })
    }
    await write(job, {
      status: 'succeeded',
      test_output: outputs[total - 1] ?? null,
      steps,
      progress: 1,
      meta: { ...baseMeta, failed_steps: failedSteps },
      finished_at: now(),
    })
  }

  const execute = async (job: Job): Promise<void> => {
    const startedAt = now()
    const running = await write(job, { status: 'running', started_at: startedAt })
    if (!running) return
    if (job.config) await executeTest(job, job.config)
    else await executeWorkflow(job)
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

  const enqueue = (execution: Execution, config: RunnerSetup | null, plan: Plan[]): void => {
    publish(execution)
    queue.push({ execution, config, plan, controller: new AbortController(), interrupted: false, live: null, lastOutput: '', writes: Promise.resolve() })
    pump()
  }

  /** Marks a job that never ran (or a row left behind) as ended with `status`. */
  const endUnstarted = async (e: Execution, status: 'cancelled' | 'interrupted', message: string): Promise<Execution | null> => {
    const t = now()
    const steps = closeSteps(e.steps, status, new Date(t).toISOString(), message)
    const updated = await repository.update(e.id, { status, error_message: message, finished_at: t, ...(e.steps.length ? { steps } : {}) }, t)
    if (updated) publish(updated)
    return updated
  }

  return {
    async startAgentTest({ agentId, input, config, startedBy }) {
      const execution = await repository.insert(
        { execution_type: 'agent_test', agent_id: agentId, workflow_id: null, runner: config.kind, test_input: input, started_by: startedBy, meta: { runner: config.kind } },
        now(),
      )
      enqueue(execution, config, [])
      return execution
    },

    async startWorkflow({ workflow, input, runners, startedBy }) {
      const plan: Plan[] = workflow.steps.map((step, i) => {
        const parsed = parseTemplate(step.input, i + 1)
        // Saved workflows were checked; a template that no longer parses runs as written.
        const parts: TemplatePart[] = parsed.ok ? parsed.parts : [{ kind: 'text', text: step.input }]
        return { step, parts, config: runners[i]!, timeoutMs: step.timeout_ms }
      })
      const steps: ExecutionStep[] = workflow.steps.map((s, index) => ({
        index,
        name: s.name ?? null,
        agent_id: s.agent_id,
        status: 'pending',
        on_failure: s.on_failure ?? 'stop',
        input: '',
        output: null,
        error_message: null,
        started_at: null,
        finished_at: null,
      }))
      const execution = await repository.insert(
        {
          execution_type: 'workflow',
          agent_id: null,
          workflow_id: workflow.id,
          runner: null,
          test_input: input,
          started_by: startedBy,
          meta: { workflow_name: workflow.name, steps: steps.length },
          steps,
          progress: 0,
        },
        now(),
      )
      enqueue(execution, null, plan)
      return execution
    },

    async cancel(id) {
      const waiting = queue.findIndex((j) => j.execution.id === id)
      if (waiting >= 0) {
        const [job] = queue.splice(waiting, 1)
        return endUnstarted(job!.execution, 'cancelled', 'Cancelled before it started')
      }
      const job = active.get(id)
      if (job) {
        job.controller.abort(new RunnerError('cancelled', 'Cancelled'))
        await job.done
      }
      return repository.get(id)
    },

    withLiveOutput(e) {
      return withLive(e, active.get(e.id)?.live ?? null)
    },

    async recover() {
      const left = await repository.unfinished()
      for (const e of left) await endUnstarted(e, 'interrupted', INTERRUPTED_MESSAGE)
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
      for (const job of queue.splice(0)) await endUnstarted(job.execution, 'interrupted', INTERRUPTED_MESSAGE)
      for (const job of active.values()) {
        job.interrupted = true
        job.controller.abort(new RunnerError('cancelled', 'The server is stopping'))
      }
      await Promise.all([...settled])
    },
  }
}
