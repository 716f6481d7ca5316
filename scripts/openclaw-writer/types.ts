/**
 * Public types of the OpenClaw state writer: what a caller describes (agents, providers, turns)
 * and what a write returns. The on-disk shapes themselves live in the layout writers.
 */

/** `sqlite`: one database per agent (OpenClaw 2026.8+). `legacy`: JSONL transcripts (≤ 2026.6). */
export type WriterLayout = 'sqlite' | 'legacy'

/**
 * What one model attempt ended with.
 * - `ok`: the model answered.
 * - `rate_limit`: HTTP 429; puts the auth profile in cooldown for that model.
 * - `timeout`: the idle timeout fired (no HTTP status; OpenClaw logs 408). Not written to auth state.
 * - `auth`: HTTP 401; puts the auth profile in cooldown.
 * - `billing`: HTTP 402; disables the auth profile (`disabledUntil`).
 * - `overloaded`: HTTP 529; short cooldown.
 * - `cooldown_skip`: OpenClaw did not call the model because its profile was cooling down or
 *   disabled; only the log records it.
 */
export type AttemptOutcome = 'ok' | 'rate_limit' | 'timeout' | 'auth' | 'billing' | 'overloaded' | 'cooldown_skip'

export interface ModelChain {
  primary: string
  fallbacks: string[]
}

export interface AgentSpec {
  id: string
  /** Display name; any script (e.g. `客服机器人`). Default is the id. */
  name?: string
  /** Per-agent chain; without it the agent follows `agents.defaults.model`. */
  model?: ModelChain
}

/**
 * How a provider authenticates.
 * - `profile`: a stored auth profile `<provider>:default` (secret in `auth_profile_store` /
 *   `auth-profiles.json`); its usage stats are written in both layouts.
 * - `inline`: the provider's `apiKey` in `openclaw.json`; usage stats are recorded under
 *   `inline-api-key:<provider>` by the SQLite layout only, as the real releases do.
 */
export type ProviderAuth = 'profile' | 'inline'

export interface ProviderSpec {
  id: string
  /** Default is `profile`. */
  auth?: ProviderAuth
  /** Price per million tokens. Default is `{ input: 1, output: 2 }`. */
  cost?: { input: number; output: number }
}

export interface AttemptSpec {
  /** `provider/model`. */
  model: string
  outcome: AttemptOutcome
  /**
   * The profile was cooling down and OpenClaw probed it anyway: a `probe_cooldown_candidate`
   * log line precedes the attempt. Default is false.
   */
  probe?: boolean
  /** Cooldown (or, for `billing`, disable window) this failure starts. Defaults per outcome. */
  cooldownMs?: number
  /** How long the attempt took. Defaults per outcome, drawn from the writer's random source. */
  durationMs?: number
}

export interface TokenUsage {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

export interface TurnSpec {
  attempts: AttemptSpec[]
  /** The user's message. Default is a generated sentence. */
  prompt?: string
  /** The answer, when an attempt succeeds. Default is a generated paragraph. */
  reply?: string
  /** When the turn started, epoch ms. Default: chosen so that the turn ends at the writer's `now()`. */
  startAt?: number
  /** Start a new session (conversation) before this turn. Default is false. */
  newSession?: boolean
  /** Token usage of the answer. Default is drawn at random. */
  usage?: Partial<TokenUsage>
}

export interface TurnResult {
  agentId: string
  sessionId: string
  runId: string
  startedAt: number
  endedAt: number
  /** `provider/model` that answered, or null when every attempt failed. */
  answeredBy: string | null
  transcriptEvents: number
  trajectoryEvents: number
  logLines: number
  /** Bytes appended to transcripts (JSONL) or stored as transcript/trajectory JSON (SQLite). */
  bytesWritten: number
  /** `performance.now()` right after the transcript write (or the transaction) returned. */
  committedAt: number
}

/** Per-profile usage stats, as OpenClaw keeps them (`usageStats.<profileId>`). */
export interface UsageStats {
  lastUsed?: number
  cooldownUntil?: number
  cooldownReason?: string
  cooldownModel?: string
  disabledUntil?: number
  disabledReason?: string
  errorCount?: number
  failureCounts?: Record<string, number>
  lastFailureAt?: number
}

export interface AgentInfo {
  id: string
  name: string
  chain: ModelChain
  sessionId: string | null
  /** When the agent's last turn ended, epoch ms; null before its first turn. */
  lastTurnAt: number | null
}
