/** Stored workflows (seed 002). Names are unique; steps are kept as JSON. */
import type { Workflow, WorkflowInput, WorkflowStep } from '../../shared/workflows.js'
import type { Store, WorkflowTable } from './database.js'

export interface WorkflowsRepository {
  list(): Promise<Workflow[]>
  get(id: number): Promise<Workflow | null>
  getByName(name: string): Promise<Workflow | null>
  /** Null when the name is taken. */
  insert(w: WorkflowInput, now: number): Promise<Workflow | null>
  /** `'missing'` when there is no such workflow, `'name_taken'` when another one has the name. */
  update(id: number, w: WorkflowInput, now: number): Promise<Workflow | 'missing' | 'name_taken'>
  delete(id: number): Promise<boolean>
}

function toWorkflow(r: Omit<WorkflowTable, 'id'> & { id: number }): Workflow {
  let steps: WorkflowStep[] = []
  try {
    steps = JSON.parse(r.steps) as WorkflowStep[]
  } catch {
    // Only this module writes the column; an unreadable value shows as a workflow without steps.
  }
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    steps,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  }
}

export function createWorkflowsRepository(store: Store): WorkflowsRepository {
  const { db } = store
  const byName = async (name: string): Promise<Workflow | null> => {
    const row = await db.selectFrom('workflows').selectAll().where('name', '=', name).executeTakeFirst()
    return row ? toWorkflow(row) : null
  }
  return {
    async list() {
      const rows = await db.selectFrom('workflows').selectAll().orderBy('name').execute()
      return rows.map(toWorkflow)
    },

    async get(id) {
      const row = await db.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirst()
      return row ? toWorkflow(row) : null
    },

    getByName: byName,

    async insert(w, now) {
      // The unique index decides a race; the look-up first gives the usual case a clean answer.
      return db.transaction().execute(async (tx) => {
        const taken = await tx.selectFrom('workflows').select('id').where('name', '=', w.name).executeTakeFirst()
        if (taken) return null
        const row = await tx
          .insertInto('workflows')
          .values({ name: w.name, description: w.description ?? null, steps: JSON.stringify(w.steps), created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow()
        return toWorkflow(row)
      })
    },

    async update(id, w, now) {
      return db.transaction().execute(async (tx) => {
        const taken = await tx.selectFrom('workflows').select('id').where('name', '=', w.name).where('id', '!=', id).executeTakeFirst()
        if (taken) return 'name_taken' as const
        const row = await tx
          .updateTable('workflows')
          .set({ name: w.name, description: w.description ?? null, steps: JSON.stringify(w.steps), updated_at: now })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst()
        return row ? toWorkflow(row) : ('missing' as const)
      })
    },

    async delete(id) {
      const r = await db.deleteFrom('workflows').where('id', '=', id).executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
  }
}
