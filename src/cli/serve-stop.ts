/**
 * How `switchboard serve` stops: the first SIGINT or SIGTERM closes the server (sources, sockets,
 * store) and exits 0; a second one, or a close still running after the deadline (a read stuck on
 * a hung network file system, say), exits 1 at once instead of leaving a process that ignores
 * signals.
 */

/** How long a stop may take before the process exits anyway. */
export const STOP_DEADLINE_MS = 10_000

export interface StopDeps {
  close(): Promise<void>
  exit(code: number): void
  out(text: string): void
  err(text: string): void
  /** Calls `fn` after `ms` without keeping the process alive. */
  later(fn: () => void, ms: number): void
  deadlineMs?: number
}

/** The handler to call with each signal's name. */
export function createServeStop(deps: StopDeps): (signal: string) => void {
  const deadlineMs = deps.deadlineMs ?? STOP_DEADLINE_MS
  let stopping = false
  return (signal) => {
    if (stopping) {
      deps.err(`  ${signal} again: exiting without waiting for the stop to finish\n`)
      deps.exit(1)
      return
    }
    stopping = true
    deps.out(`\n  ${signal}: stopping…\n`)
    deps.later(() => {
      deps.err(`  still stopping after ${deadlineMs / 1000} s: exiting anyway\n`)
      deps.exit(1)
    }, deadlineMs)
    deps.close().then(
      () => deps.exit(0),
      (err: unknown) => {
        deps.err(`error while stopping: ${String(err)}\n`)
        deps.exit(1)
      },
    )
  }
}
