/**
 * What Switchboard knows about one conversation (one session of one agent), as the readers extract
 * it from wherever the agent runtime keeps it. Plain data: the status rules and the API view are
 * pure functions of these facts and the time.
 */
import type { RunOutcome } from '../../shared/conversations.js'
import type { FailureReason, TokenTotals } from '../../shared/model-status.js'

/** One model attempt within a run. */
export interface RunAttemptFact {
  /** `provider/model`. */
  model: string
  /** Epoch ms. */
  at: number
  /** `started`: the attempt began (no outcome yet at that point). */
  outcome: 'started' | 'succeeded' | 'failed' | 'aborted'
  reason: FailureReason | null
  httpStatus: number | null
  message: string | null
}

/** One run (a user turn, a cron turn…): from its prompt to its answer or its last failure. */
export interface RunFact {
  runId: string | null
  /** Epoch ms of its first record. */
  startedAt: number
  /** Epoch ms of its last record (any kind: attempts, tool results, bookkeeping). */
  lastEventAt: number
  /** When the data says it ended; null while it does not say so. */
  endedAt: number | null
  /** How it ended; null while open. */
  outcome: RunOutcome | null
  /** Why it failed when OpenClaw says (`timeout`…), null otherwise. */
  endReason: string | null
  /**
   * `trajectory`: OpenClaw writes this run's start and end itself (`session.started` /
   * `session.ended`), so an open run is an observation. `transcript`: the run is delimited from
   * the conversation alone, so its end is deduced from its last answer.
   */
  lifecycle: 'trajectory' | 'transcript'
  /** Oldest first. */
  attempts: RunAttemptFact[]
  /** `provider/model` of the last answer, if any. */
  answeredBy: string | null
  /** Tokens of the run's answers (all kinds together) and what they cost. */
  tokens: number
  costUsd: number
}

export type ArchiveReason = 'archived' | 'deleted' | 'reset' | 'superseded' | 'detached'

/** OpenClaw's own run status of a session (`session_windows.status`, `session_nodes.status`). */
export type ObservedRunStatus = 'running' | 'done' | 'failed' | 'killed' | 'timeout'

export interface ConversationFacts {
  source: 'openclaw'
  agentId: string
  sessionId: string
  sessionKey: string | null
  /** Where the session was read: the per-agent database or the legacy JSONL files. */
  layout: 'sqlite' | 'legacy'
  /** A label or display name given to the session, if any. */
  label: string | null
  /** Text of the first user message (for a title when there is no label). */
  firstUserText: string | null
  trigger: string | null
  /** Epoch ms; null when unknown. */
  createdAt: number | null
  /** Update time the session index records; null when there is no index entry. */
  indexUpdatedAt: number | null
  /** Epoch ms of the last record of the session (transcript or trajectory). */
  lastActivityAt: number | null
  /** Messages on the active branch; null when the transcript could not be read. */
  messageCount: number | null
  /** Totals over every answer in the transcript. */
  tokens: TokenTotals
  costUsd: number
  /** `provider/model` the session index records (last answering model), if any. */
  indexModel: string | null
  /** Oldest first: the last `MAX_KEPT_RUNS` of them. */
  runs: RunFact[]
  /** Every run the session had, kept or not. Default is `runs.length`. */
  runCount?: number
  archive: { reason: ArchiveReason; at: number | null } | null
  observed: {
    status: ObservedRunStatus | null
    startedAt: number | null
    endedAt: number | null
    /** The index says the last run was aborted. */
    abortedLastRun: boolean
  }
}

/**
 * Runs kept per conversation. Older ones count in `runCount`, tokens and cost but their detail is
 * let go: a session with years of turns must not hold them all in memory.
 */
export const MAX_KEPT_RUNS = 30

export function emptyTokens(): TokenTotals {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 }
}

/** The model that answered last: the last answer in the runs, else the index's model. */
export function currentModelOf(facts: Pick<ConversationFacts, 'runs' | 'indexModel'>): string | null {
  for (let i = facts.runs.length - 1; i >= 0; i--) {
    const answered = facts.runs[i]!.answeredBy
    if (answered !== null) return answered
  }
  return facts.indexModel
}
