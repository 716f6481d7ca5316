import { useI18n } from 'vue-i18n'
import type { Execution } from '@shared/executions'
import { elapsedMs } from '@/lib/execution-status'
import { useFleetStore } from '@/stores/fleet.store'
import { useFormat } from './use-format'

export interface ExecutionFormatters {
  /** Who or what ran: the agent's name for a test, "Workflow #3" for a run. */
  subject: (execution: Execution) => string
  agentName: (agentId: string) => string
  /** How long it ran or has run so far; "waiting" before it started, "—" when unknown. */
  duration: (execution: Execution, now: number) => string
}

export function useExecutionFormat(): ExecutionFormatters {
  const { t } = useI18n()
  const format = useFormat()
  const fleet = useFleetStore()

  const agentName = (agentId: string): string => fleet.agents.get(agentId)?.agentName ?? agentId

  function subject(execution: Execution): string {
    if (execution.execution_type === 'workflow') return t('executions.workflowName', { id: execution.workflow_id ?? execution.id })
    return execution.agent_id ? agentName(execution.agent_id) : t('executions.name', { id: execution.id })
  }

  function duration(execution: Execution, now: number): string {
    const ms = elapsedMs(execution, now)
    if (ms !== null) return format.duration(ms)
    return execution.status === 'pending' ? t('executions.waiting') : '—'
  }

  return { subject, agentName, duration }
}
