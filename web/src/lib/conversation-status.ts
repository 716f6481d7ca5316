import type { ConversationInfo, ConversationRun, ConversationStatus, RuntimeStatus, TaskStatus } from '@shared/conversations'
import { CONVERSATION_POLLING_INTERVALS_MS } from '@shared/conversations'
import type { IconName } from '@/components/AppIcon.vue'

/**
 * Tag tone (main.css `.swb-tag[data-tone]`) and icon of each status: STARTING blue (and pulsing),
 * RUNNING green, STOPPED grey, ERROR red, ARCHIVED muted.
 */
export const CONVERSATION_STATUS_LOOK = {
  STARTING: { tone: 'info', icon: 'activity' },
  RUNNING: { tone: 'success', icon: 'play' },
  STOPPED: { tone: 'neutral', icon: 'stop' },
  ERROR: { tone: 'danger', icon: 'x-circle' },
  ARCHIVED: { tone: 'muted', icon: 'history' },
} as const satisfies Record<ConversationStatus, { tone: string; icon: IconName }>

/** The runtime status each status implies; any other one says something the status does not. */
const IMPLIED_RUNTIME: Record<ConversationStatus, RuntimeStatus> = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  STOPPED: 'IDLE',
  ERROR: 'ERROR',
  ARCHIVED: 'ARCHIVED',
}

/** The runtime status worth showing next to the status (FALLING_BACK, LOST, ABORTED…), or null. */
export function informativeRuntime(c: Pick<ConversationInfo, 'status' | 'runtime_status'>): RuntimeStatus | null {
  return c.runtime_status && c.runtime_status !== IMPLIED_RUNTIME[c.status] ? c.runtime_status : null
}

/** Tone of a runtime status shown beside the badge. */
export function runtimeTone(runtime: RuntimeStatus): 'warning' | 'danger' | 'neutral' {
  if (runtime === 'FALLING_BACK') return 'warning'
  if (runtime === 'LOST' || runtime === 'ERROR') return 'danger'
  return 'neutral'
}

/** While the list polls and nothing on it says how often (empty, or archived only). */
export const LIST_POLL_FALLBACK_MS = 30_000

/** How often one conversation is polled without live push (seed 001); `false`: never (archived). */
export const detailPollInterval = (status: ConversationStatus): number | false => CONVERSATION_POLLING_INTERVALS_MS[status]

/**
 * How often a list is polled without live push: as often as its most urgent conversation needs
 * (one STARTING conversation makes it 3 s), 30 s when nothing listed asks for polling.
 */
export function listPollInterval(statuses: Iterable<ConversationStatus>): number {
  let best = Infinity
  for (const status of statuses) {
    const every = CONVERSATION_POLLING_INTERVALS_MS[status]
    if (every !== false && every < best) best = every
  }
  return Number.isFinite(best) ? best : LIST_POLL_FALLBACK_MS
}

export const parseTime = (iso: string | null | undefined): number | null => {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : null
}

/** How long a run took, or has taken so far (`now` while in progress). */
export function runDurationMs(run: Pick<ConversationRun, 'started_at' | 'ended_at'>, now: number): number | null {
  const started = parseTime(run.started_at)
  if (started === null) return null
  return (parseTime(run.ended_at) ?? now) - started
}

/** One link of a run's fallback chain: a model it tried and how that went. */
export interface ChainLink {
  model: string
  outcome: 'answered' | 'failed' | 'pending'
  /** Why that model failed: its own last failed attempt (the run's last failure when attempts are not sent). */
  error: ConversationRun['last_error']
}

/**
 * The models a run tried, in order, as a chain: every model before the one that answered failed;
 * when nothing answered, all of them failed (or the last is still being tried while the run goes on).
 * Each failed model carries the reason of its own last failed attempt.
 */
export function fallbackChain(run: ConversationRun): ChainLink[] {
  const answered = run.answered_by === null ? -1 : run.models_tried.indexOf(run.answered_by)
  const last = run.models_tried.length - 1
  const links = run.models_tried.map((model, i): ChainLink => {
    if (i === answered) return { model, outcome: 'answered', error: null }
    if (answered < 0 && run.outcome === null && i === last) return { model, outcome: 'pending', error: null }
    return { model, outcome: 'failed', error: null }
  })
  const attempts = run.attempts ?? []
  for (const link of links) {
    if (link.outcome !== 'failed') continue
    const own = attempts.filter((a) => a.model === link.model && (a.outcome === 'failed' || a.outcome === 'aborted')).pop()
    if (own) link.error = { reason: own.reason ?? (own.outcome === 'aborted' ? 'aborted' : 'unknown'), message: own.message, http_status: own.http_status }
  }
  if (attempts.length === 0) {
    const failed = links.filter((l) => l.outcome === 'failed')
    const lastFailed = failed[failed.length - 1]
    if (lastFailed) lastFailed.error = run.last_error
  }
  return links
}

/** Task counts by status, for "2 of 5 done". */
export function countTasks(tasks: readonly { status: TaskStatus }[]): Record<TaskStatus, number> {
  const counts: Record<TaskStatus, number> = { todo: 0, in_progress: 0, done: 0 }
  for (const task of tasks) counts[task.status] += 1
  return counts
}
