import { describe, expect, it } from 'vitest'
import { CONVERSATION_STATUSES, canTransition, type ConversationStatus } from '../../shared/conversations.js'
import type { RunAttemptFact, RunFact } from './conversation-facts.js'
import {
  DEFAULT_FAILOVER_SETTLE_MS,
  DEFAULT_RUN_LOST_AFTER_MS,
  judgeConversation,
  nextStatusChangeAt,
  planTransition,
  type ConversationStatusFacts,
} from './conversation-status.rules.js'

const T0 = 1_795_344_000_000
const PRIMARY = 'mock/mock-primary'
const FALLBACK = 'backup/mock-fallback'

function attempt(model: string, at: number, outcome: RunAttemptFact['outcome']): RunAttemptFact {
  return { model, at, outcome, reason: outcome === 'failed' ? 'rate_limit' : null, httpStatus: outcome === 'failed' ? 429 : null, message: null }
}

function run(startedAt: number, attempts: RunAttemptFact[], end: Partial<Pick<RunFact, 'endedAt' | 'outcome' | 'endReason' | 'lifecycle'>> = {}): RunFact {
  const lastEventAt = Math.max(startedAt, ...attempts.map((a) => a.at), end.endedAt ?? 0)
  const answered = [...attempts].reverse().find((a) => a.outcome === 'succeeded')
  return {
    runId: null,
    startedAt,
    lastEventAt,
    endedAt: end.endedAt ?? null,
    outcome: end.outcome ?? null,
    endReason: end.endReason ?? null,
    lifecycle: end.lifecycle ?? 'transcript',
    attempts,
    answeredBy: answered?.model ?? null,
    tokens: 0,
    costUsd: 0,
  }
}

/** A run that answered on the fallback after the primary failed. */
const answered = (at: number, lifecycle: RunFact['lifecycle'] = 'transcript'): RunFact =>
  run(at, [attempt(PRIMARY, at + 100, 'failed'), attempt(FALLBACK, at + 200, 'succeeded')], { endedAt: at + 200, outcome: 'succeeded', lifecycle })

function facts(runs: RunFact[], over: Partial<ConversationStatusFacts> = {}): ConversationStatusFacts {
  return {
    createdAt: T0,
    indexUpdatedAt: null,
    lastActivityAt: runs.length > 0 ? Math.max(...runs.map((r) => r.lastEventAt)) : T0,
    runs,
    archive: null,
    observed: { status: null, startedAt: null, endedAt: null, abortedLastRun: false },
    ...over,
  }
}

describe('conversation status rules', () => {
  it('a session with no run is STARTING until the run budget passes, then STOPPED', () => {
    const f = facts([])
    expect(judgeConversation(f, T0 + 1000)).toEqual({ status: 'STARTING', runtimeStatus: 'STARTING', reason: 'session_created', inferred: true })
    expect(nextStatusChangeAt(f, T0 + 1000)).toBe(T0 + DEFAULT_RUN_LOST_AFTER_MS)
    expect(judgeConversation(f, T0 + DEFAULT_RUN_LOST_AFTER_MS)).toEqual({ status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'never_started', inferred: true })
    expect(nextStatusChangeAt(f, T0 + DEFAULT_RUN_LOST_AFTER_MS)).toBeNull()
  })

  it('the first run in progress is STARTING; once a run has ended, the next one is RUNNING', () => {
    const first = run(T0, [attempt(PRIMARY, T0, 'started')])
    expect(judgeConversation(facts([first]), T0 + 5000)).toEqual({ status: 'STARTING', runtimeStatus: 'RUNNING', reason: 'first_run_in_progress', inferred: true })
    const second = run(T0 + 60_000, [attempt(PRIMARY, T0 + 60_000, 'started')], { lifecycle: 'trajectory' })
    expect(judgeConversation(facts([answered(T0), second]), T0 + 65_000)).toEqual({
      status: 'RUNNING',
      runtimeStatus: 'RUNNING',
      reason: 'run_in_progress',
      inferred: false,
    })
  })

  it('a failed candidate with the next one started is falling back, however long the next one takes', () => {
    const r = run(T0, [attempt(PRIMARY, T0, 'started'), attempt(PRIMARY, T0 + 100, 'failed'), attempt(FALLBACK, T0 + 200, 'started')])
    const f = facts([answered(T0 - 60_000), r])
    expect(judgeConversation(f, T0 + 5 * 60_000)).toEqual({ status: 'RUNNING', runtimeStatus: 'FALLING_BACK', reason: 'falling_back', inferred: true })
    expect(nextStatusChangeAt(f, T0 + 1000)).toBe(T0 + 200 + DEFAULT_RUN_LOST_AFTER_MS)
  })

  it('a failed last attempt with nothing after it settles into ERROR after 3 minutes of silence', () => {
    const r = run(T0, [attempt(PRIMARY, T0, 'started'), attempt(PRIMARY, T0 + 100, 'failed')])
    const f = facts([answered(T0 - 60_000), r])
    expect(judgeConversation(f, T0 + 100 + DEFAULT_FAILOVER_SETTLE_MS - 1).reason).toBe('falling_back')
    expect(nextStatusChangeAt(f, T0 + 1000)).toBe(T0 + 100 + DEFAULT_FAILOVER_SETTLE_MS)
    expect(judgeConversation(f, T0 + 100 + DEFAULT_FAILOVER_SETTLE_MS)).toEqual({
      status: 'ERROR',
      runtimeStatus: 'ERROR',
      reason: 'all_candidates_failed',
      inferred: true,
    })
    expect(judgeConversation(f, T0 + 100 + 30_000, { failoverSettleMs: 30_000 }).status).toBe('ERROR')
  })

  it('a run silent for 11 minutes is lost', () => {
    const r = run(T0, [attempt(PRIMARY, T0, 'started')])
    const f = facts([answered(T0 - 60_000), r])
    expect(judgeConversation(f, T0 + DEFAULT_RUN_LOST_AFTER_MS - 1).status).toBe('RUNNING')
    expect(judgeConversation(f, T0 + DEFAULT_RUN_LOST_AFTER_MS)).toEqual({ status: 'ERROR', runtimeStatus: 'LOST', reason: 'run_lost', inferred: true })
    expect(judgeConversation(f, T0 + 60_000, { runLostAfterMs: 60_000 }).reason).toBe('run_lost')
    expect(nextStatusChangeAt(f, T0 + DEFAULT_RUN_LOST_AFTER_MS)).toBeNull()
  })

  it('the last run ended: answered → STOPPED idle, failed → ERROR, aborted → STOPPED', () => {
    expect(judgeConversation(facts([answered(T0, 'trajectory')]), T0 + 1000)).toEqual({ status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'idle', inferred: false })
    const allFailed = run(T0, [attempt(PRIMARY, T0 + 100, 'failed'), attempt(FALLBACK, T0 + 200, 'failed')], {
      endedAt: T0 + 300,
      outcome: 'failed',
      lifecycle: 'trajectory',
    })
    expect(judgeConversation(facts([allFailed]), T0 + 1000)).toEqual({ status: 'ERROR', runtimeStatus: 'ERROR', reason: 'all_candidates_failed', inferred: false })
    const timedOut = { ...allFailed, endReason: 'timeout' }
    expect(judgeConversation(facts([timedOut]), T0 + 1000).reason).toBe('run_timed_out')
    // It answered with a tool call, then the follow-up call failed: not every candidate failed.
    const partly = run(T0, [attempt(FALLBACK, T0 + 100, 'succeeded'), attempt(FALLBACK, T0 + 200, 'failed')], { endedAt: T0 + 300, outcome: 'failed' })
    expect(judgeConversation(facts([partly]), T0 + 1000)).toEqual({ status: 'ERROR', runtimeStatus: 'ERROR', reason: 'run_failed', inferred: true })
    const aborted = run(T0, [attempt(PRIMARY, T0 + 100, 'aborted')], { endedAt: T0 + 150, outcome: 'aborted', lifecycle: 'trajectory' })
    expect(judgeConversation(facts([aborted]), T0 + 1000)).toEqual({ status: 'STOPPED', runtimeStatus: 'ABORTED', reason: 'run_aborted', inferred: false })
    // ERROR stays until something new happens.
    expect(judgeConversation(facts([allFailed]), T0 + 86_400_000).status).toBe('ERROR')
    expect(nextStatusChangeAt(facts([allFailed]), T0 + 1000)).toBeNull()
  })

  it("OpenClaw's own status: running opens a run, timeout says how the last one ended", () => {
    const f = facts([answered(T0)], { observed: { status: 'running', startedAt: T0 + 10_000, endedAt: null, abortedLastRun: false } })
    expect(judgeConversation(f, T0 + 12_000)).toEqual({ status: 'RUNNING', runtimeStatus: 'RUNNING', reason: 'run_in_progress', inferred: false })
    const fresh = facts([], { observed: { status: 'running', startedAt: T0 + 10_000, endedAt: null, abortedLastRun: false } })
    expect(judgeConversation(fresh, T0 + 12_000)).toEqual({ status: 'STARTING', runtimeStatus: 'RUNNING', reason: 'first_run_in_progress', inferred: false })
    // A `running` older than the end we saw is stale.
    const stale = facts([answered(T0 + 20_000)], { observed: { status: 'running', startedAt: T0 + 10_000, endedAt: null, abortedLastRun: false } })
    expect(judgeConversation(stale, T0 + 30_000).reason).toBe('idle')
    const failed = run(T0, [attempt(PRIMARY, T0 + 100, 'failed')], { endedAt: T0 + 200, outcome: 'failed' })
    expect(judgeConversation(facts([failed], { observed: { status: 'timeout', startedAt: T0, endedAt: T0 + 200, abortedLastRun: false } }), T0 + 1000).reason).toBe(
      'run_timed_out',
    )
  })

  it('abortedLastRun speaks of an open run only when the index was written after it began', () => {
    const open = run(T0, [attempt(PRIMARY, T0, 'started')])
    const aborted = { status: null, startedAt: null, endedAt: null, abortedLastRun: true }
    expect(judgeConversation(facts([answered(T0 - 60_000), open], { observed: aborted, indexUpdatedAt: T0 + 500 }), T0 + 1000)).toEqual({
      status: 'STOPPED',
      runtimeStatus: 'ABORTED',
      reason: 'run_aborted',
      inferred: false,
    })
    expect(judgeConversation(facts([answered(T0 - 60_000), open], { observed: aborted, indexUpdatedAt: T0 - 1 }), T0 + 1000).reason).toBe('run_in_progress')
    // A run whose end the data shows is judged by that end.
    expect(judgeConversation(facts([answered(T0)], { observed: aborted, indexUpdatedAt: T0 + 500 }), T0 + 1000).reason).toBe('idle')
    expect(judgeConversation(facts([], { observed: aborted }), T0 + 1000).reason).toBe('run_aborted')
  })

  it('archive wins over everything, and only `detached` is inferred', () => {
    const open = run(T0, [attempt(PRIMARY, T0, 'started')])
    for (const reason of ['archived', 'deleted', 'reset', 'superseded'] as const) {
      expect(judgeConversation(facts([open], { archive: { reason, at: T0 } }), T0 + 1000)).toEqual({
        status: 'ARCHIVED',
        runtimeStatus: 'ARCHIVED',
        reason,
        inferred: false,
      })
    }
    expect(judgeConversation(facts([], { archive: { reason: 'detached', at: null } }), T0).inferred).toBe(true)
    expect(nextStatusChangeAt(facts([open], { archive: { reason: 'archived', at: T0 } }), T0)).toBeNull()
  })
})

describe('transitions along the seed table', () => {
  it('allowed edges are taken directly; the first status needs no edge', () => {
    expect(planTransition(null, 'RUNNING')).toEqual({ path: ['RUNNING'], forced: false })
    expect(planTransition('RUNNING', 'RUNNING')).toEqual({ path: [], forced: false })
    expect(planTransition('STARTING', 'RUNNING')).toEqual({ path: ['RUNNING'], forced: false })
    expect(planTransition('ERROR', 'STOPPED')).toEqual({ path: ['STOPPED'], forced: false })
    expect(planTransition('STOPPED', 'ARCHIVED')).toEqual({ path: ['ARCHIVED'], forced: false })
  })

  it('a jump the table does not allow goes through the shortest path of allowed edges', () => {
    expect(planTransition('STARTING', 'STOPPED').path).toEqual(['RUNNING', 'STOPPED'])
    expect(planTransition('STARTING', 'ERROR').path).toEqual(['RUNNING', 'ERROR'])
    expect(planTransition('ERROR', 'RUNNING').path).toEqual(['STOPPED', 'RUNNING'])
    expect(planTransition('STOPPED', 'ERROR').path).toEqual(['RUNNING', 'ERROR'])
    expect(planTransition('RUNNING', 'ARCHIVED').path).toEqual(['STOPPED', 'ARCHIVED'])
    expect(planTransition('ERROR', 'ARCHIVED').path).toEqual(['STOPPED', 'ARCHIVED'])
    expect(planTransition('STARTING', 'ARCHIVED').path).toEqual(['RUNNING', 'STOPPED', 'ARCHIVED'])
  })

  it('every step of every plan is an allowed edge; only leaving ARCHIVED is forced', () => {
    for (const from of CONVERSATION_STATUSES) {
      for (const to of CONVERSATION_STATUSES) {
        const plan = planTransition(from, to)
        if (from === 'ARCHIVED' && to !== 'ARCHIVED') {
          expect(plan).toEqual({ path: [to], forced: true })
          continue
        }
        expect(plan.forced).toBe(false)
        let at: ConversationStatus = from
        for (const step of plan.path) {
          expect(canTransition(at, step)).toBe(true)
          at = step
        }
        expect(at).toBe(to)
      }
    }
  })
})
