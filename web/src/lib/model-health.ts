import type { ModelHealth, SwitchReason } from '@shared/model-status'

/** Display order: the states that need attention first. */
export const HEALTH_ORDER: readonly ModelHealth[] = ['disabled', 'error', 'cooldown', 'healthy']

/** Tone of each switch reason: how worried the colour should make an operator. */
export type ReasonTone = 'danger' | 'warning' | 'info' | 'neutral' | 'success' | 'accent'

const REASON_TONES: Record<SwitchReason, ReasonTone> = {
  rate_limit: 'warning',
  overloaded: 'warning',
  timeout: 'accent',
  auth: 'danger',
  billing: 'danger',
  model_not_found: 'danger',
  format: 'neutral',
  unknown: 'neutral',
  manual: 'info',
  recovery: 'success',
}

export function reasonTone(reason: SwitchReason): ReasonTone {
  return REASON_TONES[reason] ?? 'neutral'
}

/** Saturated colour of each tone, for chart marks (tags use the softer `--swb-tone-*` pair). */
export const TONE_SOLID_VAR: Record<ReasonTone, string> = {
  danger: '--swb-disabled',
  warning: '--swb-error',
  accent: '--swb-tone-accent',
  info: '--swb-cooldown',
  success: '--swb-healthy',
  neutral: '--swb-unknown',
}
