/**
 * Executions and agent runners in the store. Every state change of an execution is written before
 * it is pushed, so whatever a client was told survives a crash.
 */
import type { Execution, ExecutionStatus, ExecutionStep, ExecutionType, RunnerConfig, RunnerKind, RunnerLimits } from '../../shared/executions.js'
import { sql } from 'kysely'
import type { ExecutionTable, Store } from './database.js'

export interface NewExecution {
  execution_type: ExecutionType
  agent_id: string | null
  workflow_id: number | null
  runner: RunnerKind | null
  test_input: string | null
  started_by: string | null
  meta: Record<string, unknown> | null
  /** A workflow run's steps, all `pending`. */
  steps?: ExecutionStep[]
  progress?: number | null
}

export interface ExecutionPatch {
  status?: ExecutionStatus
  test_output?: string | null
  error_message?: string | null
  meta?: Record<string, unknown> | null
  progress?: number | null
  steps?: ExecutionStep[]
  started_at?: number | null
  finished_at?: number | null
}

export interface ExecutionFilter {
  type?: ExecutionType
  status?: ExecutionStatus
  agentId?: string
  workflowId?: number
  /** Text searched in input, output and error. */
  q?: string
  /** Only ids below this (the cursor of the page before). */
  beforeId?: number
  limit: number
}

export interface ExecutionsRepository {
  insert(e: NewExecution, now: number): Promise<Execution>
  update(id: number, patch: ExecutionPatch, now: number): Promise<Execution | null>
  get(id: number): Promise<Execution | null>
  list(filter: ExecutionFilter): Promise<Execution[]>
  /** Executions that were `running` or `pending` when the server last stopped, oldest first. */
  unfinished(): Promise<Execution[]>
  /** Deletes finished executions that ended before `before`. Returns how many. */
  prune(before: number): Promise<number>
  getRunner(agentId: string): Promise<(RunnerConfig & RunnerLimits) | null>
  putRunner(agentId: string, config: RunnerConfig & RunnerLimits, now: number): Promise<void>
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())

function parseJson<T>(raw: string | null, fallback: T): T {
  if (raw === null) return fallback
  try {
    return JSON.parse(raw) as T
  } catch {
    return fallback
  }
}

function toExecution(r: Omit<ExecutionTable, 'id'> & { id: number }): Execution {
  return {
    id: r.id,
    execution_type: r.execution_type as ExecutionType,
    status: r.status as ExecutionStatus,
    agent_id: r.agent_id,
    workflow_id: r.workflow_id,
    runner: r.runner as RunnerKind | null,
    test_input: r.test_input,
    test_output: r.test_output,
    error_message: r.error_message,
    meta: parseJson<Record<string, unknown> | null>(r.meta, null),
    progress: r.progress,
    steps: parseJson<ExecutionStep[]>(r.steps, []),
    started_by: r.started_by,
    created_at: iso(r.created_at)!,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    updated_at: iso(r.updated_at)!,
  }
}

/** `%`, `_` and `\` are literal in a search. */
const likePattern = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function createExecutionsRepository(store: Store): ExecutionsRepository {
  const { db } = store
  const get = async (id: number): Promise<Execution | null> => {
    const row = await db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toExecution(row) : null
  }
  return {
    async insert(e, now) {
      const row = await db
        .insertInto('executions')
        .values({
          execution_type: e.execution_type,
          status: 'pending',
          agent_id: e.agent_id,
          workflow_id: e.workflow_id,
          runner: e.runner,
          test_input: e.test_input,
          test_output: null,
          error_message: null,
          meta: e.meta === null ? null : JSON.stringify(e.meta),
          progress: e.progress ?? null,
          steps: JSON.stringify(e.steps ?? []),
          started_by: e.started_by,
          created_at: now,
          started_at: null,
          finished_at: null,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toExecution(row)
    },

    async update(id, patch, now) {
      const set: Partial<Omit<ExecutionTable, 'id'>> = { updated_at: now }
      if (patch.status !== undefined) set.status = patch.status
      if (patch.test_output !== undefined) set.test_output = patch.test_output
      if (patch.error_message !== undefined) set.error_message = patch.error_message
      if (patch.meta !== undefined) set.meta = patch.meta === null ? null : JSON.stringify(patch.meta)
      if (patch.progress !== undefined) set.progress = patch.progress
      if (patch.steps !== undefined) set.steps = JSON.stringify(patch.steps)
      if (patch.started_at !== undefined) set.started_at = patch.started_at
      if (patch.finished_at !== undefined) set.finished_at = patch.finished_at
      const row = await db.updateTable('executions').set(set).where('id', '=', id).returningAll().executeTakeFirst()
      return row ? toExecution(row) : null
    },

    get,

    async list(f) {
      let q = db.selectFrom('executions').selectAll()
      if (f.type) q = q.where('execution_type', '=', f.type)
      if (f.status) q = q.where('status', '=', f.status)
      if (f.agentId) q = q.where('agent_id', '=', f.agentId)
      if (f.workflowId !== undefined) q = q.where('workflow_id', '=', f.workflowId)
      if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId)
      if (f.q) {
        const pattern = likePattern(f.q)
        const like = (column: 'test_input' | 'test_output' | 'error_message') => sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`
        q = q.where((eb) => eb.or([like('test_input'), like('test_output'), like('error_message')]))
      }
      const rows = await q.orderBy('id', 'desc').limit(f.limit).execute()
      return rows.map(toExecution)
    },

    async unfinished() {
      const rows = await db.selectFrom('executions').selectAll().where('status', 'in', ['pending', 'running']).orderBy('id').execute()
      return rows.map(toExecution)
    },

    async prune(before) {
      const r = await db
        .deleteFrom('executions')
        .where('status', 'in', ['succeeded', 'failed', 'cancelled', 'interrupted'])
        .where('finished_at', '<', before)
        .executeTakeFirst()
      return Number(r.numDeletedRows)
    },

    async getRunner(agentId) {
      const row = await db.selectFrom('agent_runners').select('config').where('agent_id', '=', agentId).executeTakeFirst()
      return row ? parseJson<(RunnerConfig & RunnerLimits) | null>(row.config, null) : null
    },

    async putRunner(agentId, config, now) {
      const value = JSON.stringify(config)
      await db
        .insertInto('agent_runners')
        .values({ agent_id: agentId, config: value, updated_at: now })
        .onConflict((oc) => oc.column('agent_id').doUpdateSet({ config: value, updated_at: now }))
        .execute()
    },
  }
}
