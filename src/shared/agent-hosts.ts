/**
 * Agent hosts (seed 003): registered agents with their own credentials, heartbeats carrying CPU,
 * memory and running tasks, grouped by pool. The snake_case wire names are the seed's and are kept:
 * the ping body, and the `initial_metrics` / `metrics_update` / `agent_offline` messages.
 */

/** `POST /api/v1/agents/{agent_id}/ping` with `X-App-Key` / `X-App-Secret` (seed `AgentPingRequest`). */
export interface AgentPingRequest {
  /** What the agent says it is doing, e.g. `idle`, `busy`. `offline` means "going away now". */
  status: string
  /** Percent, 0–100. */
  cpu_usage: number
  /** Percent, 0–100. */
  memory_usage: number
  running_tasks: RunningTask[]
  /** Extension: how often this agent pings, in seconds (1–3600); offline is judged from it. */
  interval_sec?: number
}

export interface RunningTask {
  /** The seed has an unsigned integer; a string id (≤ 128 chars) is accepted too. */
  task_id: number | string
  task_type: string
  workspace_id: string
  /** RFC 3339, e.g. `2025-01-07T10:30:00Z`. */
  started_at: string
  /** Extension: a human-readable name for the task. */
  title?: string
}

export interface AgentPingResponse {
  accepted: true
  /** Epoch milliseconds, so an agent can tell its clock from the server's. */
  server_time: number
  /** After this many seconds without a ping the agent is shown offline. */
  offline_after_sec: number
}

/** One agent's live metrics (seed shape; `pool_id` and `tags` are extensions). */
export interface AgentMetrics {
  agent_id: string
  agent_name: string
  cpu_usage: number
  memory_usage: number
  running_tasks: RunningTask[]
  /** RFC 3339 time of the last ping. */
  last_update_time: string
  /** The status the agent reported, or `offline`. */
  status: string
  pool_id: string
  tags: string[]
}

/** What `agent_offline` carries (seed: `agent_id` and `status`; `last_update_time` is an extension). */
export interface AgentOfflineMetrics {
  agent_id: string
  status: 'offline'
  last_update_time: string | null
}

/** Seed messages, as sent on `/ws/agent-pools/{pool_id}/metrics` (no envelope). */
export interface InitialMetricsMessage {
  type: 'initial_metrics'
  pool_id: string
  metrics: AgentMetrics[]
}
export interface MetricsUpdateMessage {
  type: 'metrics_update'
  pool_id: string
  metrics: AgentMetrics
}
export interface AgentOfflineMessage {
  type: 'agent_offline'
  pool_id: string
  metrics: AgentOfflineMetrics
}
export type PoolMetricsMessage = InitialMetricsMessage | MetricsUpdateMessage | AgentOfflineMessage

/** The same events on `/ws` (topic `pool:<id>`): the envelope's `data` is the seed message without `type`. */
export interface InitialMetricsData {
  pool_id: string
  metrics: AgentMetrics[]
}
export interface MetricsUpdateData {
  pool_id: string
  metrics: AgentMetrics
}
export interface AgentOfflineData {
  pool_id: string
  metrics: AgentOfflineMetrics
}

/** A registered agent as the API shows it. Secrets never appear; a key does. */
export interface HostAgent {
  agent_id: string
  agent_name: string
  pool_id: string
  tags: string[]
  created_at: number
  /** Epoch ms of the last accepted ping, or null if it never pinged. */
  last_seen_at: number | null
  online: boolean
  credentials: HostCredential[]
}

export interface HostCredential {
  app_key: string
  created_at: number
  last_used_at: number | null
}

/** Returned once, when a credential is created or rotated. The secret is not kept, only its hash. */
export interface IssuedCredential {
  agent_id: string
  app_key: string
  app_secret: string
  created_at: number
}

export interface CreateHostAgentRequest {
  agent_id: string
  agent_name?: string
  /** Default is `default`. */
  pool_id?: string
  tags?: string[]
}

export interface UpdateHostAgentRequest {
  agent_name?: string
  pool_id?: string
  tags?: string[]
}

export interface CreateHostAgentResponse {
  agent: HostAgent
  credential: IssuedCredential
}

export interface HostAgentsResponse {
  agents: HostAgent[]
}

export interface PoolSummary {
  pool_id: string
  agents: number
  online: number
  offline: number
  running_tasks: number
  /** Mean over online agents; null when none is online. */
  avg_cpu: number | null
  avg_memory: number | null
}

export interface PoolsResponse {
  pools: PoolSummary[]
}

/** `GET /api/v1/agent-pools/{pool_id}/metrics`: the registry of the pool and its live metrics. */
export interface PoolMetricsResponse {
  pool_id: string
  agents: HostAgent[]
  metrics: AgentMetrics[]
  /** The `/ws` position of this snapshot: subscribe to `pool:<id>` with `since=seq`. */
  seq: number
}

/** One point per slot: `[epoch ms, cpu %, memory %, running task count]`. */
export type MetricsPoint = [number, number, number, number]

/** `GET /api/v1/agent-pools/{pool_id}/history`: the last hour per agent, for sparklines. */
export interface PoolHistoryResponse {
  pool_id: string
  resolution_sec: number
  agents: Record<string, MetricsPoint[]>
}

export interface AgentHistoryResponse {
  agent_id: string
  resolution_sec: number
  points: MetricsPoint[]
}

/** Bar colours of the seed: green below 70 %, yellow from 70 % to below 90 %, red from 90 %. */
export type UsageLevel = 'ok' | 'warn' | 'critical'

export function usageLevel(percent: number): UsageLevel {
  if (percent >= 90) return 'critical'
  if (percent >= 70) return 'warn'
  return 'ok'
}

export const DEFAULT_POOL = 'default'
/** Agent and pool ids: what OpenClaw allows for agent ids, plus dots. */
export const HOST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const poolTopic = (poolId: string): string => `pool:${poolId}`
/** Every pool's messages. */
export const TOPIC_POOLS = 'pools'
/** Header names of the seed. */
export const APP_KEY_HEADER = 'x-app-key'
export const APP_SECRET_HEADER = 'x-app-secret'
