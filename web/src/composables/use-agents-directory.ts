import { computed, effectScope } from 'vue'
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

/** The order of names in the interface's language, with one collator instead of one per comparison. */
const byName = new Intl.Collator()

function sameChoices(a: ReadonlyMap<string, AgentChoice>, b: ReadonlyMap<string, AgentChoice>): boolean {
  if (a.size !== b.size) return false
  for (const [id, x] of b) {
    const y = a.get(id)
    if (!y || y.name !== x.name || y.source !== x.source) return false
  }
  return true
}

/** One directory per app (keyed by its fleet store): every row of a list asks for it, and each its own would rebuild it. */
const directories = new WeakMap<object, AgentsDirectory>()

/** The fleet's OpenClaw agents and the registry's hosts as one list, which is what the server accepts. */
export function useAgentsDirectory(): AgentsDirectory {
  const fleet = useFleetStore()
  let directory = directories.get(fleet)
  if (!directory) {
    // Outlives the component that first asks; it holds nothing but derived views of the stores.
    directory = effectScope(true).run(() => createDirectory(fleet, useHostsStore()))!
    directories.set(fleet, directory)
  }
  return directory
}

function createDirectory(fleet: ReturnType<typeof useFleetStore>, hosts: ReturnType<typeof useHostsStore>): AgentsDirectory {
  /**
   * Every agent by id. Pushes replace the fleet's agents many times a second but seldom rename one
   * or change who is there: this map, and the list by name made from it, stay the same objects
   * until they do, so the lists and links that show names render again only then.
   */
  const byId = computed<Map<string, AgentChoice>>((previous) => {
    const next = new Map<string, AgentChoice>()
    for (const a of fleet.agents.values()) next.set(a.agentId, { id: a.agentId, name: a.agentName, source: 'openclaw' })
    for (const h of hosts.agents.values()) {
      if (!next.has(h.agent_id)) next.set(h.agent_id, { id: h.agent_id, name: h.agent_name || h.agent_id, source: 'host' })
    }
    return previous && sameChoices(previous, next) ? previous : next
  })

  const choices = computed<AgentChoice[]>(() =>
    [...byId.value.values()].sort((a, b) => byName.compare(a.name, b.name) || byName.compare(a.id, b.id)),
  )

  const nameOf = (agentId: string): string => byId.value.get(agentId)?.name ?? agentId

  const loaded = (): boolean => fleet.loaded && hosts.loaded

  const known = (agentId: string): boolean => !loaded() || byId.value.has(agentId)

  function routeOf(agentId: string): RouteLocationRaw | null {
    const choice = byId.value.get(agentId)
    if (choice?.source === 'openclaw') return { name: 'agent', params: { id: agentId } }
    const host = choice ? hosts.agents.get(agentId) : undefined
    if (host) return { name: 'pool', params: { poolId: host.pool_id } }
    return loaded() ? null : { name: 'agent', params: { id: agentId } }
  }

  return { choices, nameOf, known, routeOf }
}
