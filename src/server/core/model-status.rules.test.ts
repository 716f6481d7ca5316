import { describe, expect, it } from 'vitest'
import type { FailureReason } from '../../shared/model-status.js'
import { applyAttempt, applyAuthState, applyConfigured, applyDecision, applyModelChanged, createAgentFacts, type AgentFacts } from './agent-facts.js'
import { computeAgentStatus, deriveSwitches, mergeSwitchHistory, nextExpiry } from './model-status.rules.js'

const T0 = 1_795_344_000_000
const PRIMARY = 'mock/mock-primary'
const FALLBACK = 'backup/mock-fallback'

function agent(): AgentFacts {
  const f = createAgentFacts('main')
  applyConfigured(f, {
    kind: 'agent_configured',
    agentId: 'main',
    name: 'Main',
    config: { primary: PRIMARY, fallbacks: [FALLBACK] },
    stateDir: '/s',
    layout: 'sqlite',
    authProfiles: { 'mock:manual': { provider: 'mock', mode: 'api_key' } },
  })
  return f
}

let n = 0
function attempt(
  f: AgentFacts,
  model: string,
  at: number,
  outcome: 'started' | 'succeeded' | 'failed' | 'aborted',
  o: { reason?: FailureReason; turnStart?: boolean; session?: string; http?: number } = {},
): void {
  const [provider, m] = model.split('/') as [string, string]
  applyAttempt(f, {
    kind: 'model_attempt',
    agentId: f.agentId,
    sessionId: o.session ?? 's1',
    runId: null,
    eventId: `e${++n}`,
    source: 'transcript',
    provider,
    model: m,
    at,
    outcome,
    reason: o.reason ?? null,
    httpStatus: o.http ?? null,
    message: o.reason ? `${o.reason} happened` : null,
    usage: outcome === 'succeeded' ? { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, total: 15, costUsd: 0.01 } : null,
    turnStart: o.turnStart ?? false,
  })
}

/** One turn: the primary fails with `reason`, the fallback answers. */
function failoverTurn(f: AgentFacts, at: number, reason: FailureReason = 'rate_limit'): void {
  attempt(f, PRIMARY, at, 'started', { turnStart: true })
  attempt(f, PRIMARY, at + 100, 'failed', { reason, http: reason === 'rate_limit' ? 429 : undefined })
  attempt(f, FALLBACK, at + 200, 'started')
  attempt(f, FALLBACK, at + 300, 'succeeded')
}

const model = (f: AgentFacts, id: string, now: number) => computeAgentStatus(f, now).allModels.find((m) => m.modelId === id)!

describe('model status rules', () => {
  it('a model never used is healthy, and says so as an inference', () => {
    const f = agent()
    const s = computeAgentStatus(f, T0)
    expect(s.currentModel).toBeNull()
    expect(s.allModels.map((m) => [m.modelId, m.status, m.statusSource, m.role])).toEqual([
      [PRIMARY, 'healthy', 'inferred', 'primary'],
      [FALLBACK, 'healthy', 'inferred', 'fallback'],
    ])
  })

  it('a failover turn: the fallback answers, the primary is in error, one switch with the reason', () => {
    const f = agent()
    failoverTurn(f, T0)
    const s = computeAgentStatus(f, T0 + 1000)
    expect(s.currentModel?.modelId).toBe(FALLBACK)
    expect(s.currentModel?.status).toBe('healthy')
    const p = model(f, PRIMARY, T0 + 1000)
    expect(p.status).toBe('error')
    expect(p.statusSource).toBe('observed')
    expect(p.lastError).toMatchObject({ type: 'rate_limit', code: 429, timestamp: T0 + 100 })
    const switches = deriveSwitches(f)
    expect(switches).toHaveLength(1)
    expect(switches[0]).toMatchObject({ fromModel: PRIMARY, toModel: FALLBACK, reason: 'rate_limit', source: 'transcript', time: '10:40:00' })
    expect(s.currentModel?.tokens.total).toBe(15)
  })

  it('the log states the same switch: it is reported once, with the log reason and HTTP status', () => {
    const f = agent()
    failoverTurn(f, T0, 'timeout')
    applyDecision(f, {
      kind: 'fallback_decision',
      agentId: 'main',
      sessionId: 's1',
      runId: 'r1',
      eventId: 'log:1',
      at: T0 + 150,
      decision: 'candidate_failed',
      requested: PRIMARY,
      candidate: PRIMARY,
      next: FALLBACK,
      attempt: 1,
      reason: 'rate_limit',
      rawReason: 'rate_limit',
      httpStatus: 429,
      message: 'Rate limit reached',
    })
    const switches = deriveSwitches(f)
    expect(switches).toHaveLength(1)
    expect(switches[0]).toMatchObject({ source: 'log', reason: 'rate_limit', httpStatus: 429 })
    // The failure itself is counted once too, classified as the log classifies it.
    const p = model(f, PRIMARY, T0 + 1000)
    expect(p.failures).toBe(1)
    expect(p.lastError?.type).toBe('rate_limit')
  })

  it("OpenClaw's cooldown is an observed cooldown with its end, and it ends at cooldownUntil", () => {
    const f = agent()
    failoverTurn(f, T0)
    applyAuthState(f, {
      kind: 'auth_state',
      agentId: 'main',
      at: T0 + 400,
      profiles: { 'mock:manual': { cooldownUntil: T0 + 60_000, cooldownReason: 'rate_limit', cooldownModel: 'mock-primary', errorCount: 1 } },
    })
    const during = computeAgentStatus(f, T0 + 30_000)
    const p = during.allModels.find((m) => m.modelId === PRIMARY)!
    expect(p).toMatchObject({ status: 'cooldown', statusSource: 'observed', cooldownUntil: T0 + 60_000 })
    expect(during.authProfiles[0]).toMatchObject({ profileId: 'mock:manual', provider: 'mock', mode: 'api_key', status: 'cooldown' })
    expect(nextExpiry(during, T0 + 30_000)).toBe(T0 + 60_000)
    // After the cooldown the last thing known is the failure.
    expect(model(f, PRIMARY, T0 + 60_001).status).toBe('error')
  })

  it('a cooldown for another model of the same provider does not touch this one', () => {
    const f = agent()
    applyAuthState(f, {
      kind: 'auth_state',
      agentId: 'main',
      at: T0,
      profiles: { 'mock:manual': { cooldownUntil: T0 + 60_000, cooldownReason: 'rate_limit', cooldownModel: 'mock-other' } },
    })
    expect(model(f, PRIMARY, T0 + 1).status).toBe('healthy')
    // The profile itself is listed as cooling down until then: its end is a deadline all the same.
    const status = computeAgentStatus(f, T0 + 1)
    expect(status.authProfiles.find((p) => p.profileId === 'mock:manual')).toMatchObject({ status: 'cooldown' })
    expect(nextExpiry(status, T0 + 1)).toBe(T0 + 60_000)
  })

  it('a disabled auth profile disables its provider’s models', () => {
    const f = agent()
    applyAuthState(f, {
      kind: 'auth_state',
      agentId: 'main',
      at: T0,
      profiles: { 'mock:manual': { disabledUntil: T0 + 3_600_000, disabledReason: 'billing' } },
    })
    expect(model(f, PRIMARY, T0 + 1)).toMatchObject({ status: 'disabled', statusSource: 'observed', disabledReason: 'billing' })
  })

  it('seed rule 4: more than three rate limits within ten minutes → disabled, inferred', () => {
    const f = agent()
    for (let i = 0; i < 4; i++) failoverTurn(f, T0 + i * 60_000)
    expect(model(f, PRIMARY, T0 + 4 * 60_000)).toMatchObject({ status: 'disabled', statusSource: 'inferred' })
    // Ten minutes after the first of them, only three remain in the window.
    expect(model(f, PRIMARY, T0 + 10 * 60_000 + 101).status).not.toBe('disabled')
  })

  it('seed rule 4 counts consecutive rate limits: another failure in between ends the run', () => {
    const f = agent()
    failoverTurn(f, T0)
    failoverTurn(f, T0 + 60_000)
    failoverTurn(f, T0 + 120_000, 'timeout')
    failoverTurn(f, T0 + 180_000)
    failoverTurn(f, T0 + 240_000)
    expect(model(f, PRIMARY, T0 + 300_000)).toMatchObject({ status: 'error', statusReason: 'rate_limit' })
    failoverTurn(f, T0 + 300_000)
    failoverTurn(f, T0 + 360_000)
    expect(model(f, PRIMARY, T0 + 400_000)).toMatchObject({ status: 'disabled', statusReason: 'rate_limited_4x_in_10m' })
  })

  it('seed rule 4 ends when one rate limit too few is left in the window, and says when', () => {
    const f = agent()
    // Rate limits at 0, 1, 2 and 9 minutes (each 100 ms into its turn).
    for (const minute of [0, 1, 2, 9]) failoverTurn(f, T0 + minute * 60_000)
    const now = T0 + 9 * 60_000 + 1000
    const status = computeAgentStatus(f, now)
    const primary = status.allModels.find((m) => m.modelId === PRIMARY)!
    // The first leaves the window at 10 minutes; from then only three are in it.
    const end = T0 + 100 + 10 * 60_000
    expect(primary).toMatchObject({ status: 'disabled', statusSource: 'inferred', disabledUntil: end })
    expect(nextExpiry(status, now)).toBe(end)
    expect(model(f, PRIMARY, end - 1).status).toBe('disabled')
    expect(model(f, PRIMARY, end)).toMatchObject({ status: 'error', disabledUntil: null })
  })

  it('seed rule 5: the latest turn went straight past a failed primary → cooldown, inferred', () => {
    const f = agent()
    failoverTurn(f, T0)
    attempt(f, FALLBACK, T0 + 5000, 'started', { turnStart: true })
    attempt(f, FALLBACK, T0 + 5100, 'succeeded')
    expect(model(f, PRIMARY, T0 + 6000)).toMatchObject({ status: 'cooldown', statusSource: 'inferred', cooldownUntil: null })
  })

  it('back on the primary after a fallback is a recovery, and the primary is healthy again', () => {
    const f = agent()
    failoverTurn(f, T0)
    attempt(f, PRIMARY, T0 + 90_000, 'started', { turnStart: true })
    attempt(f, PRIMARY, T0 + 90_100, 'succeeded')
    const s = computeAgentStatus(f, T0 + 91_000)
    expect(s.currentModel?.modelId).toBe(PRIMARY)
    expect(s.currentModel?.status).toBe('healthy')
    const switches = deriveSwitches(f)
    expect(switches.map((x) => [x.fromModel, x.toModel, x.reason])).toEqual([
      [FALLBACK, PRIMARY, 'recovery'],
      [PRIMARY, FALLBACK, 'rate_limit'],
    ])
  })

  it('a turn whose whole chain failed, then a new turn on the primary: no switch back up the chain', () => {
    const f = agent()
    attempt(f, PRIMARY, T0, 'started')
    attempt(f, PRIMARY, T0 + 100, 'failed', { reason: 'rate_limit' })
    attempt(f, FALLBACK, T0 + 200, 'started')
    attempt(f, FALLBACK, T0 + 300, 'failed', { reason: 'auth' })
    // The next turn starts on the primary again; the parser could not mark it as a turn start.
    attempt(f, PRIMARY, T0 + 60_000, 'started')
    attempt(f, PRIMARY, T0 + 60_100, 'failed', { reason: 'rate_limit' })
    attempt(f, FALLBACK, T0 + 60_200, 'started')
    expect(deriveSwitches(f).map((x) => `${x.fromModel}>${x.toModel}`)).toEqual([`${PRIMARY}>${FALLBACK}`, `${PRIMARY}>${FALLBACK}`])
  })

  it('a /model change between turns is a manual switch', () => {
    const f = agent()
    attempt(f, PRIMARY, T0, 'started', { turnStart: true })
    attempt(f, PRIMARY, T0 + 100, 'succeeded')
    applyModelChanged(f, { kind: 'model_changed', agentId: 'main', sessionId: 's1', eventId: 'mc', provider: 'other', model: 'big', at: T0 + 1000, initial: false })
    attempt(f, 'other/big', T0 + 2000, 'started', { turnStart: true })
    attempt(f, 'other/big', T0 + 2100, 'succeeded')
    expect(deriveSwitches(f)[0]).toMatchObject({ fromModel: PRIMARY, toModel: 'other/big', reason: 'manual' })
  })

  it('switch history: a transcript switch later stated by the log is replaced, not duplicated', () => {
    const f = agent()
    failoverTurn(f, T0, 'unknown')
    let merged = mergeSwitchHistory(f, deriveSwitches(f))
    f.switchHistory = merged.history
    expect(merged.added).toHaveLength(1)
    const transcriptId = merged.added[0]!.id
    applyDecision(f, {
      kind: 'fallback_decision',
      agentId: 'main',
      sessionId: 's1',
      runId: null,
      eventId: 'log:9',
      at: T0 + 150,
      decision: 'candidate_failed',
      requested: PRIMARY,
      candidate: PRIMARY,
      next: FALLBACK,
      attempt: 1,
      reason: 'overloaded',
      rawReason: 'overloaded',
      httpStatus: 503,
      message: null,
    })
    merged = mergeSwitchHistory(f, deriveSwitches(f))
    expect(merged.removed).toEqual([transcriptId])
    expect(merged.history).toHaveLength(1)
    expect(merged.history[0]).toMatchObject({ source: 'log', reason: 'overloaded' })
  })

  it('judging again adds nothing, even with more switches than are kept in memory', () => {
    const f = agent()
    // 60 failovers stated by the log, all inside the window, more than the 50 kept in memory.
    for (let i = 0; i < 60; i++) {
      applyDecision(f, {
        kind: 'fallback_decision',
        agentId: 'main',
        sessionId: 's1',
        runId: `r${i}`,
        eventId: `log:${i}`,
        at: T0 + i * 60_000,
        decision: 'candidate_failed',
        requested: PRIMARY,
        candidate: PRIMARY,
        next: FALLBACK,
        attempt: 1,
        reason: 'timeout',
        rawReason: 'timeout',
        httpStatus: 408,
        message: null,
      })
    }
    const first = mergeSwitchHistory(f, deriveSwitches(f))
    f.switchHistory = first.history
    expect(first.added).toHaveLength(60)
    expect(first.history).toHaveLength(50)
    const again = mergeSwitchHistory(f, deriveSwitches(f))
    expect(again.added).toEqual([])
    expect(again.removed).toEqual([])
  })

  it('the same record read twice is folded once', () => {
    const f = agent()
    const e = {
      kind: 'model_attempt' as const,
      agentId: 'main',
      sessionId: 's1',
      runId: null,
      eventId: 'same',
      source: 'transcript' as const,
      provider: 'backup',
      model: 'mock-fallback',
      at: T0,
      outcome: 'succeeded' as const,
      reason: null,
      httpStatus: null,
      message: null,
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, total: 2, costUsd: 0 },
      turnStart: true,
    }
    expect(applyAttempt(f, e)).toBe(true)
    expect(applyAttempt(f, e)).toBe(false)
    expect(f.totals[FALLBACK]?.tokens.total).toBe(2)
  })
})
