/**
 * The `openclaw` runner: one agent turn through the OpenClaw CLI,
 * `openclaw agent --local --agent <id> -m <input> --json`, run against a state dir
 * (`OPENCLAW_STATE_DIR`). It runs through the command runner's process group, so a cancel or a
 * timeout stops the CLI and everything it started. The reply is taken from the printed JSON
 * (see `parseOpenClawReply`), which is kept whole in `meta.openclaw`.
 */
import { runInProcessGroup } from '../command/process-group.js'
import type { CommandRunnerOptions } from '../command/command-runner.js'
import { createOutputCollector, tooLargeMessage } from '../output-collector.js'
import { tail } from '../runner-errors.js'
import { envelopeCap } from '../runner-limits.js'
import { RunnerError, type Runner, type RunnerEnvironment } from '../runner.js'
import type { OpenClawRunnerConfig } from './openclaw-config.js'
import { parseOpenClawReply } from './openclaw-reply.parser.js'

export const OPENCLAW_BIN = 'openclaw'

export function createOpenClawRunner(config: OpenClawRunnerConfig, env: RunnerEnvironment, options: CommandRunnerOptions = {}): Runner {
  const bin = config.openclaw_bin ?? OPENCLAW_BIN
  const stateDir = config.state_dir ?? env.openclawDirs[0]
  return {
    kind: 'openclaw',
    async run(ctx) {
      const agent = config.agent ?? env.agentId
      if (agent === undefined) throw new RunnerError('unavailable', 'No OpenClaw agent to run: set the runner\'s "agent" field')
      // The CLI prints one JSON document at the end: nothing to stream until it is parsed.
      const stdout = createOutputCollector(envelopeCap(ctx.maxOutputBytes))
      const outcome = await runInProcessGroup(
        {
          command: bin,
          args: ['agent', '--local', '--agent', agent, '-m', ctx.input, '--json'],
          env: { NO_COLOR: '1', ...(stateDir !== undefined ? { OPENCLAW_STATE_DIR: stateDir } : {}) },
          stdin: null,
        },
        { signal: ctx.signal, stdout, ...options },
      ).catch((error: unknown) => {
        throw explain(error, config.openclaw_bin)
      })

      const parsed = parseOpenClawReply(stdout.text())
      const meta: Record<string, unknown> = {
        exit_code: outcome.exitCode,
        ...(outcome.stderr ? { stderr: outcome.stderr } : {}),
        ...(parsed.model !== undefined ? { model: parsed.model } : {}),
        ...(parsed.provider !== undefined ? { provider: parsed.provider } : {}),
        ...(parsed.usage !== undefined ? { usage: parsed.usage } : {}),
        openclaw: parsed.json ?? null,
      }
      if (outcome.exitCode !== 0) {
        const how = outcome.exitCode === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.exitCode}`
        const why = tail(outcome.stderr) || tail(stdout.text())
        throw new RunnerError('failed', `openclaw ${how}${why ? `: ${why}` : ''}`, { meta: { ...meta, signal: outcome.signal } })
      }

      let reply = parsed.reply
      if (reply === undefined && parsed.json === undefined && stdout.text().trim() !== '') {
        env.log.warn({ bin }, 'openclaw runner: the CLI printed no JSON; its text is taken as the reply')
        reply = stdout.text().trim()
      }
      if (reply === undefined) throw new RunnerError('failed', 'OpenClaw printed no reply (no payloads or reply text in its JSON)', { meta })

      const output = createOutputCollector(ctx.maxOutputBytes, ctx.onOutput)
      if (!output.push(reply)) throw new RunnerError('output_too_large', tooLargeMessage(output), { meta, partialOutput: output.text() })
      return { output: output.text(), meta }
    },
  }
}

/** A missing CLI says how to get one; raw stdout (JSON) is no partial output of the agent. */
function explain(error: unknown, configuredBin: string | undefined): unknown {
  if (!(error instanceof RunnerError)) return error
  if (error.code === 'unavailable' && error.meta?.errno !== undefined) {
    const message =
      configuredBin !== undefined
        ? `OpenClaw CLI not found or not executable at ${configuredBin}: fix the runner's "openclaw_bin"`
        : `OpenClaw CLI not found: "${OPENCLAW_BIN}" is not on the server's PATH. Install it (npm install -g openclaw; it needs Node 24) or set the runner's "openclaw_bin" to its path`
    return new RunnerError('unavailable', message, { meta: error.meta })
  }
  return new RunnerError(error.code, error.message, { meta: error.meta })
}
