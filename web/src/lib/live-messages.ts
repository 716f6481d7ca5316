import type { ExecutionUpdateData } from '@shared/executions'
import type { DataEnvelope, Envelope, ServerDataType } from '@shared/protocol'

/** Seed 002's push on topic `executions`: a status change, or new live output while running. */
export type ExecutionUpdateEnvelope = Envelope<'execution_update', ExecutionUpdateData>

/** Every data message the page may receive. */
export type PushedEnvelope = DataEnvelope | ExecutionUpdateEnvelope
export type PushedType = ServerDataType | ExecutionUpdateEnvelope['type']

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
} as const satisfies Record<PushedType, string>

export type Feed = (typeof MESSAGE_FEED)[PushedType]

export type FeedMessageType<F extends Feed> = {
  [K in PushedType]: (typeof MESSAGE_FEED)[K] extends F ? K : never
}[PushedType]

export type FeedEnvelope<F extends Feed> = Extract<PushedEnvelope, { type: FeedMessageType<F> }>

/** The feed of a pushed message; undefined for a type this build does not know (a newer server). */
export function feedOf(type: string): Feed | undefined {
  return Object.hasOwn(MESSAGE_FEED, type) ? MESSAGE_FEED[type as PushedType] : undefined
}
