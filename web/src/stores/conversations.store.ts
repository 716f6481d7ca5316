import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type {
  ConversationDetail,
  ConversationEvent,
  ConversationInfo,
  ConversationsPage,
  StatusUpdateData,
  TaskTrackingData,
} from '@shared/conversations'
import { parseTime } from '@/lib/conversation-status'

/** What a `status_update` says about a conversation, laid over the copy the page has. */
function withStatus<T extends ConversationInfo>(c: T, d: StatusUpdateData, timestamp: string): T {
  const at = parseTime(timestamp) ?? 0
  return {
    ...c,
    status: d.status,
    runtime_status: d.runtime_status,
    status_reason: d.reason,
    status_inferred: d.inferred,
    updated_at: at > (parseTime(c.updated_at) ?? 0) ? timestamp : c.updated_at,
  }
}

/**
 * Conversations (seed 001) the pages show: the one list page (its ids, in the server's order, and
 * cursor), each conversation's summary, the conversations shown in full, and what pushes said.
 *
 * A push carries the status, not the counts, tokens or cost: it is applied at once, and it bumps a
 * "stamp" that the page showing that conversation (or the list) watches to fetch the rest.
 * Each object is replaced, never mutated, so a row re-renders only when its own one changed.
 */
export const useConversationsStore = defineStore('conversations', () => {
  const summaries = shallowRef(new Map<string, ConversationInfo>())
  const details = shallowRef(new Map<string, ConversationDetail>())
  /** The `result` of the last task list pushed for a conversation (REST does not keep it). */
  const taskResults = shallowRef(new Map<string, string>())

  /** The list page: ids in the server's order (newest update first). */
  const listIds = ref<string[]>([])
  /** Cursor of the next page of the list; null at its end. */
  const nextCursor = ref<string | null>(null)
  /** The list's first page has arrived for the current filters. */
  const listLoaded = ref(false)
  const listError = shallowRef<Error | null>(null)

  /** Bumped by every push: the list may have changed (order, counts, a new conversation). */
  const listStamp = ref(0)
  /** Bumped per conversation by every push about it. */
  const detailStamps = shallowRef(new Map<string, number>())

  const list = computed(() =>
    listIds.value.map((id) => summaries.value.get(id)).filter((c): c is ConversationInfo => c !== undefined),
  )

  function get(id: string): ConversationInfo | null {
    return details.value.get(id) ?? summaries.value.get(id) ?? null
  }

  function detail(id: string): ConversationDetail | null {
    return details.value.get(id) ?? null
  }

  const detailStamp = (id: string): number => detailStamps.value.get(id) ?? 0

  function replaceList(page: ConversationsPage): void {
    for (const c of page.conversations) summaries.value.set(c.conversation_id, c)
    triggerRef(summaries)
    listIds.value = page.conversations.map((c) => c.conversation_id)
    nextCursor.value = page.next_cursor
    listLoaded.value = true
    listError.value = null
  }

  function appendToList(page: ConversationsPage): void {
    for (const c of page.conversations) summaries.value.set(c.conversation_id, c)
    triggerRef(summaries)
    const seen = new Set(listIds.value)
    listIds.value = [...listIds.value, ...page.conversations.map((c) => c.conversation_id).filter((id) => !seen.has(id))]
    nextCursor.value = page.next_cursor
  }

  /** New filters: nothing shown until their first page arrives. */
  function clearList(): void {
    listIds.value = []
    nextCursor.value = null
    listLoaded.value = false
    listError.value = null
  }

  function putDetail(d: ConversationDetail): void {
    details.value.set(d.conversation_id, d)
    triggerRef(details)
    // The summary is the same record without runs and tasks: keep the list row in step.
    const { runs: _runs, tasks: _tasks, ...info } = d
    summaries.value.set(d.conversation_id, info)
    triggerRef(summaries)
  }

  function bump(id: string): void {
    detailStamps.value.set(id, detailStamp(id) + 1)
    triggerRef(detailStamps)
    listStamp.value += 1
  }

  function applyStatus(d: StatusUpdateData, timestamp: string): void {
    const summary = summaries.value.get(d.conversation_id)
    if (summary) {
      summaries.value.set(d.conversation_id, withStatus(summary, d, timestamp))
      triggerRef(summaries)
    }
    const full = details.value.get(d.conversation_id)
    if (full) {
      details.value.set(d.conversation_id, withStatus(full, d, timestamp))
      triggerRef(details)
    }
  }

  function applyTasks(d: TaskTrackingData): void {
    if (d.result) taskResults.value.set(d.conversation_id, d.result)
    else taskResults.value.delete(d.conversation_id)
    triggerRef(taskResults)
    const full = details.value.get(d.conversation_id)
    if (full) {
      details.value.set(d.conversation_id, { ...full, tasks: d.task_list })
      triggerRef(details)
    }
  }

  /** Applies one pushed seed message (`status_update` or `task_tracking`). */
  function applyEvent(event: ConversationEvent): void {
    switch (event.type) {
      case 'status_update':
        applyStatus(event.data, event.timestamp)
        break
      case 'task_tracking':
        applyTasks(event.data)
        break
    }
    bump(event.data.conversation_id)
  }

  /** Messages may have been lost: every page reloads what it shows. */
  function invalidateAll(): void {
    for (const id of details.value.keys()) detailStamps.value.set(id, detailStamp(id) + 1)
    triggerRef(detailStamps)
    listStamp.value += 1
  }

  function reset(): void {
    summaries.value = new Map()
    details.value = new Map()
    taskResults.value = new Map()
    detailStamps.value = new Map()
    clearList()
    listStamp.value = 0
  }

  return {
    summaries,
    details,
    taskResults,
    listIds,
    nextCursor,
    listLoaded,
    listError,
    listStamp,
    detailStamps,
    list,
    get,
    detail,
    detailStamp,
    replaceList,
    appendToList,
    clearList,
    putDetail,
    applyEvent,
    invalidateAll,
    reset,
  }
})
