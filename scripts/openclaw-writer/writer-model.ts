/**
 * What the writer knows about the install it writes, shared by both layouts. The layouts own
 * their on-disk cursors (sequence numbers, open handles); everything here is layout-neutral.
 */
import type { SeededRandom } from './seeded-random.js'
import type { TurnPlan } from './turn-plan.js'
import type { AgentSpec, ModelChain, ProviderAuth, UsageStats, WriterLayout } from './types.js'

export interface ProviderRecord {
  id: string
  auth: ProviderAuth
  cost: { input: number; output: number }
  /** Model ids (without provider) listed under `models.providers.<id>.models`. */
  models: string[]
}

export interface WriterConfig {
  defaults: ModelChain
  providers: Map<string, ProviderRecord>
  /** In the order they appear in `openclaw.json`. */
  agents: AgentRecord[]
  gatewayToken: string
  logFile: string | null
}

/** A message kept for the next attempts' `context.compiled` / `prompt.submitted` history. */
export type HistoryMessage = Record<string, unknown>

export interface AgentRecord {
  spec: AgentSpec
  id: string
  name: string
  /** The chain in force: the agent's own, or the defaults. */
  chain: ModelChain
  sessionId: string | null
  sessionStartedAt: number
  /** Id of the last transcript entry: the parent of the next one. */
  lastEntryId: string | null
  /** `provider/model` of the last `model-snapshot`; a new one is written only on change. */
  lastSnapshotRef: string | null
  /** Cumulative cost of the current session (sessions.json `estimatedCostUsd`). */
  sessionCostUsd: number
  /** End of the last turn written; the next one starts after it. */
  lastTurnEndAt: number
  usage: Map<string, UsageStats>
  history: HistoryMessage[]
}

/** What a layout reports about one turn it wrote. */
export interface LayoutTurnWrite {
  transcriptEvents: number
  trajectoryEvents: number
  bytes: number
  committedAt: number
}

export interface TurnWriteContext {
  plan: TurnPlan
  /** Run id as this release writes it. */
  runId: string
  /** True when the turn changed auth usage stats, so the auth state must be written too. */
  authChanged: boolean
}

/**
 * One on-disk layout. Registered by kind in the writer; each implementation writes the files
 * and rows its OpenClaw release writes, with the shapes the fixtures show.
 */
export interface LayoutWriter {
  readonly layout: WriterLayout
  writeConfig(config: WriterConfig, at: number): void
  createAgent(agent: AgentRecord, at: number): void
  startSession(agent: AgentRecord, at: number, previousSessionId: string | null): void
  writeTurn(agent: AgentRecord, ctx: TurnWriteContext): LayoutTurnWrite
  writeAuthState(agent: AgentRecord, at: number): void
  /** Restores an existing agent's session cursor and auth state from disk. */
  loadAgent(agent: AgentRecord): void
  /** Writes anything deferred (session indexes, database sizes). */
  flush(): void
  close(): void
}

export interface LayoutContext {
  stateDir: string
  random: SeededRandom
  config: WriterConfig
  /** Rewrite whole files (`sessions.json`, `auth-state.json`) only on flush. */
  deferRewrites: boolean
  maxOpenDatabases: number
  now: () => number
  profileFor(modelRef: string): string
  apiFor(provider: string): string
}

export type LayoutFactory = (ctx: LayoutContext) => LayoutWriter

export const sessionKeyOf = (agentId: string): string => `agent:${agentId}:main`

/** Points an agent at a fresh session: what both layouts do before writing its first entry. */
export function resetSession(agent: AgentRecord, sessionId: string, at: number): void {
  agent.sessionId = sessionId
  agent.sessionStartedAt = at
  agent.lastEntryId = null
  agent.lastSnapshotRef = null
  agent.sessionCostUsd = 0
  agent.history = []
}
