import type { Execution, ExecutionStatus, ExecutionStep, StepStatus } from '@shared/executions'
import { isFinal } from '@shared/executions'
import type { IconName } from '@/components/AppIcon.vue'

/**
 * Tag tone (main.css `.swb-tag[data-tone]`) and icon of each status; the colours of seed 002. A
 * workflow step that never ran is `skipped`: grey, like the steps still waiting.
 */
export const STATUS_LOOK = {
  pending: { tone: 'neutral', icon: 'cooldown' },
  running: { tone: 'info', icon: 'activity' },
  succeeded: { tone: 'success', icon: 'healthy' },
  failed: { tone: 'danger', icon: 'x-circle' },
  cancelled: { tone: 'neutral', icon: 'stop' },
  interrupted: { tone: 'warning', icon: 'error' },
  skipped: { tone: 'neutral', icon: 'skip' },
} as const satisfies Record<StepStatus, { tone: string; icon: IconName }>

/** Still to finish: shown in the monitor, cancellable. */
export const isActive = (execution: Pick<Execution, 'status'>): boolean => !isFinal(execution.status)

/** A cancelled run's message only repeats its status; a failed or interrupted one says why. */
export const showsError = (execution: Pick<Execution, 'status' | 'error_message'>): boolean =>
  !!execution.error_message && (execution.status === 'failed' || execution.status === 'interrupted')

/** Further along never goes back: pending < running < any final status. */
export function statusRank(status: ExecutionStatus): number {
  if (isFinal(status)) return 2
  return status === 'running' ? 1 : 0
}

/** A step's status the same way; `skipped` is as final as any end. */
export const stepRank = (status: StepStatus): number => (status === 'skipped' ? 2 : statusRank(status))

/** A step that started: it has an input, and output or an error to show. */
export const stepRan = (step: Pick<ExecutionStep, 'status'>): boolean => step.status !== 'pending' && step.status !== 'skipped'

export const parseTime = (iso: string | null): number | null => {
  if (iso === null) return null
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : null
}

/** How long it ran, or has run so far (`now` while running); null before it started. */
export function elapsedMs(
  execution: { started_at: string | null; finished_at: string | null; status: StepStatus },
  now: number,
): number | null {
  const started = parseTime(execution.started_at)
  if (started === null) return null
  const finished = parseTime(execution.finished_at)
  return (finished ?? (stepRank(execution.status) === 2 ? started : now)) - started
}

/** Newest first; the id breaks ties of the same millisecond. */
export function newestFirst(a: Execution, b: Execution): number {
  return (parseTime(b.created_at) ?? 0) - (parseTime(a.created_at) ?? 0) || b.id - a.id
}
