import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type { Workflow } from '@shared/workflows'

const byName = (a: Workflow, b: Workflow): number => a.name.localeCompare(b.name) || a.id - b.id

/**
 * The workflows this page knows of: the list over REST, and whatever was fetched, saved or deleted
 * from here. Nothing pushes them, so a page that lists them reloads the list when it opens.
 */
export const useWorkflowsStore = defineStore('workflows', () => {
  const byId = shallowRef(new Map<number, Workflow>())
  /** Ids asked for and answered 404: deleted, here or elsewhere. */
  const gone = shallowRef(new Set<number>())
  /** The whole list has arrived at least once. */
  const loaded = ref(false)
  const loadError = shallowRef<Error | null>(null)

  const list = computed(() => [...byId.value.values()].sort(byName))

  function get(id: number): Workflow | null {
    return byId.value.get(id) ?? null
  }

  function isGone(id: number): boolean {
    return gone.value.has(id)
  }

  function replaceAll(workflows: Workflow[]): void {
    byId.value = new Map(workflows.map((w) => [w.id, w]))
    loaded.value = true
    loadError.value = null
  }

  function upsert(workflow: Workflow): void {
    byId.value.set(workflow.id, workflow)
    gone.value.delete(workflow.id)
    triggerRef(byId)
    triggerRef(gone)
  }

  function remove(id: number): void {
    byId.value.delete(id)
    gone.value.add(id)
    triggerRef(byId)
    triggerRef(gone)
  }

  function reset(): void {
    byId.value = new Map()
    gone.value = new Set()
    loaded.value = false
    loadError.value = null
  }

  return { byId, gone, loaded, loadError, list, get, isGone, replaceAll, upsert, remove, reset }
})
