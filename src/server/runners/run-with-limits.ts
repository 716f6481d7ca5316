/**
 * Runs a runner under its limits: one controller for the run, a timer that aborts it with
 * `timeout`, an outer signal that aborts it with `cancelled`. Settles only when the runner has,
 * and every runner settles only once its work has stopped (process tree gone, socket closed,
 * request aborted), so when this settles nothing of the run is left going.
 */
import { errorMessage } from './runner-errors.js'
import { resolveLimits } from './runner-limits.js'
import { RunnerError, type Runner, type RunResult } from './runner.js'

export interface RunWithLimitsOptions {
  input: string
  /** Aborts the run with a `timeout` error after this many ms. Default is 120000. */
  timeoutMs?: number
  /** Output beyond this many UTF-8 bytes fails the run with `output_too_large`. Default is 1 MiB. */
  maxOutputBytes?: number
  /**
   * Live output, in order, while the run goes on; never called after the promise settles. If it
   * throws, the run is stopped and fails. Default is none.
   */
  onOutput?: (chunk: string) => void
  /** Cancels the run (`cancelled`). Default is none. */
  signal?: AbortSignal
}

/** Resolves with the runner's result or rejects with a `RunnerError` (anything else is wrapped as `failed`). */
export async function runWithLimits(runner: Runner, options: RunWithLimitsOptions): Promise<RunResult> {
  const { timeoutMs, maxOutputBytes } = resolveLimits({ timeout_ms: options.timeoutMs, max_output_bytes: options.maxOutputBytes })
  const cancelled = (): RunnerError => new RunnerError('cancelled', 'The run was cancelled')
  if (options.signal?.aborted) throw cancelled()

  const controller = new AbortController()
  const onCancel = (): void => controller.abort(cancelled())
  options.signal?.addEventListener('abort', onCancel, { once: true })
  const timer = setTimeout(() => controller.abort(new RunnerError('timeout', `The run took longer than ${timeoutMs} ms`)), timeoutMs)
  let settled = false
  let outputFailure: RunnerError | undefined

  try {
    const result = await runner.run({
      input: options.input,
      signal: controller.signal,
      maxOutputBytes,
      onOutput(chunk) {
        if (settled || !options.onOutput) return
        try {
          options.onOutput(chunk)
        } catch (error) {
          outputFailure ??= new RunnerError('failed', `Handling the run's output failed: ${errorMessage(error)}`)
          controller.abort(outputFailure)
        }
      },
    })
    // A runner may finish before it notices the abort (its last output was the one that failed).
    if (outputFailure) throw outputFailure
    return result
  } catch (error) {
    if (error instanceof RunnerError) throw error
    const reason: unknown = controller.signal.reason
    if (controller.signal.aborted && reason instanceof RunnerError) throw reason
    throw new RunnerError('failed', errorMessage(error))
  } finally {
    settled = true
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onCancel)
  }
}
