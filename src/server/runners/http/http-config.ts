/** The `http` runner's configuration: where to POST and which body format. */
import type { RunnerConfig } from '../../../shared/executions.js'
import { withoutUndefined, type FieldReader } from '../config-fields.js'

export type HttpRunnerConfig = Extract<RunnerConfig, { kind: 'http' }>

export function parseHttpConfig(fields: FieldReader): HttpRunnerConfig {
  return withoutUndefined<HttpRunnerConfig>({
    kind: 'http',
    url: fields.requiredUrl('url', ['http:', 'https:']),
    format: fields.optionalEnum('format', ['raw', 'openai-chat'] as const),
    model: fields.optionalString('model'),
    headers: fields.optionalHeaders('headers'),
  })
}
