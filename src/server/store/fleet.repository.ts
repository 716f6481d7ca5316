/**
 * Persistence of the fleet state: agent facts, ingestion checkpoints and switch history are written
 * in one transaction, so the checkpoints saved always describe exactly the state saved with them.
 */
import { clockTime, type ModelSwitchEvent, type SwitchReason } from '../../shared/model-status.js'
import { sql } from 'kysely'
import type { SavedText } from '../core/agent-facts.js'
import type { Store } from './database.js'

export interface FleetSnapshot {
  /**
   * Agent facts as saved (`encodeFacts`), as UTF-8 bytes: the fleet state reads only what it needs
   * of them (`readSavedFacts`).
   */
  agents: { agentId: string; facts: SavedText }[]
  /** Saved read models by agent id (JSON), where there is one. */
  views: Map<string, string>
  /** When each saved view was judged (ms); one without a time is judged again at the first tick. */
  judgedAt?: Map<string, number>
  checkpoints: Map<string, unknown>
  kv: Map<string, unknown>
}

export interface FleetChanges {
  /** Agent facts, already JSON-encoded (they are frozen at the moment the changes were taken). */
  agents: { agentId: string; facts: string; view: string | null; judgedAt: number | null }[]
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

/** A switch read from a transcript and the same switch stated by the log lie at most this far apart. */
const SAME_SWITCH_MS = 120_000

/** About how many bytes of snapshots one statement writes. */
const SNAPSHOT_STATEMENT_BYTES = 512 * 1024

/** Consecutive runs of items, each of at most `limit` by `sizeOf` (a larger item is a run of its own). */
export function chunksBySize<T>(items: T[], sizeOf: (item: T) => number, limit: number): T[][] {
  const out: T[][] = []
  let run: T[] = []
  let bytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (run.length > 0 && bytes + size > limit) {
      out.push(run)
      run = []
      bytes = 0
    }
    run.push(item)
    bytes += size
  }
  if (run.length > 0) out.push(run)
  return out
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** One row per id, the last word winning: a multi-row upsert may not touch a row twice. */
function dedupeById<T extends { id: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((r) => [r.id, r])).values()]
}

/**
 * SQLite runs each statement synchronously on the server's thread, and the first save after a
 * large read writes tens of thousands of rows: between statements the event loop gets a turn, so
 * requests (the dashboard's first load, /healthz) are served meanwhile instead of after it.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export function createFleetRepository(store: Store): FleetRepository {
  const { db } = store
  // Facts come back as their bytes: a restart parses only each agent's head, and decoding the rest
  // into strings took longer than reading it (120–200 ms for 200 agents' 16 MB, against 20–90 ms).
  const factsBytes = store.dialect === 'postgres' ? sql<Buffer>`convert_to(facts, 'UTF8')` : sql<Buffer>`cast(facts as blob)`
  return {
    async load() {
      const [agents, checkpoints, kv] = await Promise.all([
        db.selectFrom('agent_snapshots').select(['agent_id', factsBytes.as('facts'), 'view', 'judged_at']).execute(),
        db.selectFrom('ingest_checkpoints').select(['key', 'position']).execute(),
        db.selectFrom('kv').select(['key', 'value']).execute(),
      ])
      return {
        agents: agents.map((r) => ({ agentId: r.agent_id, facts: r.facts })),
        views: new Map(agents.flatMap((r) => (r.view ? [[r.agent_id, r.view] as const] : []))),
        judgedAt: new Map(agents.flatMap((r) => (r.view && r.judged_at !== null ? [[r.agent_id, Number(r.judged_at)] as const] : []))),
        checkpoints: new Map(checkpoints.map((r) => [r.key, JSON.parse(r.position) as unknown])),
        kv: new Map(kv.map((r) => [r.key, JSON.parse(r.value) as unknown])),
      }
    },

    async save(changes) {
      const now = Date.now()
      await db.transaction().execute(async (trx) => {
        // Multi-row statements: a first save after a large read can hold tens of thousands of rows.
        const snapshots = changes.agents.map((a) => ({ agent_id: a.agentId, facts: a.facts, view: a.view, judged_at: a.judgedAt, updated_at: now }))
        // Facts run to tens of KB per agent: statements are cut by size, so that none holds the
        // event loop for long (the first save after a large read writes every agent).
        for (const rows of chunksBySize(snapshots, (r) => r.facts.length + (r.view?.length ?? 0), SNAPSHOT_STATEMENT_BYTES)) {
          await trx
            .insertInto('agent_snapshots')
            .values(rows)
            .onConflict((oc) =>
              oc.column('agent_id').doUpdateSet((eb) => ({
                facts: eb.ref('excluded.facts'),
                view: eb.ref('excluded.view'),
                judged_at: eb.ref('excluded.judged_at'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute()
          await nextTurn()
        }
        if (changes.removedAgents.length > 0) {
          await trx.deleteFrom('agent_snapshots').where('agent_id', 'in', changes.removedAgents).execute()
        }
        const checkpointRows = [...changes.checkpoints].map(([key, value]) => ({ key, position: JSON.stringify(value), updated_at: now }))
        for (const rows of chunks(checkpointRows, 500)) {
          await trx
            .insertInto('ingest_checkpoints')
            .values(rows)
            .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ position: eb.ref('excluded.position'), updated_at: eb.ref('excluded.updated_at') })))
            .execute()
          await nextTurn()
        }
        for (const [key, v] of changes.kv) {
          const value = JSON.stringify(v)
          await trx
            .insertInto('kv')
            .values({ key, value, updated_at: now })
            .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
            .execute()
          await nextTurn()
        }
        for (const ids of chunks(changes.removedSwitches, 500)) {
          await trx.deleteFrom('model_switches').where('id', 'in', ids).execute()
          await nextTurn()
        }
        const switchRows = changes.addedSwitches.map((s) => ({
          id: s.id,
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
        }))
        for (const rows of chunks(dedupeById(switchRows), 500)) {
          await trx
            .insertInto('model_switches')
            .values(rows)
            .onConflict((oc) =>
              oc.column('id').doUpdateSet((eb) => ({
                agent_id: eb.ref('excluded.agent_id'),
                from_model: eb.ref('excluded.from_model'),
                to_model: eb.ref('excluded.to_model'),
                reason: eb.ref('excluded.reason'),
                timestamp: eb.ref('excluded.timestamp'),
                session_id: eb.ref('excluded.session_id'),
                run_id: eb.ref('excluded.run_id'),
                http_status: eb.ref('excluded.http_status'),
                source: eb.ref('excluded.source'),
                message: eb.ref('excluded.message'),
              })),
            )
            .execute()
          await nextTurn()
        }
        // The log's word on a switch wins wherever the same switch was also read from a transcript,
        // however far apart in time the two were read.
        const touched = [...new Set(changes.addedSwitches.filter((s) => s.source === 'log').map((s) => s.agentId))]
        for (const ids of chunks(touched, 500)) {
          await sql`
            DELETE FROM model_switches
            WHERE source <> 'log' AND agent_id IN (${sql.join(ids)}) AND EXISTS (
              SELECT 1 FROM model_switches AS l
              WHERE l.agent_id = model_switches.agent_id AND l.source = 'log'
                AND l.from_model = model_switches.from_model AND l.to_model = model_switches.to_model
                AND l.timestamp BETWEEN model_switches.timestamp - ${SAME_SWITCH_MS} AND model_switches.timestamp + ${SAME_SWITCH_MS}
            )`.execute(trx)
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
