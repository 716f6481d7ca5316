import type { AgentModelStatusSummary, ModelHealth } from '@shared/model-status'
import { isOffPrimary } from '@/stores/fleet.store'

export type DashboardFilter = 'all' | 'fallback' | Exclude<ModelHealth, 'healthy'>

export const DASHBOARD_FILTERS: readonly DashboardFilter[] = ['all', 'fallback', 'cooldown', 'error', 'disabled']

const MATCHERS: Record<DashboardFilter, (agent: AgentModelStatusSummary) => boolean> = {
  all: () => true,
  fallback: isOffPrimary,
  cooldown: (a) => a.allModels.some((m) => m.status === 'cooldown'),
  error: (a) => a.allModels.some((m) => m.status === 'error'),
  disabled: (a) => a.allModels.some((m) => m.status === 'disabled'),
}

/** Case-insensitive match on agent id, name and every model id it knows. */
function matchesQuery(agent: AgentModelStatusSummary, query: string): boolean {
  if (!query) return true
  const haystack = [
    agent.agentId,
    agent.agentName,
    agent.currentModel?.modelId ?? '',
    ...agent.allModels.map((m) => m.modelId),
    ...(agent.config.primary ? [agent.config.primary] : []),
    ...agent.config.fallbacks,
  ]
  return haystack.some((s) => s.toLowerCase().includes(query))
}

export function filterAgents(agents: AgentModelStatusSummary[], filter: DashboardFilter, query: string): AgentModelStatusSummary[] {
  const q = query.trim().toLowerCase()
  const matcher = MATCHERS[filter]
  return agents.filter((a) => matcher(a) && matchesQuery(a, q))
}

export function parseFilter(value: unknown): DashboardFilter {
  return DASHBOARD_FILTERS.includes(value as DashboardFilter) ? (value as DashboardFilter) : 'all'
}
