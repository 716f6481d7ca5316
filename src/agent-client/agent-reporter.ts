/**
 * The heartbeat loop: sample the host, read the tasks, ping, wait, again. It never crashes on what
 * the network or the server does: an unreachable or failing server is retried with exponential
 * backoff and jitter, rejected credentials are retried slowly (they may be fixed server-side), and
 * the caller hears only of state changes, not of every ping.
 */
import type { AgentPingRequest, AgentPingResponse } from '../shared/agent-hosts.js'
import { AgentClientError, type AgentClient } from './agent-client.js'
import type { HostSample, HostSampler } from './host-sampler.js'
import type { TaskSource } from './task-source.js'

/** Arms a one-shot timer; the returned function cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void

/** What `log` hears about, once per change (and each task problem once). */
export type ReporterEvent =
  | { type: 'connected'; response: AgentPingResponse }
  | { type: 'retrying'; error: AgentClientError; delaySec: number }
  | { type: 'rejected'; error: AgentClientError; delaySec: number }
  | { type: 'task_problem'; problem: string }
  /** The host sampler threw (the last figures are sent), or an `onPing` callback did. */
  | { type: 'error'; error: unknown }
  | { type: 'offline_sent' }
  | { type: 'offline_failed'; error: AgentClientError }

export type ReporterState = 'idle' | 'connected' | 'retrying' | 'rejected' | 'stopped'

export type PingOutcome = { ok: true; response: AgentPingResponse; body: AgentPingRequest } | { ok: false; error: AgentClientError; body: AgentPingRequest }

export interface AgentReporterOptions {
  client: Pick<AgentClient, 'ping' | 'url' | 'agentId'>
  sampler: HostSampler
  /** Default is no tasks. */
  tasks?: TaskSource
  /** Seconds between pings while all is well, 1–3600; sent as `interval_sec`. */
  intervalSec: number
  /** `auto` is `busy` while tasks run, else `idle`; any other text is sent as it is. Default is `auto`. */
  status?: string
  /** One line per state change, with the event behind it. Default is silence. */
  log?: (line: string, event: ReporterEvent) => void
  /** Called after every ping, for callers that count (tests, a demo). */
  onPing?: (outcome: PingOutcome) => void
  /** Default is `setTimeout`. */
  setTimer?: SetTimer
  /** Uniform in [0, 1), for the jitter. Default is `Math.random`. */
  random?: () => number
  /** First retry delay after a failure, in seconds; it doubles up to `maxBackoffSec`. Default is 1. */
  minBackoffSec?: number
  /** Longest wait between retries of an unreachable or failing server, in seconds. Default is 60. */
  maxBackoffSec?: number
  /** Wait between retries after a 401, 403 or other refusal, in seconds; never less than the interval. Default is 60. */
  rejectedRetrySec?: number
  /** How long the `offline` ping sent by `stop()` may take, in milliseconds. Default is 3000. */
  offlineTimeoutMs?: number
}

export interface AgentReporter {
  /** Pings now, then keeps pinging. Calling it again does nothing. */
  start(): void
  /** Stops the loop, aborts a ping in flight, and sends one `offline` ping (best-effort). */
  stop(): Promise<void>
  /** One ping, outside the loop (for `--once`). */
  pingOnce(): Promise<PingOutcome>
  readonly state: ReporterState
}

/** A server answer longer than this is not honoured as is (a typo'd `Retry-After: 86400`). */
const MAX_RETRY_AFTER_SEC = 3600
const MAX_LOGGED_PROBLEMS = 500

const defaultSetTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms)
  return () => clearTimeout(t)
}

export function createAgentReporter(options: AgentReporterOptions): AgentReporter {
  const { client, sampler } = options
  if (!Number.isInteger(options.intervalSec) || options.intervalSec < 1 || options.intervalSec > 3600) {
    throw new RangeError(`intervalSec must be a whole number 1–3600, got ${options.intervalSec}`)
  }
  const intervalSec = options.intervalSec
  const status = options.status ?? 'auto'
  const log = options.log ?? (() => {})
  const setTimer = options.setTimer ?? defaultSetTimer
  const random = options.random ?? Math.random
  const minBackoffSec = options.minBackoffSec ?? 1
  const maxBackoffSec = options.maxBackoffSec ?? 60
  const rejectedRetrySec = Math.max(options.rejectedRetrySec ?? 60, intervalSec)
  const offlineTimeoutMs = options.offlineTimeoutMs ?? 3_000

  let state: ReporterState = 'idle'
  /** What the last logged line was about, so a repeat of the same failure stays quiet. */
  let lastLogged: string | null = null
  let failures = 0
  let started = false
  let stopped = false
  let cancelTimer: (() => void) | null = null
  let inFlight: Promise<void> | null = null
  let abort: AbortController | null = null
  let lastSample: HostSample = { cpu_usage: 0, memory_usage: 0 }
  let samplerFailed = false
  const loggedProblems = new Set<string>()

  const emit = (key: string, line: string, event: ReporterEvent): void => {
    if (key === lastLogged) return
    lastLogged = key
    log(line, event)
  }

  const buildBody = async (): Promise<AgentPingRequest> => {
    try {
      lastSample = await sampler.sample()
      samplerFailed = false
    } catch (error) {
      // Keep the last figures: a heartbeat without fresh numbers beats no heartbeat.
      if (!samplerFailed) log(`host sampling failed, sending the last figures: ${String(error)}`, { type: 'error', error })
      samplerFailed = true
    }
    let tasks: AgentPingRequest['running_tasks'] = []
    if (options.tasks) {
      let read
      try {
        read = await options.tasks.read()
      } catch (err) {
        // A TaskSource of our own never throws; a caller's might.
        read = { tasks: [], problems: [`${options.tasks.description}: ${String(err)}`] }
      }
      tasks = read.tasks
      for (const problem of read.problems) {
        if (loggedProblems.has(problem)) continue
        if (loggedProblems.size >= MAX_LOGGED_PROBLEMS) loggedProblems.clear()
        loggedProblems.add(problem)
        log(problem, { type: 'task_problem', problem })
      }
    }
    return {
      status: status === 'auto' ? (tasks.length > 0 ? 'busy' : 'idle') : status,
      cpu_usage: lastSample.cpu_usage,
      memory_usage: lastSample.memory_usage,
      running_tasks: tasks,
      interval_sec: intervalSec,
    }
  }

  const send = async (body: AgentPingRequest, signal?: AbortSignal, timeoutMs?: number): Promise<PingOutcome> => {
    try {
      const response = await client.ping(body, { ...(signal ? { signal } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
      return { ok: true, response, body }
    } catch (err) {
      const error = err instanceof AgentClientError ? err : new AgentClientError('network', String(err), { cause: err })
      return { ok: false, error, body }
    }
  }

  /** Seconds until the next ping after this outcome; logs a state change. */
  const judge = (outcome: PingOutcome): number => {
    if (outcome.ok) {
      failures = 0
      state = 'connected'
      emit(
        'connected',
        `connected to ${client.url} as ${client.agentId}: pinging every ${intervalSec}s (shown offline after ${outcome.response.offline_after_sec}s of silence)`,
        { type: 'connected', response: outcome.response },
      )
      return intervalSec
    }
    const error = outcome.error
    if (error.retryable) {
      failures++
      const exp = Math.min(maxBackoffSec, minBackoffSec * 2 ** (failures - 1))
      // "Equal jitter": between half and all of the step, so agents that lost the server together spread out.
      let delay = exp / 2 + (random() * exp) / 2
      if (error.status === 429) delay = Math.max(delay, intervalSec)
      if (error.retryAfterSec !== null) delay = Math.max(delay, Math.min(error.retryAfterSec, MAX_RETRY_AFTER_SEC))
      const delaySec = Math.max(0.1, delay)
      state = 'retrying'
      emit(`retrying:${error.kind}:${error.status ?? ''}`, `${describeOutage(error)}, retrying in ${formatSec(delaySec)}`, {
        type: 'retrying',
        error,
        delaySec,
      })
      return delaySec
    }
    failures = 0
    let delaySec = rejectedRetrySec
    if (error.retryAfterSec !== null) delaySec = Math.max(delaySec, Math.min(error.retryAfterSec, MAX_RETRY_AFTER_SEC))
    state = 'rejected'
    emit(`rejected:${error.status ?? error.kind}:${error.code ?? ''}`, `${describeRefusal(error)}; retrying every ${formatSec(delaySec)}`, {
      type: 'rejected',
      error,
      delaySec,
    })
    return delaySec
  }

  const tick = (): void => {
    cancelTimer = null
    if (stopped) return
    const controller = new AbortController()
    abort = controller
    inFlight = (async () => {
      const body = await buildBody()
      if (stopped) return
      const outcome = await send(body, controller.signal)
      abort = null
      if (stopped) return
      options.onPing?.(outcome)
      const delaySec = judge(outcome)
      if (!stopped) cancelTimer = setTimer(tick, Math.round(delaySec * 1000))
    })()
      .catch((err: unknown) => {
        // Only a caller's callback can get here; keep the heartbeat going regardless.
        log(`heartbeat error: ${String(err)}`, { type: 'error', error: err })
        if (!stopped) cancelTimer = setTimer(tick, intervalSec * 1000)
      })
      .finally(() => {
        inFlight = null
      })
  }

  return {
    get state() {
      return state
    },
    start() {
      if (started || stopped) return
      started = true
      tick()
    },
    async pingOnce() {
      const outcome = await send(await buildBody())
      options.onPing?.(outcome)
      return outcome
    },
    async stop() {
      if (stopped) return
      stopped = true
      cancelTimer?.()
      cancelTimer = null
      abort?.abort()
      await inFlight
      if (!started) {
        state = 'stopped'
        return
      }
      state = 'stopped'
      const outcome = await send(
        { status: 'offline', cpu_usage: lastSample.cpu_usage, memory_usage: lastSample.memory_usage, running_tasks: [], interval_sec: intervalSec },
        undefined,
        offlineTimeoutMs,
      )
      options.onPing?.(outcome)
      if (outcome.ok) log('sent offline, stopped', { type: 'offline_sent' })
      else log(`could not send offline (${outcome.error.message}), stopped`, { type: 'offline_failed', error: outcome.error })
    },
  }
}

function describeOutage(error: AgentClientError): string {
  switch (error.kind) {
    case 'network':
    case 'timeout':
      return `server down (${error.message})`
    case 'protocol':
      return `unexpected answer (${error.message})`
    case 'http':
      return error.status === 429 ? `server asks to slow down (${error.message})` : `server error (${error.message})`
    case 'aborted':
    case 'config':
      return error.message
  }
}

function describeRefusal(error: AgentClientError): string {
  if (error.status === 401) return `credentials rejected (${error.message}): check the app key and secret`
  if (error.status === 403) return `credentials rejected (${error.message}): this app key belongs to another agent`
  if (error.status === 404) return `ping refused (${error.message}): is the agent registered, and is the URL right?`
  return `ping refused (${error.message})`
}

function formatSec(sec: number): string {
  return Number.isInteger(sec) ? `${sec}s` : `${sec.toFixed(1)}s`
}
