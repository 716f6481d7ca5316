/** The `websocket` runner's configuration: where to connect. */
import type { RunnerConfig } from '../../../shared/executions.js'
import { withoutUndefined, type FieldReader } from '../config-fields.js'

export type WebSocketRunnerConfig = Extract<RunnerConfig, { kind: 'websocket' }>

export function parseWebSocketConfig(fields: FieldReader): WebSocketRunnerConfig {
  return withoutUndefined<WebSocketRunnerConfig>({
    kind: 'websocket',
    url: fields.requiredUrl('url', ['ws:', 'wss:']),
    headers: fields.optionalHeaders('headers'),
  })
}
