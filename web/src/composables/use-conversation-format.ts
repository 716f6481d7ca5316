import type { RouteLocationRaw } from 'vue-router'
import type { ConversationInfo } from '@shared/conversations'
import { useAgentsDirectory } from './use-agents-directory'

export interface ConversationFormat {
  /** The agent's display name; its id when unknown. */
  agentName: (agentId: string) => string
  /**
   * Where the agent's name links to: an OpenClaw agent's page; the pool of a registered host that
   * posted the conversation; nowhere for an OpenHands server.
   */
  agentRoute: (c: Pick<ConversationInfo, 'agent_id' | 'source'>) => RouteLocationRaw | null
}

export function useConversationFormat(): ConversationFormat {
  const agents = useAgentsDirectory()

  function agentRoute(c: Pick<ConversationInfo, 'agent_id' | 'source'>): RouteLocationRaw | null {
    switch (c.source) {
      case 'openclaw':
        return { name: 'agent', params: { id: c.agent_id } }
      case 'agent':
        return agents.known(c.agent_id) ? agents.routeOf(c.agent_id) : null
      case 'openhands':
        return null
    }
  }

  return { agentName: agents.nameOf, agentRoute }
}
