import { storeToRefs } from 'pinia'
import type { Execution } from '@shared/executions'
import type { AgentRunner } from '@/api/http-client'
import { useExecutionsStore } from '@/stores/executions.store'
import { useSessionStore } from '@/stores/session.store'
import { EXECUTIONS_PAGE_SIZE, useLiveSync } from './use-live-sync'

/** Tests of one agent that its test page lists. */
const AGENT_TESTS_LIMIT = 10
/** Runs of one workflow that its page lists. */
const WORKFLOW_RUNS_LIMIT = 10

/**
 * Executions (seed 002) kept fresh by the shared live connection, and their actions. The store is
 * updated from each answer at once; the `execution_update` pushes that follow carry it on.
 */
export function useExecutions() {
  const live = useLiveSync()
  const store = useExecutionsStore()
  const session = useSessionStore()
  const { list, active, loaded, loadError, nextCursor } = storeToRefs(store)

  async function startTest(agentId: string, input: string): Promise<Execution> {
    const execution = await session.http.startAgentTest(agentId, { test_input: input })
    store.markStartedHere(execution.id)
    store.upsert(execution)
    return execution
  }

  async function cancel(id: number): Promise<Execution> {
    const execution = await session.http.cancelExecution(id)
    store.upsert(execution)
    return execution
  }

  /** The full record: input, meta and steps, which pushes do not carry. */
  async function fetchExecution(id: number): Promise<Execution> {
    const execution = await session.http.execution(id)
    store.upsert(execution)
    return store.get(id) ?? execution
  }

  /** The next older page of the whole history. */
  async function loadMore(): Promise<void> {
    if (!store.nextCursor) return
    store.appendOlderPage(await session.http.executions({ cursor: store.nextCursor, limit: EXECUTIONS_PAGE_SIZE }))
  }

  /** This agent's latest tests, which the first page of the whole history may not hold. */
  async function loadAgentTests(agentId: string): Promise<void> {
    const page = await session.http.executions({ type: 'agent_test', agent_id: agentId, limit: AGENT_TESTS_LIMIT })
    store.upsertMany(page.executions)
  }

  /** This workflow's latest runs, which the first page of the whole history may not hold. */
  async function loadWorkflowRuns(workflowId: number): Promise<void> {
    const page = await session.http.executions({ type: 'workflow', workflow_id: workflowId, limit: WORKFLOW_RUNS_LIMIT })
    store.upsertMany(page.executions)
  }

  const getRunner = (agentId: string): Promise<AgentRunner> => session.http.agentRunner(agentId)
  const saveRunner = (agentId: string, runner: AgentRunner): Promise<AgentRunner> => session.http.saveAgentRunner(agentId, runner)

  return {
    list,
    active,
    loaded,
    loadError,
    nextCursor,
    get: store.get,
    forAgent: store.forAgent,
    forWorkflow: store.forWorkflow,
    outputOf: store.outputOf,
    stepOutputOf: store.stepOutputOf,
    watch: store.watch,
    takeFinishedHere: store.takeFinishedHere,
    refresh: live.refresh,
    startTest,
    cancel,
    fetchExecution,
    loadMore,
    loadAgentTests,
    loadWorkflowRuns,
    getRunner,
    saveRunner,
  }
}
