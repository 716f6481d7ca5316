/**
 * Domain events: what a source says happened, in typed form. Sources never compute statuses;
 * the fleet state folds these events and the pure rules in `model-status.rules.ts` judge them.
 */
import type { FailureReason, ModelChainConfig, OpenClawLayout, TokenTotals } from '../../shared/model-status.js'

/** One agent as its OpenClaw config describes it. Emitted on start and whenever openclaw.json changes. */
export interface AgentConfiguredEvent {
  kind: 'agent_configured'
  agentId: string
  name: string
  config: ModelChainConfig
  stateDir: string
  layout: OpenClawLayout
  /** Auth profile id → provider and mode, from `auth.profiles` in openclaw.json (never a secret). */
  authProfiles: Record<string, { provider: string; mode: string }>
}

/** An agent no longer in the config and without data on disk. */
export interface AgentRemovedEvent {
  kind: 'agent_removed'
  agentId: string
}

/**
 * One attempt of one model within a run. Transcripts give a `started` (model-snapshot) and then
 * an outcome (assistant message, prompt error); trajectories give the outcome directly.
 */
export interface ModelAttemptEvent {
  kind: 'model_attempt'
  agentId: string
  sessionId: string
  /** Run id where the data has one (trajectories, SQLite transcripts); null otherwise. */
  runId: string | null
  /** Stable id of the source record (transcript entry id, trajectory seq…) for de-duplication. */
  eventId: string
  source: 'transcript' | 'trajectory'
  provider: string
  model: string
  /** Epoch ms. */
  at: number
  /**
   * `started`: a model-snapshot (an attempt began). `succeeded`: an answer. `failed`: an error.
   * `aborted`: the attempt was cut off (idle timeout, user abort).
   */
  outcome: 'started' | 'succeeded' | 'failed' | 'aborted'
  reason: FailureReason | null
  httpStatus: number | null
  message: string | null
  usage: (TokenTotals & { costUsd: number }) | null
  /** True when this entry starts a new user turn (the user message that opened it precedes it). */
  turnStart: boolean
}

/** A `model_change` transcript entry: the session's model was set (session start or `/model`). */
export interface ModelChangedEvent {
  kind: 'model_changed'
  agentId: string
  sessionId: string
  eventId: string
  provider: string
  model: string
  at: number
  /** True when this is the first model_change of its session (set at session start, not a user switch). */
  initial: boolean
}

/** One `model_fallback_decision` from OpenClaw's JSONL log. */
export interface FallbackDecisionEvent {
  kind: 'fallback_decision'
  /** Null when the log line could not be tied to an agent yet (resolved by the state from sessionId). */
  agentId: string | null
  sessionId: string | null
  runId: string | null
  eventId: string
  at: number
  decision: 'candidate_failed' | 'candidate_succeeded' | 'probe_cooldown_candidate' | 'chain_stopped'
  requested: string | null
  candidate: string
  next: string | null
  attempt: number | null
  reason: FailureReason | null
  /** OpenClaw's own reason string before normalisation (e.g. `idle_timeout_circuit_breaker`). */
  rawReason: string | null
  httpStatus: number | null
  message: string | null
  /**
   * The failures OpenClaw lists before this decision (`previousAttempts`, on `candidate_succeeded`
   * and later decisions of a run), oldest first. Absent when the log line has none.
   */
  previousAttempts?: FallbackPreviousAttempt[]
}

/** One earlier failed candidate as a fallback decision recalls it. */
export interface FallbackPreviousAttempt {
  /** `provider/model`. */
  candidate: string
  reason: FailureReason | null
  rawReason: string | null
  httpStatus: number | null
  message: string | null
}

/** Auth profile usage state (`usageStats`), from auth-state.json or `auth_profile_state`. Never secrets. */
export interface AuthStateEvent {
  kind: 'auth_state'
  agentId: string
  at: number
  profiles: Record<
    string,
    {
      cooldownUntil?: number
      cooldownReason?: string
      cooldownModel?: string
      disabledUntil?: number
      disabledReason?: string
      errorCount?: number
      failureCounts?: Record<string, number>
      lastFailureAt?: number
      lastUsed?: number
    }
  >
}

/** Which session belongs to which agent: lets log lines that carry only a session id be attributed. */
export interface SessionSeenEvent {
  kind: 'session_seen'
  agentId: string
  sessionId: string
  sessionKey: string | null
  updatedAt: number | null
  /** Last answering model as the session index records it (sessions.json / session_windows). */
  provider: string | null
  model: string | null
}

export type OpenClawEvent =
  | AgentConfiguredEvent
  | AgentRemovedEvent
  | ModelAttemptEvent
  | ModelChangedEvent
  | FallbackDecisionEvent
  | AuthStateEvent
  | SessionSeenEvent

/** A malformed record that was skipped: counted, logged once with its place. */
export interface IngestRejection {
  place: string
  reason: string
}
