import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type { Execution, ExecutionsPage, ExecutionStep, ExecutionUpdateData } from '@shared/executions'
import { isFinal } from '@shared/executions'
import { isActive, newestFirst, statusRank, stepRank } from '@/lib/execution-status'
import type { FeedEnvelope } from '@/lib/live-messages'

/**
 * What a pushed update says about an execution this page has not loaded yet: enough for the history
 * and the monitor until the full record arrives over REST.
 */
function fromUpdate(d: ExecutionUpdateData, timestamp: number): Execution {
  const at = new Date(timestamp).toISOString()
  return {
    id: d.id,
    execution_type: d.execution_type,
    status: d.status,
    agent_id: d.agent_id,
    workflow_id: d.workflow_id,
    runner: null,
    test_input: null,
    test_output: d.output,
    error_message: d.error,
    meta: null,
    progress: d.progress,
    steps: [],
    started_by: null,
    created_at: d.started_at ?? at,
    started_at: d.started_at,
    finished_at: d.finished_at,
    updated_at: at,
  }
}

const stepKey = (id: number, index: number): string => `${id}:${index}`

/** A workflow run's steps from a REST answer, none of them moved back from what a push already said. */
function mergeSteps(before: ExecutionStep[], next: ExecutionStep[]): ExecutionStep[] {
  if (before.length !== next.length) return next
  return next.map((step, i) => {
    const old = before[i]
    return old && stepRank(old.status) > stepRank(step.status) ? old : step
  })
}

/** A push names the step that runs now: mark it so before the full record says so. */
function markRunning(steps: ExecutionStep[], index: number | null): ExecutionStep[] {
  const step = index === null ? undefined : steps[index]
  if (!step || step.status !== 'pending') return steps
  return steps.map((s) => (s === step ? { ...s, status: 'running' } : s))
}

/**
 * Agent tests and workflow runs this page knows of: the first page of history, older pages on
 * demand, anything fetched by id, and every push on topic `executions`. Live output is kept apart,
 * per execution, as the concatenation of the `output_chunk`s received while it runs (per step of a
 * workflow run: a chunk's `step_index` says which).
 * Each execution object is replaced, never mutated, so a row re-renders only when its own one changed.
 */
export const useExecutionsStore = defineStore('executions', () => {
  const byId = shallowRef(new Map<number, Execution>())
  /** Live output per execution while it runs (and after, when the final record has none). */
  const liveOutput = shallowRef(new Map<number, string>())
  /** The same per workflow step, keyed `id:index`. */
  const liveStepOutput = shallowRef(new Map<string, string>())
  /** The first page has arrived at least once. */
  const loaded = ref(false)
  const loadError = shallowRef<Error | null>(null)
  /** Cursor of the next older page of the whole history; null at its end. */
  const nextCursor = ref<string | null>(null)
  /** Older pages were loaded: a fresh first page must not move the cursor back to its end. */
  let pagedBeyondFirst = false
  /** Executions started from this tab, so it can say when each one ends. */
  const startedHere = new Set<number>()
  /** Executions a page is showing in full; kept fresh while the live stream is down. */
  const watched = new Map<number, number>()

  const list = computed(() => [...byId.value.values()].sort(newestFirst))
  /** Pending and running, oldest first: the order they were started in. */
  const active = computed(() => list.value.filter(isActive).reverse())

  function get(id: number): Execution | null {
    return byId.value.get(id) ?? null
  }

  function forAgent(agentId: string): Execution[] {
    return list.value.filter((e) => e.execution_type === 'agent_test' && e.agent_id === agentId)
  }

  /** A workflow's runs, newest first. */
  function forWorkflow(workflowId: number): Execution[] {
    return list.value.filter((e) => e.execution_type === 'workflow' && e.workflow_id === workflowId)
  }

  /** What it printed: the final output once there is one, the live output before. */
  function outputOf(id: number): string {
    const e = byId.value.get(id)
    const live = liveOutput.value.get(id) ?? ''
    if (e?.test_output != null && (isFinal(e.status) || e.test_output.length >= live.length)) return e.test_output
    return live
  }

  /** What a workflow step printed, the same way. */
  function stepOutputOf(id: number, index: number): string {
    const step = byId.value.get(id)?.steps[index]
    const live = liveStepOutput.value.get(stepKey(id, index)) ?? ''
    if (step?.output != null && (stepRank(step.status) === 2 || step.output.length >= live.length)) return step.output
    return live
  }

  /**
   * A REST answer may have been produced before a push that was already applied: it never moves an
   * execution back (running to pending, finished to running).
   */
  function put(next: Execution): void {
    const before = byId.value.get(next.id)
    if (before && statusRank(before.status) > statusRank(next.status)) return
    byId.value.set(next.id, before?.steps.length ? { ...next, steps: mergeSteps(before.steps, next.steps) } : next)
    // A running record that carries what it printed so far (a poll while the live stream is down).
    const live = liveOutput.value.get(next.id) ?? ''
    if (next.test_output && next.test_output.length > live.length && next.test_output.startsWith(live)) {
      liveOutput.value.set(next.id, next.test_output)
    }
  }

  function upsert(execution: Execution): void {
    put(execution)
    triggerRef(byId)
    triggerRef(liveOutput)
  }

  function upsertMany(executions: Execution[]): void {
    for (const e of executions) put(e)
    triggerRef(byId)
    triggerRef(liveOutput)
  }

  function replaceFirstPage(page: ExecutionsPage): void {
    upsertMany(page.executions)
    if (!pagedBeyondFirst) nextCursor.value = page.next_cursor
    loaded.value = true
    loadError.value = null
  }

  function appendOlderPage(page: ExecutionsPage): void {
    upsertMany(page.executions)
    pagedBeyondFirst = true
    nextCursor.value = page.next_cursor
  }

  /**
   * Applies one pushed message. Returns the id of an execution the store did not know (its full
   * record should be fetched), or null.
   */
  function applyMessage(message: FeedEnvelope<'executions'>): number | null {
    const d = message.data
    const before = byId.value.get(d.id)
    if (d.output_chunk && d.step_index !== null && d.step_index !== undefined) {
      const key = stepKey(d.id, d.step_index)
      liveStepOutput.value.set(key, (liveStepOutput.value.get(key) ?? '') + d.output_chunk)
    } else if (d.output_chunk) {
      liveOutput.value.set(d.id, (liveOutput.value.get(d.id) ?? '') + d.output_chunk)
    }
    byId.value.set(
      d.id,
      before
        ? {
            ...before,
            status: d.status,
            agent_id: d.agent_id ?? before.agent_id,
            workflow_id: d.workflow_id ?? before.workflow_id,
            started_at: d.started_at ?? before.started_at,
            finished_at: d.finished_at ?? before.finished_at,
            progress: d.progress ?? before.progress,
            test_output: d.output ?? before.test_output,
            error_message: d.error ?? before.error_message,
            steps: markRunning(before.steps, d.step_index ?? null),
            updated_at: new Date(message.timestamp).toISOString(),
          }
        : fromUpdate(d, message.timestamp),
    )
    triggerRef(byId)
    triggerRef(liveOutput)
    triggerRef(liveStepOutput)
    return before ? null : d.id
  }

  function markStartedHere(id: number): void {
    startedHere.add(id)
  }

  /** True once for an execution started from this tab that has finished. */
  function takeFinishedHere(id: number): boolean {
    const e = byId.value.get(id)
    if (!e || !startedHere.has(id) || !isFinal(e.status)) return false
    startedHere.delete(id)
    return true
  }

  /** A page shows this execution in full until the returned function is called. */
  function watch(id: number): () => void {
    watched.set(id, (watched.get(id) ?? 0) + 1)
    return () => {
      const n = (watched.get(id) ?? 1) - 1
      if (n > 0) watched.set(id, n)
      else watched.delete(id)
    }
  }

  /** What a fresh first page may not cover: the watched ones and those last seen unfinished. */
  function idsToRefresh(firstPage: ExecutionsPage): number[] {
    const onPage = new Set(firstPage.executions.map((e) => e.id))
    const ids = new Set([...watched.keys(), ...active.value.map((e) => e.id)])
    return [...ids].filter((id) => !onPage.has(id))
  }

  function reset(): void {
    byId.value = new Map()
    liveOutput.value = new Map()
    liveStepOutput.value = new Map()
    loaded.value = false
    loadError.value = null
    nextCursor.value = null
    pagedBeyondFirst = false
    startedHere.clear()
  }

  return {
    byId,
    liveOutput,
    liveStepOutput,
    loaded,
    loadError,
    nextCursor,
    list,
    active,
    get,
    forAgent,
    forWorkflow,
    outputOf,
    stepOutputOf,
    upsert,
    upsertMany,
    replaceFirstPage,
    appendOlderPage,
    applyMessage,
    markStartedHere,
    takeFinishedHere,
    watch,
    idsToRefresh,
    reset,
  }
})
