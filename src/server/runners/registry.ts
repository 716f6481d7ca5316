/**
 * Maps each kind of runner to its factory and its config parser. A new kind of runner is a new
 * folder and a new line here.
 */
import type { RunnerConfig, RunnerKind, RunnerLimits } from '../../shared/executions.js'
import { parseCommandConfig } from './command/command-config.js'
import { createCommandRunner } from './command/command-runner.js'
import { ConfigFieldError, createFieldReader, withoutUndefined, type FieldReader } from './config-fields.js'
import { parseHttpConfig } from './http/http-config.js'
import { createHttpRunner } from './http/http-runner.js'
import { parseOpenClawConfig } from './openclaw/openclaw-config.js'
import { createOpenClawRunner } from './openclaw/openclaw-runner.js'
import { MAX_OUTPUT_BYTES, MAX_TIMEOUT_MS, MIN_OUTPUT_BYTES, MIN_TIMEOUT_MS } from './runner-limits.js'
import type { Runner, RunnerEnvironment, RunnerFactory } from './runner.js'
import { parseWebSocketConfig } from './websocket/websocket-config.js'
import { createWebSocketRunner } from './websocket/websocket-runner.js'

type ConfigOf<K extends RunnerKind> = Extract<RunnerConfig, { kind: K }>

interface RunnerModule<K extends RunnerKind> {
  create: RunnerFactory<ConfigOf<K>>
  /** Reads the kind's own fields (throws `ConfigFieldError`). */
  parse: (fields: FieldReader) => ConfigOf<K>
}

const modules: { [K in RunnerKind]: RunnerModule<K> } = {
  openclaw: { create: createOpenClawRunner, parse: parseOpenClawConfig },
  command: { create: createCommandRunner, parse: parseCommandConfig },
  http: { create: createHttpRunner, parse: parseHttpConfig },
  websocket: { create: createWebSocketRunner, parse: parseWebSocketConfig },
}

export const RUNNER_KINDS = Object.keys(modules) as RunnerKind[]

export function createRunner(config: RunnerConfig, env: RunnerEnvironment): Runner {
  // One lookup for every kind; TypeScript cannot tie the config's kind to the module's, hence the cast.
  const create = modules[config.kind].create as RunnerFactory
  return create(config, env)
}

export type RunnerConfigCheck = { ok: true; value: RunnerConfig & RunnerLimits } | { ok: false; field: string; message: string }

/**
 * Checks an untrusted runner configuration (an API body): the kind, that kind's fields, the limits,
 * and that there are no other fields. The value holds only the fields that were given.
 */
export function validateRunnerConfig(raw: unknown): RunnerConfigCheck {
  try {
    const fields = createFieldReader(raw)
    const kind = fields.optionalEnum('kind', RUNNER_KINDS)
    if (kind === undefined) throw new ConfigFieldError('kind', `is required: one of ${RUNNER_KINDS.join(', ')}`)
    const config = modules[kind].parse(fields)
    const limits = withoutUndefined<RunnerLimits>({
      timeout_ms: fields.optionalInteger('timeout_ms', MIN_TIMEOUT_MS, MAX_TIMEOUT_MS),
      max_output_bytes: fields.optionalInteger('max_output_bytes', MIN_OUTPUT_BYTES, MAX_OUTPUT_BYTES),
    })
    fields.rejectUnknown()
    return { ok: true, value: { ...config, ...limits } }
  } catch (error) {
    if (error instanceof ConfigFieldError) return { ok: false, field: error.field, message: error.message }
    throw error
  }
}
