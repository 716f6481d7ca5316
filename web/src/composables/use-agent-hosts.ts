import { storeToRefs } from 'pinia'
import type { CreateHostAgentRequest, HostCredential, IssuedCredential } from '@shared/agent-hosts'
import { useHostsStore } from '@/stores/hosts.store'
import { useSessionStore } from '@/stores/session.store'
import { useLiveSync } from './use-live-sync'

const credentialOf = (issued: IssuedCredential): HostCredential => ({
  app_key: issued.app_key,
  created_at: issued.created_at,
  last_used_at: null,
})

/**
 * Registered agents, their pools and live metrics, and the registry's actions. The store is updated
 * from each answer at once; the `host_agent_update` that follows over the live stream confirms it.
 */
export function useAgentHosts() {
  const live = useLiveSync()
  const hosts = useHostsStore()
  const session = useSessionStore()
  const { hostList, poolIds, poolSummaries, allTags, loaded, loadError, series, resolutionMs } = storeToRefs(hosts)

  async function register(request: CreateHostAgentRequest): Promise<IssuedCredential> {
    const { agent, credential } = await session.http.createHostAgent(request)
    hosts.upsertAgent(agent)
    return credential
  }

  async function addKey(agentId: string): Promise<IssuedCredential> {
    const issued = await session.http.addCredential(agentId)
    hosts.patchAgent(agentId, (a) => ({ ...a, credentials: [...a.credentials, credentialOf(issued)] }))
    return issued
  }

  async function rotateKey(agentId: string, appKey: string): Promise<IssuedCredential> {
    const issued = await session.http.rotateCredential(agentId, appKey)
    hosts.patchAgent(agentId, (a) => ({
      ...a,
      credentials: a.credentials.map((c) => (c.app_key === appKey ? credentialOf(issued) : c)),
    }))
    return issued
  }

  async function revokeKey(agentId: string, appKey: string): Promise<void> {
    await session.http.revokeCredential(agentId, appKey)
    hosts.patchAgent(agentId, (a) => ({ ...a, credentials: a.credentials.filter((c) => c.app_key !== appKey) }))
  }

  async function remove(agentId: string): Promise<void> {
    await session.http.deleteHostAgent(agentId)
    hosts.removeAgent(agentId)
  }

  return {
    hostList,
    poolIds,
    poolSummaries,
    allTags,
    loaded,
    loadError,
    series,
    resolutionMs,
    host: hosts.host,
    poolHosts: hosts.poolHosts,
    ensurePoolHistory: live.ensurePoolHistory,
    refresh: live.refresh,
    register,
    addKey,
    rotateKey,
    revokeKey,
    remove,
  }
}
