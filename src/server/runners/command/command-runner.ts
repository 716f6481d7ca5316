/**
 * The `command` runner: runs a program (no shell) with the input on stdin or as its last
 * argument; its stdout is the output, streamed as it comes. Exit code 0 is success; anything else
 * fails with the exit code and the end of stderr. The program runs in a process group of its own,
 * so cancelling stops it and everything it started.
 */
import { createOutputCollector } from '../output-collector.js'
import { runnerError, tail } from '../runner-errors.js'
import type { Runner, RunnerEnvironment } from '../runner.js'
import type { CommandRunnerConfig } from './command-config.js'
import { runInProcessGroup } from './process-group.js'

export interface CommandRunnerOptions {
  /** Time between SIGTERM and SIGKILL when a run is stopped. Default is 2000. */
  killGraceMs?: number
  /** Bytes of stderr kept in `meta.stderr` (its end). Default is 65536. */
  maxStderrBytes?: number
}

export function createCommandRunner(config: CommandRunnerConfig, _env: RunnerEnvironment, options: CommandRunnerOptions = {}): Runner {
  const inputMode = config.input_mode ?? 'stdin'
  return {
    kind: 'command',
    async run(ctx) {
      const stdout = createOutputCollector(ctx.maxOutputBytes, ctx.onOutput)
      const outcome = await runInProcessGroup(
        {
          command: config.command,
          args: inputMode === 'argument' ? [...(config.args ?? []), ctx.input] : (config.args ?? []),
          cwd: config.cwd,
          env: config.env,
          stdin: inputMode === 'stdin' ? ctx.input : null,
        },
        { signal: ctx.signal, stdout, ...options },
      )
      const meta = { exit_code: outcome.exitCode, signal: outcome.signal, stderr: outcome.stderr }
      if (outcome.exitCode === 0) return { output: stdout.text(), meta }
      const how = outcome.exitCode === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.exitCode}`
      const stderr = tail(outcome.stderr)
      throw runnerError('failed', `${config.command} ${how}${stderr ? `: ${stderr}` : ''}`, stdout.text(), meta)
    },
  }
}
