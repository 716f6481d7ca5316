/** The `openclaw` runner's configuration: which agent, which CLI, which state dir. */
import type { RunnerConfig } from '../../../shared/executions.js'
import { withoutUndefined, type FieldReader } from '../config-fields.js'

export type OpenClawRunnerConfig = Extract<RunnerConfig, { kind: 'openclaw' }>

export function parseOpenClawConfig(fields: FieldReader): OpenClawRunnerConfig {
  return withoutUndefined<OpenClawRunnerConfig>({
    kind: 'openclaw',
    agent: fields.optionalString('agent'),
    openclaw_bin: fields.optionalString('openclaw_bin'),
    state_dir: fields.optionalString('state_dir'),
  })
}
