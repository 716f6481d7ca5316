/**
 * How an agent test runs: one module per kind behind this interface, a registry maps a kind to its
 * factory. A runner gets the input, a signal, limits and a progress callback; it resolves with the
 * output or rejects with a `RunnerError` saying why. Cancelling (the signal) must stop the real work:
 * the process tree, the socket, the request.
 */
import type { RunnerConfig } from '../../shared/executions.js'

export interface RunContext {
  input: string
  /** Aborted on cancel and on timeout; `signal.reason` is a `RunnerError`. */
  signal: AbortSignal
  /** Output beyond this many bytes is cut, and the run fails with `output_too_large`. */
  maxOutputBytes: number
  /** Live output as it arrives (chunks, in order). */
  onOutput(chunk: string): void
}

export interface RunResult {
  output: string
  /** Anything worth keeping: exit code, HTTP status, model, usage… */
  meta?: Record<string, unknown>
}

export type RunnerErrorCode = 'cancelled' | 'timeout' | 'output_too_large' | 'failed' | 'unavailable'

export class RunnerError extends Error {
  readonly code: RunnerErrorCode
  readonly meta: Record<string, unknown> | undefined
  /** What the run produced before it failed, if anything. */
  readonly partialOutput: string | undefined

  constructor(code: RunnerErrorCode, message: string, options: { meta?: Record<string, unknown>; partialOutput?: string } = {}) {
    super(message)
    this.name = 'RunnerError'
    this.code = code
    this.meta = options.meta
    this.partialOutput = options.partialOutput
  }
}

export interface Runner {
  readonly kind: RunnerConfig['kind']
  run(ctx: RunContext): Promise<RunResult>
}

export type RunnerFactory<C extends RunnerConfig = RunnerConfig> = (config: C, env: RunnerEnvironment) => Runner

/** What a runner may need from the server. */
export interface RunnerEnvironment {
  /** OpenClaw state dirs the server reads (the `openclaw` runner runs against the first). */
  openclawDirs: string[]
  log: { warn(o: object, m?: string): void }
  /**
   * The agent under test. The `openclaw` runner passes it as `--agent` when its config names no
   * `agent`. Default is none (the config must then name one).
   */
  agentId?: string
}
