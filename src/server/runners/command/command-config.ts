/** The `command` runner's configuration: what to run and how the input reaches it. */
import type { RunnerConfig } from '../../../shared/executions.js'
import { withoutUndefined, type FieldReader } from '../config-fields.js'

export type CommandRunnerConfig = Extract<RunnerConfig, { kind: 'command' }>

export function parseCommandConfig(fields: FieldReader): CommandRunnerConfig {
  return withoutUndefined<CommandRunnerConfig>({
    kind: 'command',
    command: fields.requiredString('command'),
    args: fields.optionalStringArray('args'),
    input_mode: fields.optionalEnum('input_mode', ['stdin', 'argument'] as const),
    cwd: fields.optionalString('cwd'),
    env: fields.optionalEnvironment('env'),
  })
}
