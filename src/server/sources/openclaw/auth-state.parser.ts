/**
 * Auth profile usage state (`usageStats`) from `auth-state.json` (≤2026.6) or an
 * `auth_profile_state.state_json` row (2026.7+). Only the known numeric/text fields are copied;
 * the profile store with the credentials themselves lives elsewhere and is never read.
 */
import type { AuthStateEvent } from '../../core/events.js'
import { isObject, num, obj, setOwn, str, time } from './record-fields.js'

export type AuthProfiles = AuthStateEvent['profiles']

export function parseUsageStats(document: unknown): AuthProfiles | null {
  const root = obj(document)
  if (root === null) return null
  const stats = obj(root.usageStats)
  if (stats === null) return {}
  const profiles: AuthProfiles = {}
  for (const [profileId, value] of Object.entries(stats)) {
    if (!isObject(value)) continue
    const p: AuthProfiles[string] = {}
    const cooldownUntil = time(value.cooldownUntil)
    if (cooldownUntil !== null) p.cooldownUntil = cooldownUntil
    const cooldownReason = str(value.cooldownReason)
    if (cooldownReason !== null) p.cooldownReason = cooldownReason
    const cooldownModel = str(value.cooldownModel)
    if (cooldownModel !== null) p.cooldownModel = cooldownModel
    const disabledUntil = time(value.disabledUntil)
    if (disabledUntil !== null) p.disabledUntil = disabledUntil
    const disabledReason = str(value.disabledReason)
    if (disabledReason !== null) p.disabledReason = disabledReason
    const errorCount = num(value.errorCount)
    if (errorCount !== null) p.errorCount = errorCount
    const failureCounts = obj(value.failureCounts)
    if (failureCounts !== null) {
      const counts: Record<string, number> = {}
      for (const [k, v] of Object.entries(failureCounts)) {
        const n = num(v)
        if (n !== null) setOwn(counts, k, n)
      }
      p.failureCounts = counts
    }
    const lastFailureAt = time(value.lastFailureAt)
    if (lastFailureAt !== null) p.lastFailureAt = lastFailureAt
    const lastUsed = time(value.lastUsed)
    if (lastUsed !== null) p.lastUsed = lastUsed
    setOwn(profiles, profileId, p)
  }
  return profiles
}
