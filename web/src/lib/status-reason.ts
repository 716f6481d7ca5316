/** Turns a model's machine `statusReason` into words, in the current language. */
import type { ModelStatus } from '@shared/model-status'

type Translate = (key: string, params?: Record<string, unknown>) => string

export function describeStatusReason(reason: ModelStatus['statusReason'], t: Translate): string | null {
  if (!reason) return null
  const label = (r: string): string => {
    const key = `reason.${r}`
    const text = t(key)
    return text === key ? r : text
  }
  if (reason === 'never_used' || reason === 'answered_last' || reason === 'auth_profile_disabled' || reason === 'skipped_after_failure') {
    return t(`status.why.${reason}`)
  }
  if (reason.startsWith('auth_profile_cooldown:')) {
    return t('status.why.auth_profile_cooldown', { reason: label(reason.slice('auth_profile_cooldown:'.length)) })
  }
  const limited = /^rate_limited_(\d+)x_in_10m$/.exec(reason)
  if (limited) return t('status.why.rate_limited', { n: Number(limited[1]) })
  return t('status.why.failed', { reason: label(reason) })
}
