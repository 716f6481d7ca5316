import { useI18n } from 'vue-i18n'
import type { Execution } from '@shared/executions'
import { elapsedMs } from '@/lib/execution-status'
import { useWorkflowsStore } from '@/stores/workflows.store'
import { useAgentsDirectory } from './use-agents-directory'
import { useFormat } from './use-format'

export interface ExecutionFormatters {
  /** Who or what ran: the agent's name for a test, the workflow's name for a run. */
  subject: (execution: Execution) => string
  agentName: (agentId: string) => string
  /** A run's workflow by name, as it was called when it ran; "Workflow #3" when unknown. */
  workflowName: (execution: Execution) => string
  /** How long it ran or has run so far; "waiting" before it started, "—" when unknown. */
  duration: (execution: Execution, now: number) => string
  /** Steps of a workflow run that failed (those set to continue, in a run that went on); 0 otherwise. */
  failedSteps: (execution: Execution) => number
}

export function useExecutionFormat(): ExecutionFormatters {
  const { t } = useI18n()
  const format = useFormat()
  const agents = useAgentsDirectory()
  const workflows = useWorkflowsStore()

  function workflowName(execution: Execution): string {
    const recorded = execution.meta?.workflow_name
    if (typeof recorded === 'string' && recorded) return recorded
    const known = execution.workflow_id === null ? null : workflows.get(execution.workflow_id)
    return known?.name ?? t('executions.workflowName', { id: execution.workflow_id ?? execution.id })
  }

  function subject(execution: Execution): string {
    if (execution.execution_type === 'workflow') return workflowName(execution)
    return execution.agent_id ? agents.nameOf(execution.agent_id) : t('executions.name', { id: execution.id })
  }

  function duration(execution: Execution, now: number): string {
    const ms = elapsedMs(execution, now)
    if (ms !== null) return format.duration(ms)
    return execution.status === 'pending' ? t('executions.waiting') : '—'
  }

  function failedSteps(execution: Execution): number {
    if (execution.execution_type !== 'workflow') return 0
    if (execution.steps.length) return execution.steps.filter((s) => s.status === 'failed').length
    const recorded = execution.meta?.failed_steps
    return typeof recorded === 'number' ? recorded : 0
  }

  return { subject, agentName: agents.nameOf, workflowName, duration, failedSteps }
}
