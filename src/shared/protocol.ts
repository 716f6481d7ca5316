/**
 * The WebSocket protocol shared by server, web and CLI.
 * Every server message is an envelope `{type, seq, topic, timestamp, data}`; `seq` is global and
 * strictly increasing, so a client that reconnects with `since=<seq>` gets exactly what it missed.
 */
import type { AgentModelStatus, ModelError, ModelStatus, ModelSwitchEvent } from './model-status.js'
import type { AgentOfflineData, HostAgent, InitialMetricsData, MetricsUpdateData } from './agent-hosts.js'
import type { ExecutionUpdateData } from './executions.js'
import type { StatusUpdateMessage, TaskTrackingMessage } from './conversations.js'

export const WS_PATH = '/ws'
export const WS_SUBPROTOCOL = 'switchboard.v1'
/** Browsers cannot set headers on a WebSocket: the token travels as a second subprotocol. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'bearer.'

export interface ModelStatusUpdateData {
  agentId: string
  modelStatus: ModelStatus
  timestamp: number
}

export interface ModelSwitchEventData {
  agentId: string
  switchEvent: ModelSwitchEvent
  timestamp: number
}

export interface ModelErrorData {
  agentId: string
  modelId: string
  error: ModelError
  timestamp: number
}

/** Full snapshot of one agent, sent when anything about it changed (config, current model, auth). */
export interface AgentUpdateData {
  agent: AgentModelStatus
  timestamp: number
}

export interface AgentRemovedData {
  agentId: string
  timestamp: number
}

/** Data messages, by type. Seed 000 names are kept as they are. */
export interface ServerDataMessages {
  model_status_update: ModelStatusUpdateData
  model_switch_event: ModelSwitchEventData
  model_error: ModelErrorData
  agent_update: AgentUpdateData
  agent_removed: AgentRemovedData
  /** Seed 003, topic `pool:<id>`. `initial_metrics` comes once, when a client subscribes to the pool. */
  initial_metrics: InitialMetricsData
  metrics_update: MetricsUpdateData
  agent_offline: AgentOfflineData
  /** A registered agent was created or changed (name, pool, tags, credentials), on `pool:<id>`. */
  host_agent_update: HostAgentUpdateData
  /** A registered agent was deleted, or moved to another pool, on the old `pool:<id>`. */
  host_agent_removed: HostAgentRemovedData
  /** Seed 002, topic `executions`: an execution changed (status, progress, live output). */
  execution_update: ExecutionUpdateData
  /** Seed 001, topic `conversation:<id>` (and `conversations`): the seed's message as it is. */
  status_update: StatusUpdateMessage
  /** Seed 001: a conversation's task list changed (`plan`), or its current list on subscribe (`view`). */
  task_tracking: TaskTrackingMessage
}

export interface HostAgentUpdateData {
  agent: HostAgent
  timestamp: number
}

export interface HostAgentRemovedData {
  agent_id: string
  pool_id: string
  timestamp: number
}

export type ServerDataType = keyof ServerDataMessages

export interface Envelope<T extends string = string, D = unknown> {
  type: T
  seq: number
  topic: string
  timestamp: number
  data: D
}

export type DataEnvelope = {
  [K in ServerDataType]: Envelope<K, ServerDataMessages[K]>
}[ServerDataType]

/** Control messages (seq is the current head; topic is empty). */
export interface ServerControlMessages {
  /** First message after authentication. */
  hello: { serverVersion: string; seq: number; heartbeatMs: number }
  subscribed: { topics: string[]; seq: number; replayed: number }
  /** `since` was older than the bounded history: reload the REST snapshot, then go on from `seq`. */
  resync: { reason: 'history_exceeded' | 'server_restarted'; seq: number }
  pong: { t: number | null }
  error: { code: string; message: string }
}

export type ControlEnvelope = {
  [K in keyof ServerControlMessages]: Envelope<K, ServerControlMessages[K]>
}[keyof ServerControlMessages]

export type ServerMessage = DataEnvelope | ControlEnvelope

export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; topics: string[]; since?: number }
  | { type: 'unsubscribe'; topics: string[] }
  | { type: 'ping'; t?: number }

/**
 * Topics: `agents` carries every agent's messages; `agent:<id>` one agent's; `pool:<id>` one pool's
 * host metrics and registry changes; `pools` every pool's.
 */
export const TOPIC_AGENTS = 'agents'
export const agentTopic = (agentId: string): string => `agent:${agentId}`
/** `conversations` carries every conversation's messages; `conversation:<id>` one conversation's. */
export const TOPIC_CONVERSATIONS = 'conversations'
export const conversationTopic = (conversationId: string): string => `conversation:${conversationId}`
