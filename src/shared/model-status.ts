/**
 * Model status of OpenClaw agents (seed 000). These shapes are a public contract:
 * the REST API, the WebSocket messages, the web UI and the CLI all use them.
 */

export type ModelHealth = 'healthy' | 'error' | 'cooldown' | 'disabled'

/** Why an attempt on a model failed, normalised from OpenClaw's own reasons. */
export type FailureReason =
  | 'rate_limit'
  | 'timeout'
  | 'auth'
  | 'billing'
  | 'overloaded'
  | 'model_not_found'
  | 'format'
  | 'unknown'

export type SwitchReason = FailureReason | 'manual' | 'recovery'

export const FAILURE_REASONS: readonly FailureReason[] = [
  'rate_limit',
  'timeout',
  'auth',
  'billing',
  'overloaded',
  'model_not_found',
  'format',
  'unknown',
]

/** `observed`: OpenClaw wrote it down. `inferred`: Switchboard deduced it from what it saw. */
export type StatusSource = 'observed' | 'inferred'

export interface ModelError {
  type: FailureReason
  message: string
  /** Epoch milliseconds. */
  timestamp: number
  /** HTTP status when known (429, 401, 408…). */
  code: number | null
}

export interface TokenTotals {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  total: number
}

export interface ModelStatus {
  /** `provider/model`, e.g. `backup/mock-fallback`. */
  modelId: string
  provider: string
  status: ModelHealth
  statusSource: StatusSource
  /** One short machine-readable phrase saying why this status, e.g. `auth_profile_cooldown`. */
  statusReason: string | null
  /** Place in the configured chain; `other` for a model seen in the data but not configured now. */
  role: 'primary' | 'fallback' | 'other'
  lastUsedAt: number | null
  lastError: ModelError | null
  cooldownUntil: number | null
  disabledUntil: number | null
  disabledReason: string | null
  /** Attempts and failures among the agent's most recent records (the last 120 attempts and log decisions). */
  attempts: number
  failures: number
  tokens: TokenTotals
  costUsd: number
}

export interface ModelSwitchEvent {
  id: string
  agentId: string
  fromModel: string
  toModel: string
  reason: SwitchReason
  /** Epoch milliseconds. */
  timestamp: number
  /** `HH:MM:SS` in UTC, as in seed 000. */
  time: string
  sessionId: string | null
  runId: string | null
  httpStatus: number | null
  /** Where the switch was read: OpenClaw's log, a transcript or a trajectory. */
  source: 'log' | 'transcript' | 'trajectory' | 'config'
  message: string | null
}

export interface AuthProfileStatus {
  profileId: string
  provider: string
  mode: string
  status: 'active' | 'cooldown' | 'disabled'
  cooldownUntil: number | null
  cooldownReason: string | null
  cooldownModel: string | null
  disabledUntil: number | null
  disabledReason: string | null
  errorCount: number
  lastFailureAt: number | null
  lastUsedAt: number | null
}

export interface ModelChainConfig {
  primary: string | null
  fallbacks: string[]
}

export type OpenClawLayout = 'sqlite' | 'legacy' | 'mixed' | 'empty'

export interface AgentModelStatus {
  agentId: string
  agentName: string
  config: ModelChainConfig
  /** The model that answered last; null when no answer was seen yet. */
  currentModel: ModelStatus | null
  allModels: ModelStatus[]
  /** Newest first. */
  switchHistory: ModelSwitchEvent[]
  /** The profile in use for the current model's provider (seed shape). */
  authProfile: AuthProfileStatus | null
  authProfiles: AuthProfileStatus[]
  lastActivityAt: number | null
  source: { stateDir: string; layout: OpenClawLayout }
}

/** An agent as the list shows it: `authProfiles` only with `?include=authProfiles`. */
export type AgentModelStatusSummary = Omit<AgentModelStatus, 'authProfiles'> & { authProfiles?: AuthProfileStatus[] }

export interface ModelStatusesResponse {
  agents: AgentModelStatusSummary[]
  lastUpdate: number
  /** The push stream's position when this snapshot was taken: subscribe with `since=seq`. */
  seq: number
}

export interface ModelSwitchesResponse {
  agentId: string
  agentName: string
  switches: ModelSwitchEvent[]
  total: number
}

const DAY_MS = 86_400_000

/** `HH:MM:SS` of an epoch-ms timestamp, in UTC. */
export function clockTime(timestamp: number): string {
  // Every derived switch is stamped with it: arithmetic costs a fraction of formatting a Date.
  // Outside the range a Date can hold, Date's own error is kept.
  if (!Number.isFinite(timestamp) || Math.abs(timestamp) > 8.64e15) return new Date(timestamp).toISOString().slice(11, 19)
  const secs = Math.floor((((timestamp % DAY_MS) + DAY_MS) % DAY_MS) / 1000)
  const h = Math.floor(secs / 3600)
  const m = Math.floor(secs / 60) % 60
  const s = secs % 60
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`
}

/** Splits `provider/model` (the model part may itself contain slashes). */
export function splitModelRef(ref: string): { provider: string; model: string } {
  const i = ref.indexOf('/')
  return i < 0 ? { provider: '', model: ref } : { provider: ref.slice(0, i), model: ref.slice(i + 1) }
}
