import type { ReasonTone } from './model-health'
import type { HostView } from '@/stores/hosts.store'

/** What a row says about an agent: its own word when it is one we translate, else the raw word. */
export type HostState = 'busy' | 'idle' | 'offline' | 'never' | 'other'

const REPORTED: Record<string, HostState> = { busy: 'busy', idle: 'idle' }

export function hostState(host: HostView): HostState {
  if (!host.online) return host.agent.last_seen_at === null && !host.metrics ? 'never' : 'offline'
  return REPORTED[host.metrics?.status ?? ''] ?? 'other'
}

export const HOST_STATE_TONE: Record<HostState, ReasonTone> = {
  busy: 'info',
  idle: 'success',
  other: 'accent',
  offline: 'neutral',
  never: 'neutral',
}

/**
 * When the agent last pinged (epoch ms): the later of the registry's time and its last metrics'
 * (the registry entry is not replaced on every ping; the metrics are).
 */
export function lastSeen(host: HostView): number | null {
  const t = host.metrics ? Date.parse(host.metrics.last_update_time) : NaN
  const reported = Number.isFinite(t) ? t : null
  const registered = host.agent.last_seen_at
  if (registered === null) return reported
  return reported === null ? registered : Math.max(registered, reported)
}
