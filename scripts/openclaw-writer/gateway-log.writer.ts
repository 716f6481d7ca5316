import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { AuthFailureEvent } from './auth-state.rules.js'
import { shortHash } from './failure-catalogue.js'
import type { PlannedAttempt, TurnPlan } from './turn-plan.js'
import type { WriterLayout } from './types.js'

/**
 * OpenClaw's own JSONL log (`/tmp/openclaw/openclaw-YYYY-MM-DD.log` or `logging.file`).
 * `sqlite` writes the 2026.9.6 line shape (with `sessionId`), `legacy` the 2026.4.15 one
 * (no `sessionId`; its `runId` is the session id).
 */
export interface GatewayLogWriter {
  readonly file: string
  /** Appends the lines in one write; returns the bytes written. */
  append(lines: readonly object[]): number
}

export function createGatewayLogWriter(file: string): GatewayLogWriter {
  mkdirSync(dirname(file), { recursive: true })
  return {
    file,
    append(lines) {
      if (lines.length === 0) return 0
      const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
      appendFileSync(file, text)
      return Buffer.byteLength(text)
    },
  }
}

export interface TurnLogContext {
  layout: WriterLayout
  sessionId: string
  /** The run id as the release writes it (2026.4.15: the session id). */
  runId: string
  authEvents: readonly AuthFailureEvent[]
  /** Why a probed candidate was cooling down, by attempt index. */
  probeReasons: ReadonlyMap<number, string>
  hostname: string
}

const DECISION = '{"subsystem":"model-fallback/decision"}'
const EMBEDDED = '{"subsystem":"agent/embedded"}'

/** Every log line one turn produces, in time order. */
export function buildTurnLogLines(plan: TurnPlan, ctx: TurnLogContext): object[] {
  const out: { at: number; order: number; line: object }[] = []
  const push = (at: number, subsystem: string, message: string, payload: Record<string, unknown>, withSession: boolean): void => {
    out.push({ at, order: out.length, line: wrap(ctx, at, subsystem, message, payload, withSession) })
  }
  const failed: PlannedAttempt[] = []

  for (const attempt of plan.attempts) {
    const next = plan.attempts[attempt.index + 1] ?? null
    if (attempt.probe) {
      push(attempt.startAt - 1, DECISION, 'model fallback decision', probeLine(plan, ctx, attempt, next), true)
    }
    if (attempt.outcome === 'ok') {
      if (failed.length > 0) {
        push(attempt.endAt + 12, DECISION, 'model fallback decision', succeededLine(plan, ctx, attempt, failed), true)
      }
      continue
    }
    if (attempt.outcome !== 'cooldown_skip') {
      push(attempt.endAt + 3, EMBEDDED, 'embedded run failover decision', failoverLine(ctx, attempt), false)
    }
    for (const event of ctx.authEvents) {
      if (event.profileId === attempt.profileId && event.at === attempt.endAt) {
        push(attempt.endAt + 5, EMBEDDED, 'auth profile failure state updated', authLine(ctx, event), false)
      }
    }
    push(attempt.endAt + 8, DECISION, 'model fallback decision', failedLine(plan, ctx, attempt, next), true)
    failed.push(attempt)
  }
  return out.sort((a, b) => a.at - b.at || a.order - b.order).map((e) => e.line)
}

function wrap(
  ctx: TurnLogContext,
  at: number,
  subsystem: string,
  message: string,
  payload: Record<string, unknown>,
  withSession: boolean,
): object {
  const date = new Date(at).toISOString()
  const time = date.replace('Z', '+00:00')
  if (ctx.layout === 'legacy') {
    return {
      0: subsystem,
      1: payload,
      2: message,
      _meta: {
        runtime: 'node',
        runtimeVersion: '22.19.0',
        hostname: 'unknown',
        name: subsystem,
        parentNames: ['openclaw'],
        date,
        logLevelId: 4,
        logLevelName: 'WARN',
        path: {
          fullFilePath: 'file:///usr/lib/node_modules/openclaw/dist/subsystem-Cgmckbux.js:323:51',
          fileName: 'subsystem-Cgmckbux.js',
          fileNameWithLine: 'subsystem-Cgmckbux.js:323',
          fileColumn: '51',
          fileLine: '323',
          filePath: 'openclaw/dist/subsystem-Cgmckbux.js',
          filePathWithLine: 'openclaw/dist/subsystem-Cgmckbux.js:323',
          method: 'logToFile',
        },
      },
      time,
    }
  }
  const line: Record<string, unknown> = {
    0: subsystem,
    1: payload,
    2: message,
    _meta: {
      runtime: 'node',
      runtimeVersion: '24.21.0',
      hostname: ctx.hostname,
      date,
      logLevelId: 4,
      logLevelName: 'WARN',
      name: subsystem,
      parentNames: ['openclaw'],
    },
    time,
    hostname: ctx.hostname,
    message,
  }
  if (withSession) line.session_id = ctx.sessionId
  return line
}

function head(plan: TurnPlan, ctx: TurnLogContext, decision: string, attempt: PlannedAttempt): Record<string, unknown> {
  const p: Record<string, unknown> = {
    event: 'model_fallback_decision',
    tags: ['error_handling', 'model_fallback', decision],
    runId: ctx.runId,
  }
  if (ctx.layout === 'sqlite') p.sessionId = ctx.sessionId
  p.decision = decision
  p.requestedProvider = plan.requested.provider
  p.requestedModel = plan.requested.modelId
  p.candidateProvider = attempt.provider
  p.candidateModel = attempt.modelId
  if (ctx.layout === 'sqlite') {
    p.candidateRouteOrigin = attempt.modelRef === plan.requested.ref ? 'requested' : 'configured-fallback'
    p.candidateRouteResolution = 'resolved'
  }
  p.attempt = attempt.chainPosition
  p.total = plan.total
  return p
}

function tail(plan: TurnPlan, attempt: PlannedAttempt, p: Record<string, unknown>): Record<string, unknown> {
  const isPrimary = attempt.modelRef === plan.requested.ref
  p.isPrimary = isPrimary
  p.requestedModelMatched = isPrimary
  p.fallbackConfigured = plan.total > 1
  return p
}

function nextCandidate(ctx: TurnLogContext, next: PlannedAttempt | null, p: Record<string, unknown>): void {
  if (!next) return
  p.nextCandidateProvider = next.provider
  p.nextCandidateModel = next.modelId
  if (ctx.layout === 'sqlite') {
    p.nextCandidateRouteOrigin = 'configured-fallback'
    p.nextCandidateRouteResolution = 'resolved'
  }
}

function failedLine(plan: TurnPlan, ctx: TurnLogContext, attempt: PlannedAttempt, next: PlannedAttempt | null): Record<string, unknown> {
  const p = head(plan, ctx, 'candidate_failed', attempt)
  const skipped = attempt.outcome === 'cooldown_skip'
  const preview = (ctx.layout === 'legacy' ? attempt.legacyPreview : attempt.errorMessage) ?? ''
  if (!skipped && attempt.failure) {
    p.reason = attempt.failure.reason
    if (attempt.failure.status !== null) p.status = attempt.failure.status
  }
  p.errorPreview = preview
  p.errorHash = shortHash(preview)
  if (ctx.layout === 'sqlite') {
    p.fallbackStepType = 'fallback_step'
    p.fallbackStepFromModel = attempt.modelRef
    if (next) p.fallbackStepToModel = next.modelRef
    if (!skipped && attempt.failure) p.fallbackStepFromFailureReason = attempt.failure.reason
    p.fallbackStepFromFailureDetail = preview
    p.fallbackStepChainPosition = attempt.chainPosition
    p.fallbackStepFinalOutcome = next ? 'next_fallback' : 'chain_exhausted'
  }
  nextCandidate(ctx, next, p)
  return tail(plan, attempt, p)
}

function succeededLine(
  plan: TurnPlan,
  ctx: TurnLogContext,
  attempt: PlannedAttempt,
  failed: readonly PlannedAttempt[],
): Record<string, unknown> {
  const p = head(plan, ctx, 'candidate_succeeded', attempt)
  const previous = failed[failed.length - 1]
  if (ctx.layout === 'sqlite' && previous) {
    const preview = previous.errorMessage ?? ''
    p.fallbackStepType = 'fallback_step'
    p.fallbackStepFromModel = previous.modelRef
    p.fallbackStepToModel = attempt.modelRef
    if (previous.outcome !== 'cooldown_skip' && previous.failure) p.fallbackStepFromFailureReason = previous.failure.reason
    p.fallbackStepFromFailureDetail = preview
    p.fallbackStepChainPosition = attempt.chainPosition
    p.fallbackStepFinalOutcome = 'succeeded'
  }
  tail(plan, attempt, p)
  p.previousAttempts = failed.map((f) => {
    const preview = (ctx.layout === 'legacy' ? f.legacyPreview : f.errorMessage) ?? ''
    const entry: Record<string, unknown> = {
      provider: f.provider,
      model: f.modelId,
      reason: f.outcome === 'cooldown_skip' ? 'unknown' : (f.failure?.reason ?? 'unknown'),
    }
    if (f.outcome !== 'cooldown_skip' && f.failure?.status != null) entry.status = f.failure.status
    entry.errorPreview = preview
    entry.errorHash = shortHash(preview)
    return entry
  })
  return p
}

function probeLine(plan: TurnPlan, ctx: TurnLogContext, attempt: PlannedAttempt, next: PlannedAttempt | null): Record<string, unknown> {
  const p = head(plan, ctx, 'probe_cooldown_candidate', attempt)
  p.reason = ctx.probeReasons.get(attempt.index) ?? 'rate_limit'
  nextCandidate(ctx, next, p)
  tail(plan, attempt, p)
  p.allowTransientCooldownProbe = true
  p.profileCount = 1
  return p
}

function failoverLine(ctx: TurnLogContext, attempt: PlannedAttempt): Record<string, unknown> {
  const reason = attempt.failure?.reason ?? 'unknown'
  const timedOut = attempt.outcome === 'timeout'
  const preview = attempt.errorMessage ?? ''
  const p: Record<string, unknown> = {
    event: 'embedded_run_failover_decision',
    tags: ['error_handling', 'failover', 'assistant', 'fallback_model'],
    runId: ctx.runId,
    stage: 'assistant',
    decision: 'fallback_model',
    failoverReason: reason,
    profileFailureReason: reason,
    provider: attempt.provider,
    model: attempt.modelId,
    sourceProvider: attempt.provider,
    sourceModel: attempt.modelId,
    fallbackConfigured: true,
    timedOut,
    aborted: timedOut,
    status: attempt.failure?.status ?? null,
  }
  if (ctx.layout === 'sqlite') {
    p.retryCount = 0
    p.profileRotationCount = 0
    p.attemptCount = 1
    p.rawErrorPreview = preview
    p.rawErrorHash = shortHash(preview)
    p.providerRuntimeFailureKind = reason
  }
  return p
}

function authLine(ctx: TurnLogContext, event: AuthFailureEvent): Record<string, unknown> {
  const p: Record<string, unknown> = {
    event: 'auth_profile_failure_state_updated',
    tags: ['error_handling', 'auth_profiles', event.windowType],
    runId: ctx.runId,
    profileId: shortHash(event.profileId),
    provider: event.provider,
    reason: event.reason,
    windowType: event.windowType,
    windowReused: false,
  }
  const untilKey = event.windowType === 'disabled' ? 'disabledUntil' : 'cooldownUntil'
  if (event.previous) p.previousErrorCount = event.previous.errorCount
  p.errorCount = event.errorCount
  if (event.previous) p[event.windowType === 'disabled' ? 'previousDisabledUntil' : 'previousCooldownUntil'] = event.previous.until
  p[untilKey] = event.until
  p.failureCounts = event.failureCounts
  return p
}
