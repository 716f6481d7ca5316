import { storeToRefs } from 'pinia'
import type { Execution } from '@shared/executions'
import type { Workflow, WorkflowInput } from '@shared/workflows'
import { ApiError } from '@/api/http-client'
import { useExecutionsStore } from '@/stores/executions.store'
import { useSessionStore } from '@/stores/session.store'
import { useWorkflowsStore } from '@/stores/workflows.store'

/** Workflow runs fetched for the list page's "last run" column. */
const RECENT_RUNS_LIMIT = 100

/**
 * Workflows (seed 002) and their actions. The store is updated from each answer at once; a run,
 * once started, is an execution like any other and the executions store follows it live.
 */
export function useWorkflows() {
  const store = useWorkflowsStore()
  const executions = useExecutionsStore()
  const session = useSessionStore()
  const { list, loaded, loadError } = storeToRefs(store)

  /** Reloads the list. Rejects only when there is none to show. */
  async function refresh(): Promise<void> {
    try {
      store.replaceAll((await session.http.workflows()).workflows)
    } catch (err) {
      if (!(err instanceof Error)) throw err
      store.loadError = err
      if (!store.loaded) throw err
    }
  }

  /** The latest workflow runs, so each listed workflow can say how it last went. */
  async function loadRecentRuns(): Promise<void> {
    const page = await session.http.executions({ type: 'workflow', limit: RECENT_RUNS_LIMIT })
    executions.upsertMany(page.executions)
  }

  /** The workflow as the server has it now; a 404 marks it gone. */
  async function fetchOne(id: number): Promise<Workflow> {
    try {
      const workflow = await session.http.workflow(id)
      store.upsert(workflow)
      return workflow
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) store.remove(id)
      throw err
    }
  }

  async function create(input: WorkflowInput): Promise<Workflow> {
    const workflow = await session.http.createWorkflow(input)
    store.upsert(workflow)
    return workflow
  }

  async function update(id: number, input: WorkflowInput): Promise<Workflow> {
    const workflow = await session.http.updateWorkflow(id, input)
    store.upsert(workflow)
    return workflow
  }

  async function remove(id: number): Promise<void> {
    await session.http.deleteWorkflow(id)
    store.remove(id)
  }

  /** Starts a run in the background; the corner monitor and the execution page follow it. */
  async function run(id: number, input: string): Promise<Execution> {
    const execution = await session.http.runWorkflow(id, input ? { input } : {})
    executions.markStartedHere(execution.id)
    executions.upsert(execution)
    return execution
  }

  return {
    list,
    loaded,
    loadError,
    get: store.get,
    isGone: store.isGone,
    refresh,
    loadRecentRuns,
    fetchOne,
    create,
    update,
    remove,
    run,
  }
}
