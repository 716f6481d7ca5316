import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import type { ConversationStatus } from '@shared/conversations'
import { CONVERSATION_STATUSES } from '@shared/conversations'
import type { ConversationsListQuery } from '@/api/http-client'

/** "Updated in the last …" choices; a moment relative to each request, so a poll keeps the window sliding. */
export const SINCE_PRESETS = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000,
  '30d': 30 * 24 * 60 * 60_000,
} as const

export type SincePreset = keyof typeof SINCE_PRESETS

export const SINCE_CHOICES = Object.keys(SINCE_PRESETS) as SincePreset[]

/** The list page's filters; they live in the URL (`?agent=&status=RUNNING,ERROR&since=1h&q=`). */
export interface ConversationFilters {
  agent: string | null
  statuses: ConversationStatus[]
  since: SincePreset | null
  q: string
}

const first = (v: LocationQuery[string] | undefined): string | null => {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' && s.trim() ? s.trim() : null
}

export function filtersFromQuery(query: LocationQuery): ConversationFilters {
  const statuses = (first(query.status) ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is ConversationStatus => (CONVERSATION_STATUSES as readonly string[]).includes(s))
  const since = first(query.since)
  return {
    agent: first(query.agent),
    // In the order of the status list, once each, whatever the URL says.
    statuses: CONVERSATION_STATUSES.filter((s) => statuses.includes(s)),
    since: since !== null && Object.hasOwn(SINCE_PRESETS, since) ? (since as SincePreset) : null,
    q: first(query.q) ?? '',
  }
}

/** The URL query of these filters; empty ones are left out so a clean list has a clean URL. */
export function filtersToQuery(f: ConversationFilters): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (f.agent) query.agent = f.agent
  if (f.statuses.length) query.status = f.statuses.join(',')
  if (f.since) query.since = f.since
  if (f.q.trim()) query.q = f.q.trim()
  return query
}

export const hasFilters = (f: ConversationFilters): boolean => !!(f.agent || f.statuses.length || f.since || f.q.trim())

/** The API query for these filters, `since` resolved against `now`. */
export function toListQuery(f: ConversationFilters, now: number): ConversationsListQuery {
  return {
    agent: f.agent ?? undefined,
    status: f.statuses.length ? f.statuses : undefined,
    updated_since: f.since ? new Date(now - SINCE_PRESETS[f.since]).toISOString() : undefined,
    q: f.q.trim() || undefined,
  }
}

/** A stable key of the filters: a new key is a new list. */
export const filtersKey = (f: ConversationFilters): string => JSON.stringify(filtersToQuery(f))
