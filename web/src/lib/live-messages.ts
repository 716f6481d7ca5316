import type { DataEnvelope, ServerDataType } from '@shared/protocol'

/**
 * Which store applies each pushed message. Every type of the protocol has to be given a place here,
 * so a new message cannot be dropped on the floor unnoticed.
 */
export const MESSAGE_FEED = {
  model_status_update: 'fleet',
  model_switch_event: 'fleet',
  model_error: 'fleet',
  agent_update: 'fleet',
  agent_removed: 'fleet',
  initial_metrics: 'hosts',
  metrics_update: 'hosts',
  agent_offline: 'hosts',
  host_agent_update: 'hosts',
  host_agent_removed: 'hosts',
  execution_update: 'executions',
  status_update: 'conversations',
  task_tracking: 'conversations',
} as const satisfies Record<ServerDataType, string>

export type Feed = (typeof MESSAGE_FEED)[ServerDataType]

export type FeedMessageType<F extends Feed> = {
  [K in ServerDataType]: (typeof MESSAGE_FEED)[K] extends F ? K : never
}[ServerDataType]

export type FeedEnvelope<F extends Feed> = Extract<DataEnvelope, { type: FeedMessageType<F> }>

/** The feed of a pushed message; undefined for a type this build does not know (a newer server). */
export function feedOf(type: string): Feed | undefined {
  return Object.hasOwn(MESSAGE_FEED, type) ? MESSAGE_FEED[type as ServerDataType] : undefined
}
