import type { PlannedAttempt } from './turn-plan.js'
import type { UsageStats, WriterLayout } from './types.js'

/** What OpenClaw logs as `auth_profile_failure_state_updated`. */
export interface AuthFailureEvent {
  profileId: string
  provider: string
  reason: string
  windowType: 'cooldown' | 'disabled'
  until: number
  errorCount: number
  failureCounts: Record<string, number>
  at: number
  /** The window this failure replaces, when there was one. */
  previous: { errorCount: number; until: number } | null
}

/**
 * The usage stats of a profile after one attempt. Pure: the writer keeps the result and
 * persists it. Timeouts and skipped candidates leave the stats as they were, as the real releases do.
 */
export function applyAttempt(
  current: UsageStats | undefined,
  attempt: PlannedAttempt,
): { next: UsageStats | undefined; event: AuthFailureEvent | null } {
  const at = attempt.endAt
  switch (attempt.outcome) {
    case 'timeout':
    case 'cooldown_skip':
      return { next: current, event: null }
    case 'ok': {
      const next: UsageStats = { ...current, lastUsed: at, errorCount: 0 }
      delete next.cooldownUntil
      delete next.cooldownReason
      delete next.cooldownModel
      delete next.failureCounts
      delete next.disabledUntil
      delete next.disabledReason
      return { next, event: null }
    }
    case 'rate_limit':
    case 'auth':
    case 'overloaded':
    case 'billing': {
      const reason = attempt.failure?.reason ?? attempt.outcome
      const failureCounts = { ...current?.failureCounts, [reason]: (current?.failureCounts?.[reason] ?? 0) + 1 }
      const previousUntil = attempt.outcome === 'billing' ? current?.disabledUntil : current?.cooldownUntil
      // An expired window starts the count again, as the real releases log it.
      const errorCount = previousUntil !== undefined && previousUntil <= at ? 1 : (current?.errorCount ?? 0) + 1
      const until = at + attempt.windowMs
      const next: UsageStats = { ...current, errorCount, failureCounts, lastFailureAt: at }
      if (attempt.outcome === 'billing') {
        next.disabledUntil = until
        next.disabledReason = reason
      } else {
        next.cooldownUntil = until
        next.cooldownReason = reason
        // A rate limit or overload is about one model; an auth failure is about the key itself.
        if (attempt.outcome === 'auth') delete next.cooldownModel
        else next.cooldownModel = attempt.modelId
      }
      return {
        next,
        event: {
          profileId: attempt.profileId,
          provider: attempt.provider,
          reason,
          windowType: attempt.outcome === 'billing' ? 'disabled' : 'cooldown',
          until,
          errorCount,
          failureCounts,
          at,
          previous: previousUntil !== undefined ? { errorCount: current?.errorCount ?? 0, until: previousUntil } : null,
        },
      }
    }
  }
}

/** True while a profile should not be used for `modelId` (cooling down for it, or disabled). */
export function isUnavailable(stats: UsageStats | undefined, modelId: string, now: number): boolean {
  if (!stats) return false
  if (stats.disabledUntil !== undefined && stats.disabledUntil > now) return true
  if (stats.cooldownUntil === undefined || stats.cooldownUntil <= now) return false
  return stats.cooldownModel === undefined || stats.cooldownModel === modelId
}

const KEY_ORDER: Record<WriterLayout, readonly (keyof UsageStats)[]> = {
  // Key order as each release serialises it, so diffs against the fixtures stay readable.
  sqlite: [
    'lastUsed',
    'cooldownUntil',
    'cooldownReason',
    'cooldownModel',
    'disabledUntil',
    'disabledReason',
    'errorCount',
    'failureCounts',
    'lastFailureAt',
  ],
  legacy: [
    'lastUsed',
    'errorCount',
    'failureCounts',
    'lastFailureAt',
    'cooldownUntil',
    'cooldownReason',
    'cooldownModel',
    'disabledUntil',
    'disabledReason',
  ],
}

export function serialiseUsageStats(
  usage: ReadonlyMap<string, UsageStats>,
  layout: WriterLayout,
): { version: 1; usageStats: Record<string, UsageStats> } {
  const usageStats: Record<string, UsageStats> = {}
  for (const [profileId, stats] of usage) {
    const ordered: Record<string, unknown> = {}
    for (const key of KEY_ORDER[layout]) if (stats[key] !== undefined) ordered[key] = stats[key]
    usageStats[profileId] = ordered as UsageStats
  }
  return { version: 1, usageStats }
}
