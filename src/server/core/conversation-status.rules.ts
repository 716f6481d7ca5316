/**
 * Conversation status rules (seed 001): pure functions of one session's facts and the time. No I/O
 * and no clock of their own — tests pin `now`.
 *
 * The rules, first match wins:
 *
 * 1. ARCHIVED — the session was archived (`session_nodes.archived_at`), its transcript was archived
 *    on delete or reset (`session_transcript_archives`, `<id>.jsonl.deleted.*` / `.reset.*`), its
 *    session key moved on to a newer session (`superseded`), or the session index no longer
 *    references it (`detached`, inferred). Runtime `ARCHIVED`.
 * 2. The index says the last run was aborted (`abortedLastRun`), written after the open run (or
 *    there is no run at all) began → STOPPED `run_aborted`, runtime `ABORTED`. A run whose end the
 *    data shows is judged by rule 5 instead.
 * 3. A run is open (begun, its end not written), or OpenClaw says a run is `running`:
 *    a. its last attempt failed, nothing was tried after it, and it has been silent for
 *       `failoverSettleMs` (3 min: longer than OpenClaw's idle timeout plus its retry backoff, so
 *       the next candidate would have started by now) → ERROR `all_candidates_failed`, runtime
 *       `ERROR`, inferred: the chain stopped without an answer and without writing an end;
 *    b. it has been silent for `runLostAfterMs` (11 min: OpenClaw's default run budget of 600 s
 *       plus a minute of grace — a live run writes at least every model call and tool result)
 *       → ERROR `run_lost`, runtime `LOST`, inferred;
 *    c. no earlier run of the session has ended → STARTING `first_run_in_progress`;
 *    d. otherwise → RUNNING, `falling_back` (runtime `FALLING_BACK`) when a candidate failed in
 *       this run and nothing answered since, else `run_in_progress` (runtime `RUNNING`).
 *    In c and d the runtime is `RUNNING` / `FALLING_BACK`; the status is observed when OpenClaw
 *    writes the run's lifecycle (trajectories, `status = running`), inferred otherwise.
 * 4. No run at all: STARTING `session_created` while the session is younger than
 *    `runLostAfterMs`, then STOPPED `never_started` (runtime `IDLE`).
 * 5. The last run ended:
 *    - failed → ERROR: `run_timed_out` when OpenClaw says it timed out, `all_candidates_failed`
 *      when every attempt it made failed, `run_failed` otherwise; runtime `ERROR`. ERROR stays
 *      until the next run or an archive (the seed leaves ERROR only by a reset to STOPPED);
 *    - aborted → STOPPED `run_aborted`, runtime `ABORTED`;
 *    - answered → STOPPED `idle`, runtime `IDLE`.
 *
 * Transitions follow the seed's table (`CONVERSATION_TRANSITIONS`). When the data jumps an edge the
 * table does not allow (two polls apart a session was created, ran and answered: STARTING →
 * STOPPED), `planTransition` walks the shortest path of allowed edges (STARTING → RUNNING →
 * STOPPED) and the intermediate steps are emitted as `inferred`. Leaving ARCHIVED has no allowed
 * edge at all (OpenClaw can unarchive a session): that change is accepted as it is and reported as
 * `forced`, for the caller to log once.
 */
import {
  CONVERSATION_TRANSITIONS,
  type ConversationStatus,
  type ConversationStatusReason,
  type RuntimeStatus,
} from '../../shared/conversations.js'
import type { ConversationFacts, RunAttemptFact, RunFact } from './conversation-facts.js'

export interface ConversationStatusOptions {
  /**
   * Silence after a failed attempt from which an open run counts as failed on every candidate.
   * Default is 180000 (3 minutes).
   */
  failoverSettleMs?: number
  /** Silence from which an open run counts as lost. Default is 660000 (11 minutes). */
  runLostAfterMs?: number
}

export const DEFAULT_FAILOVER_SETTLE_MS = 3 * 60_000
export const DEFAULT_RUN_LOST_AFTER_MS = 11 * 60_000

export type ConversationStatusFacts = Pick<
  ConversationFacts,
  'createdAt' | 'indexUpdatedAt' | 'lastActivityAt' | 'runs' | 'archive' | 'observed'
>

export interface ConversationJudgement {
  status: ConversationStatus
  runtimeStatus: RuntimeStatus
  reason: ConversationStatusReason
  /** True when deduced by Switchboard rather than written down by the agent runtime. */
  inferred: boolean
}

interface Thresholds {
  settle: number
  lost: number
}

function thresholds(options: ConversationStatusOptions): Thresholds {
  return {
    settle: options.failoverSettleMs ?? DEFAULT_FAILOVER_SETTLE_MS,
    lost: options.runLostAfterMs ?? DEFAULT_RUN_LOST_AFTER_MS,
  }
}

const judged = (
  status: ConversationStatus,
  runtimeStatus: RuntimeStatus,
  reason: ConversationStatusReason,
  inferred: boolean,
): ConversationJudgement => ({ status, runtimeStatus, reason, inferred })

function lastOf<T>(list: readonly T[]): T | undefined {
  return list[list.length - 1]
}

/** The last attempt with an outcome, and whether another attempt started after it. */
function lastOutcome(attempts: readonly RunAttemptFact[]): { attempt: RunAttemptFact | null; startedAfter: boolean } {
  for (let i = attempts.length - 1; i >= 0; i--) {
    const a = attempts[i]!
    if (a.outcome !== 'started') return { attempt: a, startedAfter: i < attempts.length - 1 }
  }
  return { attempt: null, startedAfter: attempts.length > 0 }
}

/**
 * The run in progress, if any: the last run when it has no end, or — when OpenClaw says a run is
 * `running` after everything we saw end — a run known only from that status.
 */
function openRun(facts: ConversationStatusFacts): RunFact | null {
  const last = lastOf(facts.runs)
  if (last && last.outcome === null) return last
  const o = facts.observed
  if (o.status !== 'running' || o.endedAt !== null) return null
  const startedAt = o.startedAt ?? facts.lastActivityAt
  if (startedAt === null) return null
  if (last && last.endedAt !== null && startedAt <= last.endedAt) return null
  return {
    runId: null,
    startedAt,
    lastEventAt: Math.max(startedAt, facts.lastActivityAt ?? startedAt),
    endedAt: null,
    outcome: null,
    endReason: null,
    lifecycle: 'trajectory',
    attempts: [],
    answeredBy: null,
    tokens: 0,
    costUsd: 0,
  }
}

/** `abortedLastRun` speaks of the open run only when the index was written after that run began. */
function abortedPerIndex(facts: ConversationStatusFacts, run: RunFact | null): boolean {
  if (!facts.observed.abortedLastRun) return false
  if (run === null) return facts.runs.length === 0
  return facts.indexUpdatedAt !== null && facts.indexUpdatedAt >= run.startedAt
}

function everyAttemptFailed(run: RunFact): boolean {
  const done = run.attempts.filter((a) => a.outcome !== 'started')
  return done.length > 0 && done.every((a) => a.outcome !== 'succeeded')
}

export function judgeConversation(
  facts: ConversationStatusFacts,
  now: number,
  options: ConversationStatusOptions = {},
): ConversationJudgement {
  const t = thresholds(options)

  // 1. Archived, deleted, reset, superseded or detached.
  if (facts.archive !== null) return judged('ARCHIVED', 'ARCHIVED', facts.archive.reason, facts.archive.reason === 'detached')

  const run = openRun(facts)
  const last = lastOf(facts.runs)

  // 2. The index says the last run was aborted.
  if (abortedPerIndex(facts, run)) return judged('STOPPED', 'ABORTED', 'run_aborted', false)

  // 3. A run in progress.
  if (run !== null) {
    const silent = now - run.lastEventAt
    const { attempt, startedAfter } = lastOutcome(run.attempts)
    const failedLast = attempt !== null && attempt.outcome !== 'succeeded' && !startedAfter
    if (failedLast && silent >= t.settle) return judged('ERROR', 'ERROR', 'all_candidates_failed', true)
    if (silent >= t.lost) return judged('ERROR', 'LOST', 'run_lost', true)
    const inferred = !(run.lifecycle === 'trajectory' || facts.observed.status === 'running')
    const fallingBack = attempt !== null && attempt.outcome !== 'succeeded'
    const runtime: RuntimeStatus = fallingBack ? 'FALLING_BACK' : 'RUNNING'
    const anyEnded = facts.runs.some((r) => r !== run && r.outcome !== null)
    if (!anyEnded) return judged('STARTING', runtime, 'first_run_in_progress', inferred)
    return judged('RUNNING', runtime, fallingBack ? 'falling_back' : 'run_in_progress', inferred)
  }

  // 4. No run yet.
  if (last === undefined) {
    const since = facts.createdAt ?? facts.lastActivityAt
    if (since !== null && now - since < t.lost) return judged('STARTING', 'STARTING', 'session_created', true)
    return judged('STOPPED', 'IDLE', 'never_started', true)
  }

  // 5. The last run ended.
  const inferred = last.lifecycle !== 'trajectory'
  switch (last.outcome) {
    case 'failed': {
      if (last.endReason === 'timeout' || facts.observed.status === 'timeout') return judged('ERROR', 'ERROR', 'run_timed_out', inferred)
      return judged('ERROR', 'ERROR', everyAttemptFailed(last) ? 'all_candidates_failed' : 'run_failed', inferred)
    }
    case 'aborted':
      return judged('STOPPED', 'ABORTED', 'run_aborted', inferred)
    case 'succeeded':
    case null:
      return judged('STOPPED', 'IDLE', 'idle', inferred)
  }
}

/**
 * When the judgement would change by the passage of time alone (a run going silent, a new session
 * never starting); null when only new data can change it. Lets the caller set one timer instead of
 * re-judging on a period.
 */
export function nextStatusChangeAt(facts: ConversationStatusFacts, now: number, options: ConversationStatusOptions = {}): number | null {
  const t = thresholds(options)
  if (facts.archive !== null) return null
  const run = openRun(facts)
  if (abortedPerIndex(facts, run)) return null
  const candidates: number[] = []
  if (run !== null) {
    const { attempt, startedAfter } = lastOutcome(run.attempts)
    if (attempt !== null && attempt.outcome !== 'succeeded' && !startedAfter) candidates.push(run.lastEventAt + t.settle)
    candidates.push(run.lastEventAt + t.lost)
  } else if (facts.runs.length === 0) {
    const since = facts.createdAt ?? facts.lastActivityAt
    if (since !== null) candidates.push(since + t.lost)
  }
  const future = candidates.filter((at) => at > now)
  return future.length > 0 ? Math.min(...future) : null
}

export interface TransitionPlan {
  /**
   * The statuses to go through after `prev`, in order, ending with `next`; empty when nothing
   * changes. Every step but the last is an intermediate step the data skipped.
   */
  path: ConversationStatus[]
  /** True when the table has no path at all and `next` is taken as it is (leaving ARCHIVED). */
  forced: boolean
}

/** The shortest walk from `prev` to `next` along the seed's allowed transitions. */
export function planTransition(prev: ConversationStatus | null, next: ConversationStatus): TransitionPlan {
  if (prev === null) return { path: [next], forced: false }
  if (prev === next) return { path: [], forced: false }
  const cameFrom = new Map<ConversationStatus, ConversationStatus>()
  const queue: ConversationStatus[] = [prev]
  const seen = new Set<ConversationStatus>([prev])
  while (queue.length > 0) {
    const at = queue.shift()!
    for (const to of CONVERSATION_TRANSITIONS[at]) {
      if (seen.has(to)) continue
      seen.add(to)
      cameFrom.set(to, at)
      if (to === next) {
        const path: ConversationStatus[] = [next]
        let step = at
        while (step !== prev) {
          path.unshift(step)
          step = cameFrom.get(step)!
        }
        return { path, forced: false }
      }
      queue.push(to)
    }
  }
  return { path: [next], forced: true }
}
