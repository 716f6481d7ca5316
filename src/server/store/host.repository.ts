/**
 * Persistence of registered host agents and their credentials. Registry changes are written at
 * once; "last seen" and "last used" times are written in batches (a ping must not wait for a disk).
 */
import { sql } from 'kysely'
import type { Store } from './database.js'

export interface StoredHostAgent {
  agent_id: string
  agent_name: string
  pool_id: string
  tags: string[]
  created_at: number
  last_seen_at: number | null
}

export interface StoredCredential {
  app_key: string
  agent_id: string
  secret_sha256: string
  created_at: number
  last_used_at: number | null
}

export interface HostRepository {
  load(): Promise<{ agents: StoredHostAgent[]; credentials: StoredCredential[] }>
  insertAgent(agent: StoredHostAgent, credential: StoredCredential): Promise<void>
  updateAgent(agent: StoredHostAgent): Promise<void>
  deleteAgent(agentId: string): Promise<void>
  insertCredential(credential: StoredCredential, revokeAppKey?: string): Promise<void>
  deleteCredential(appKey: string): Promise<void>
  saveTimes(seen: Map<string, number>, used: Map<string, number>): Promise<void>
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function parseTags(raw: string): string[] {
  try {
    const v: unknown = JSON.parse(raw)
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

export function createHostRepository(store: Store): HostRepository {
  const { db } = store
  return {
    async load() {
      const [agents, credentials] = await Promise.all([
        db.selectFrom('host_agents').selectAll().orderBy('agent_id').execute(),
        db.selectFrom('host_credentials').selectAll().orderBy('created_at').execute(),
      ])
      return { agents: agents.map((a) => ({ ...a, tags: parseTags(a.tags) })), credentials }
    },

    async insertAgent(agent, credential) {
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('host_agents').values({ ...agent, tags: JSON.stringify(agent.tags) }).execute()
        await tx.insertInto('host_credentials').values(credential).execute()
      })
    },

    async updateAgent(agent) {
      await db
        .updateTable('host_agents')
        .set({ agent_name: agent.agent_name, pool_id: agent.pool_id, tags: JSON.stringify(agent.tags) })
        .where('agent_id', '=', agent.agent_id)
        .execute()
    },

    async deleteAgent(agentId) {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('host_credentials').where('agent_id', '=', agentId).execute()
        await tx.deleteFrom('host_agents').where('agent_id', '=', agentId).execute()
      })
    },

    async insertCredential(credential, revokeAppKey) {
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('host_credentials').values(credential).execute()
        if (revokeAppKey) await tx.deleteFrom('host_credentials').where('app_key', '=', revokeAppKey).execute()
      })
    },

    async deleteCredential(appKey) {
      await db.deleteFrom('host_credentials').where('app_key', '=', appKey).execute()
    },

    async saveTimes(seen, used) {
      if (seen.size === 0 && used.size === 0) return
      // A thousand hosts ping every few seconds: one statement per chunk, not one per row. SQLite
      // runs each statement on this thread (about a millisecond for 200 rows): the event loop gets
      // a turn between them, so a ping waits for one chunk at most, not for the whole save.
      await db.transaction().execute(async (tx) => {
        for (const part of chunks([...seen], 200)) {
          await yieldToEventLoop()
          const cases = sql.join(part.map(([id, t]) => sql`when ${id} then cast(${t} as bigint)`), sql` `)
          await tx
            .updateTable('host_agents')
            .set({ last_seen_at: sql<number>`case agent_id ${cases} end` })
            .where('agent_id', 'in', part.map(([id]) => id))
            .execute()
        }
        for (const part of chunks([...used], 200)) {
          await yieldToEventLoop()
          const cases = sql.join(part.map(([key, t]) => sql`when ${key} then cast(${t} as bigint)`), sql` `)
          await tx
            .updateTable('host_credentials')
            .set({ last_used_at: sql<number>`case app_key ${cases} end` })
            .where('app_key', 'in', part.map(([key]) => key))
            .execute()
        }
      })
    },
  }
}
