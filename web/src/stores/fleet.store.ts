import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type { AgentModelStatusSummary, ModelHealth, ModelStatus, ModelStatusesResponse } from '@shared/model-status'
import type { ServerDataMessages } from '@shared/protocol'
import type { FeedEnvelope, FeedMessageType } from '@/lib/live-messages'
import { sameItems } from '@/lib/same-items'

/** In-memory switch history per agent; the detail page loads the long history over REST. */
const MAX_SWITCHES_KEPT = 100

export interface FleetSummary {
  agents: number
  /** Agents answering on something other than their configured primary. */
  onFallback: number
  /** (agent, model) pairs by health. */
  models: Record<ModelHealth, number>
}

/** True when the agent answered last on a model other than its configured primary. */
export function isOffPrimary(agent: AgentModelStatusSummary): boolean {
  return !!agent.currentModel && !!agent.config.primary && agent.currentModel.modelId !== agent.config.primary
}

function replaceModel(models: ModelStatus[], next: ModelStatus): ModelStatus[] {
  const i = models.findIndex((m) => m.modelId === next.modelId)
  if (i < 0) return [...models, next]
  const copy = models.slice()
  copy[i] = next
  return copy
}

/** The order `localeCompare` gives, with one collator instead of one per comparison. */
const byName = new Intl.Collator()

/**
 * Each agent object is replaced, never mutated, so a card re-renders only when its own agent changed
 * and the map itself stays shallow (hundreds of agents, each with long histories).
 */
type Appliers = { [K in FeedMessageType<'fleet'>]: (data: ServerDataMessages[K]) => string | null }

export const useFleetStore = defineStore('fleet', () => {
  const agents = shallowRef(new Map<string, AgentModelStatusSummary>())
  /** Server time of the last change the dashboard knows of (epoch ms). */
  const lastUpdate = ref<number | null>(null)
  /** At least one snapshot has arrived. */
  const loaded = ref(false)

  /**
   * Agents by name. A push replaces an agent but seldom renames one or changes who is there, so the
   * last order is kept when it still holds (no sort of the fleet per push), and the same list when
   * no agent in it changed (nothing downstream recomputes).
   */
  let sorted: AgentModelStatusSummary[] = []
  const agentList = computed(() => {
    const byId = agents.value
    if (sorted.length === byId.size) {
      const next: AgentModelStatusSummary[] = []
      for (const before of sorted) {
        const now = byId.get(before.agentId)
        if (!now || now.agentName !== before.agentName) break
        next.push(now)
      }
      if (next.length === sorted.length) return sameItems(next, sorted) ? sorted : (sorted = next)
    }
    return (sorted = [...byId.values()].sort(
      (a, b) => byName.compare(a.agentName, b.agentName) || byName.compare(a.agentId, b.agentId),
    ))
  })

  const summary = computed<FleetSummary>(() => {
    const models: Record<ModelHealth, number> = { healthy: 0, error: 0, cooldown: 0, disabled: 0 }
    let onFallback = 0
    for (const agent of agents.value.values()) {
      if (isOffPrimary(agent)) onFallback += 1
      for (const model of agent.allModels) models[model.status] += 1
    }
    return { agents: agents.value.size, onFallback, models }
  })

  function setAgent(agent: AgentModelStatusSummary): void {
    agents.value.set(agent.agentId, agent)
  }

  function patchAgent(agentId: string, patch: (agent: AgentModelStatusSummary) => AgentModelStatusSummary): string | null {
    const agent = agents.value.get(agentId)
    if (!agent) return agentId
    setAgent(patch(agent))
    return null
  }

  /**
   * While a snapshot is on its way: the agents pushes changed meanwhile, with the `seq` of the last
   * such push. A snapshot the server made before a push it then sent must not undo it on arrival.
   */
  let pushedDuringSnapshot: Map<string, number> | null = null

  /** Call before asking for a snapshot; `replaceSnapshot` or `dropSnapshot` ends the window. */
  function beginSnapshot(): void {
    pushedDuringSnapshot ??= new Map()
  }

  function dropSnapshot(): void {
    pushedDuringSnapshot = null
  }

  function replaceSnapshot(snapshot: ModelStatusesResponse): void {
    // The list leaves auth profiles out; keep those a detail page or a push already brought.
    const before = agents.value
    const next = new Map(
      snapshot.agents.map((a) => {
        const known = before.get(a.agentId)?.authProfiles
        return [a.agentId, a.authProfiles === undefined && known ? { ...a, authProfiles: known } : a]
      }),
    )
    // Pushed after the snapshot was made (a higher seq): what the push left stands, removal included.
    for (const [agentId, seq] of pushedDuringSnapshot ?? []) {
      if (seq <= snapshot.seq) continue
      const pushed = before.get(agentId)
      if (pushed) next.set(agentId, pushed)
      else next.delete(agentId)
    }
    pushedDuringSnapshot = null
    agents.value = next
    lastUpdate.value = snapshot.lastUpdate
    loaded.value = true
  }

  function upsertAgent(agent: AgentModelStatusSummary): void {
    setAgent(agent)
    triggerRef(agents)
  }

  const appliers: Appliers = {
    agent_update: ({ agent }) => {
      setAgent(agent)
      return null
    },
    agent_removed: ({ agentId }) => {
      agents.value.delete(agentId)
      return null
    },
    model_status_update: ({ agentId, modelStatus }) =>
      patchAgent(agentId, (a) => ({
        ...a,
        allModels: replaceModel(a.allModels, modelStatus),
        currentModel: a.currentModel?.modelId === modelStatus.modelId ? modelStatus : a.currentModel,
      })),
    model_switch_event: ({ agentId, switchEvent }) =>
      patchAgent(agentId, (a) =>
        a.switchHistory.some((s) => s.id === switchEvent.id)
          ? a
          : {
              ...a,
              switchHistory: [switchEvent, ...a.switchHistory]
                .sort((x, y) => y.timestamp - x.timestamp)
                .slice(0, MAX_SWITCHES_KEPT),
            },
      ),
    model_error: ({ agentId, modelId, error }) =>
      patchAgent(agentId, (a) => {
        const withError = (m: ModelStatus): ModelStatus => (m.modelId === modelId ? { ...m, lastError: error } : m)
        return {
          ...a,
          allModels: a.allModels.map(withError),
          currentModel: a.currentModel ? withError(a.currentModel) : null,
        }
      }),
  }

  /**
   * Applies one pushed message. Returns the id of an agent the message refers to but the store does
   * not know (its snapshot should be fetched), or null.
   */
  function applyMessage(message: FeedEnvelope<'fleet'>): string | null {
    const apply = appliers[message.type] as (data: FeedEnvelope<'fleet'>['data']) => string | null
    const unknownAgent = apply(message.data)
    if (pushedDuringSnapshot) {
      const data = message.data as { agentId?: string; agent?: { agentId: string } }
      const agentId = data.agentId ?? data.agent?.agentId
      if (agentId !== undefined) pushedDuringSnapshot.set(agentId, message.seq)
    }
    lastUpdate.value = Math.max(lastUpdate.value ?? 0, message.timestamp)
    triggerRef(agents)
    return unknownAgent
  }

  function reset(): void {
    pushedDuringSnapshot = null
    agents.value = new Map()
    lastUpdate.value = null
    loaded.value = false
  }

  return { agents, agentList, summary, lastUpdate, loaded, beginSnapshot, dropSnapshot, replaceSnapshot, upsertAgent, applyMessage, reset }
})
