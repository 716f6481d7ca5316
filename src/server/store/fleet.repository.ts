/**
 * Persistence of the fleet state: agent facts, ingestion checkpoints and switch history are written
 * in one transaction, so the checkpoints saved always describe exactly the state saved with them.
 */
import { clockTime, type ModelSwitchEvent, type SwitchReason } from '../../shared/model-status.js'
import type { AgentFacts } from '../core/agent-facts.js'
import type { Store } from './database.js'

export interface FleetSnapshot {
  agents: AgentFacts[]
  checkpoints: Map<string, unknown>
  kv: Map<string, unknown>
}

export interface FleetChanges {
  /** Agent facts, already JSON-encoded (they are frozen at the moment the changes were taken). */
  agents: { agentId: string; facts: string }[]
  removedAgents: string[]
  checkpoints: Map<string, unknown>
  addedSwitches: ModelSwitchEvent[]
  removedSwitches: string[]
  kv: Map<string, unknown>
}

export interface FleetRepository {
  load(): Promise<FleetSnapshot>
  save(changes: FleetChanges): Promise<void>
  listSwitches(agentId: string, limit: number): Promise<{ switches: ModelSwitchEvent[]; total: number }>
}

export function createFleetRepository(store: Store): FleetRepository {
  const { db } = store
  return {
    async load() {
      const [agents, checkpoints, kv] = await Promise.all([
        db.selectFrom('agent_snapshots').select(['agent_id', 'facts']).execute(),
        db.selectFrom('ingest_checkpoints').select(['key', 'position']).execute(),
        db.selectFrom('kv').select(['key', 'value']).execute(),
      ])
      return {
        agents: agents.map((r) => JSON.parse(r.facts) as AgentFacts),
        checkpoints: new Map(checkpoints.map((r) => [r.key, JSON.parse(r.position) as unknown])),
        kv: new Map(kv.map((r) => [r.key, JSON.parse(r.value) as unknown])),
      }
    },

    async save(changes) {
      const now = Date.now()
      await db.transaction().execute(async (trx) => {
        for (const { agentId, facts } of changes.agents) {
          await trx
            .insertInto('agent_snapshots')
            .values({ agent_id: agentId, facts, updated_at: now })
            .onConflict((oc) => oc.column('agent_id').doUpdateSet({ facts, updated_at: now }))
            .execute()
        }
        if (changes.removedAgents.length > 0) {
          await trx.deleteFrom('agent_snapshots').where('agent_id', 'in', changes.removedAgents).execute()
        }
        for (const [key, value] of changes.checkpoints) {
          const position = JSON.stringify(value)
          await trx
            .insertInto('ingest_checkpoints')
            .values({ key, position, updated_at: now })
            .onConflict((oc) => oc.column('key').doUpdateSet({ position, updated_at: now }))
            .execute()
        }
        for (const [key, v] of changes.kv) {
          const value = JSON.stringify(v)
          await trx
            .insertInto('kv')
            .values({ key, value, updated_at: now })
            .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
            .execute()
        }
        if (changes.removedSwitches.length > 0) {
          await trx.deleteFrom('model_switches').where('id', 'in', changes.removedSwitches).execute()
        }
        for (const s of changes.addedSwitches) {
          const row = {
            agent_id: s.agentId,
            from_model: s.fromModel,
            to_model: s.toModel,
            reason: s.reason,
            timestamp: s.timestamp,
            session_id: s.sessionId,
            run_id: s.runId,
            http_status: s.httpStatus,
            source: s.source,
            message: s.message,
          }
          await trx
            .insertInto('model_switches')
            .values({ id: s.id, ...row })
            .onConflict((oc) => oc.column('id').doUpdateSet(row))
            .execute()
        }
      })
    },

    async listSwitches(agentId, limit) {
      const [rows, count] = await Promise.all([
        db
          .selectFrom('model_switches')
          .selectAll()
          .where('agent_id', '=', agentId)
          .orderBy('timestamp', 'desc')
          .orderBy('id')
          .limit(limit)
          .execute(),
        db
          .selectFrom('model_switches')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('agent_id', '=', agentId)
          .executeTakeFirst(),
      ])
      return {
        total: Number(count?.n ?? 0),
        switches: rows.map((r) => {
          const timestamp = Number(r.timestamp)
          return {
            id: r.id,
            agentId: r.agent_id,
            fromModel: r.from_model,
            toModel: r.to_model,
            reason: r.reason as SwitchReason,
            timestamp,
            time: clockTime(timestamp),
            sessionId: r.session_id,
            runId: r.run_id,
            httpStatus: r.http_status,
            source: r.source as ModelSwitchEvent['source'],
            message: r.message,
          }
        }),
      }
    },
  }
}
