import { computed } from 'vue'
import type { ComputedRef } from 'vue'
import type { RouteLocationRaw } from 'vue-router'
import { useFleetStore } from '@/stores/fleet.store'
import { useHostsStore } from '@/stores/hosts.store'

/** An agent a workflow step can name: an OpenClaw agent, or a host registered without one. */
export interface AgentChoice {
  id: string
  name: string
  /** `host`: only in the host registry, so it has no agent page of its own. */
  source: 'openclaw' | 'host'
}

export interface AgentsDirectory {
  /** Every agent the server knows, by name. */
  choices: ComputedRef<AgentChoice[]>
  /** Its display name; the id itself when unknown. */
  nameOf: (agentId: string) => string
  /** Whether the server knows it (once fleet and hosts have loaded; before, every id is given the benefit). */
  known: (agentId: string) => boolean
  /** Its page: the agent page, or a registered host's pool; null when unknown. */
  routeOf: (agentId: string) => RouteLocationRaw | null
}

/** The fleet's OpenClaw agents and the registry's hosts as one list, which is what the server accepts. */
export function useAgentsDirectory(): AgentsDirectory {
  const fleet = useFleetStore()
  const hosts = useHostsStore()

  const choices = computed<AgentChoice[]>(() => {
    const all: AgentChoice[] = fleet.agentList.map((a) => ({ id: a.agentId, name: a.agentName, source: 'openclaw' }))
    for (const h of hosts.hostList) {
      if (!fleet.agents.has(h.agent.agent_id)) all.push({ id: h.agent.agent_id, name: h.agent.agent_name || h.agent.agent_id, source: 'host' })
    }
    return all.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
  })

  const nameOf = (agentId: string): string =>
    fleet.agents.get(agentId)?.agentName ?? (hosts.agents.get(agentId)?.agent_name || agentId)

  const loaded = (): boolean => fleet.loaded && hosts.loaded

  const known = (agentId: string): boolean => !loaded() || fleet.agents.has(agentId) || hosts.agents.has(agentId)

  function routeOf(agentId: string): RouteLocationRaw | null {
    if (fleet.agents.has(agentId)) return { name: 'agent', params: { id: agentId } }
    const host = hosts.agents.get(agentId)
    if (host) return { name: 'pool', params: { poolId: host.pool_id } }
    return loaded() ? null : { name: 'agent', params: { id: agentId } }
  }

  return { choices, nameOf, known, routeOf }
}
