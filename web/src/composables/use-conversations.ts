import { storeToRefs } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type { ComputedRef, Ref } from 'vue'
import type { ConversationDetail, ConversationInfo } from '@shared/conversations'
import { ApiError } from '@/api/http-client'
import type { ConversationFilters } from '@/lib/conversation-filters'
import { filtersKey, toListQuery } from '@/lib/conversation-filters'
import { detailPollInterval, LIST_POLL_FALLBACK_MS, listPollInterval } from '@/lib/conversation-status'
import type { LiveState } from '@/lib/live-state'
import { liveStateOf, needsPolling } from '@/lib/live-state'
import { useConversationsStore } from '@/stores/conversations.store'
import { useSessionStore } from '@/stores/session.store'
import { useLiveSync } from './use-live-sync'
import { useStatusPolling } from './use-status-polling'

/** Conversations per page of the list. */
export const CONVERSATIONS_PAGE_SIZE = 50
/** The server's largest page: a reload of the list fetches at most this many. */
const MAX_PAGE_SIZE = 200
/** Pushes come in bursts (a status, then a task list): one fetch for the burst. */
const PUSH_FETCH_DELAY_MS = 400

/** How a conversation page is kept fresh: seed 001's connection state and the polling behind it. */
export interface LiveConnection {
  state: LiveState
  /** Polling now, the live stream being down. */
  polling: boolean
  /** The polling interval the page uses (or would use) for what it shows; `false`: none. */
  intervalMs: number | false
  lastPollAt: number | null
  nextPollAt: number | null
  /** Epoch ms of the next WebSocket attempt, while one is planned. */
  retryAt: number | null
}

/**
 * Runs `fetch` once shortly after the last of a burst of requests; a request while it runs makes it
 * run once more after. Failures are left to `fetch`.
 */
function coalesced(fetch: () => Promise<void>, delayMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let again = false

  async function fire(): Promise<void> {
    timer = undefined
    running = true
    try {
      await fetch()
    } catch {
      // The page keeps what it has; the next push or poll tries again.
    } finally {
      running = false
    }
    if (again) {
      again = false
      request()
    }
  }

  function request(): void {
    if (running) again = true
    else if (timer === undefined) timer = setTimeout(() => void fire(), delayMs)
  }

  onScopeDispose(() => clearTimeout(timer))
  return request
}

function useLiveConnection(intervalMs: Readonly<Ref<number | false>>, poll: () => Promise<void>) {
  const live = useLiveSync()
  const active = computed(() => needsPolling(live.socket))
  const polling = useStatusPolling({ active, intervalMs, poll })
  const connection = computed<LiveConnection>(() => ({
    state: liveStateOf(live.socket),
    polling: active.value,
    intervalMs: intervalMs.value,
    lastPollAt: polling.lastPollAt.value,
    nextPollAt: polling.nextPollAt.value,
    retryAt: live.socket.phase === 'waiting' ? live.socket.retryAt : null,
  }))
  return { connection, markFresh: polling.markFresh, reconnectNow: live.reconnectNow }
}

export interface ConversationList {
  items: ComputedRef<ConversationInfo[]>
  loaded: Ref<boolean>
  loadError: Ref<Error | null>
  nextCursor: Ref<string | null>
  loadingMore: Ref<boolean>
  /** The next page, after the last one shown. */
  loadMore: () => Promise<void>
  /** Reloads what is shown. Rejects when nothing could be shown. */
  reload: () => Promise<void>
  connection: ComputedRef<LiveConnection>
  reconnectNow: () => void
}

/**
 * The conversations matching `filters`, newest update first, a page at a time. Live: a push updates
 * the row at once and reloads the pages shown shortly after (pushes carry no counts, tokens nor
 * order); while the live stream is down, polled as often as the most urgent listed status asks.
 */
export function useConversationList(filters: Readonly<Ref<ConversationFilters>>): ConversationList {
  const store = useConversationsStore()
  const session = useSessionStore()
  const { list, listLoaded, listError, nextCursor, listStamp } = storeToRefs(store)
  const loadingMore = ref(false)
  /** Bumped by new filters: an answer to older ones is dropped. */
  let generation = 0

  /** The pages shown, fetched again as one (at most the server's largest page). */
  async function fetchShown(): Promise<void> {
    const gen = generation
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(CONVERSATIONS_PAGE_SIZE, store.listIds.length))
    try {
      const page = await session.http.conversations({ ...toListQuery(filters.value, Date.now()), limit })
      if (gen === generation) store.replaceList(page)
    } catch (err) {
      if (gen === generation && err instanceof Error) store.listError = err
      throw err
    }
    markFresh()
  }

  const intervalMs = computed(() => listPollInterval(list.value.map((c) => c.status)))
  const { connection, markFresh, reconnectNow } = useLiveConnection(intervalMs, fetchShown)

  watch(
    () => filtersKey(filters.value),
    () => {
      generation += 1
      store.clearList()
      fetchShown().catch(() => undefined)
    },
    { immediate: true },
  )

  const fetchSoon = coalesced(fetchShown, PUSH_FETCH_DELAY_MS)
  watch(listStamp, fetchSoon)

  async function loadMore(): Promise<void> {
    const cursor = store.nextCursor
    if (!cursor || loadingMore.value) return
    const gen = generation
    loadingMore.value = true
    try {
      const page = await session.http.conversations({ ...toListQuery(filters.value, Date.now()), cursor, limit: CONVERSATIONS_PAGE_SIZE })
      if (gen === generation) store.appendToList(page)
    } finally {
      loadingMore.value = false
    }
  }

  return {
    items: list,
    loaded: listLoaded,
    loadError: listError,
    nextCursor,
    loadingMore,
    loadMore,
    reload: fetchShown,
    connection,
    reconnectNow,
  }
}

export interface ConversationView {
  conversation: ComputedRef<ConversationDetail | null>
  /** The `result` that came with the last task list pushed, if any. */
  taskResult: ComputedRef<string | null>
  notFound: Ref<boolean>
  loadError: Ref<Error | null>
  reload: () => Promise<void>
  connection: ComputedRef<LiveConnection>
  reconnectNow: () => void
}

/**
 * One conversation in full (runs and tasks). Live: a push is applied at once and the full record is
 * fetched shortly after; while the live stream is down, polled at its status's interval (seed 001:
 * 3 s starting … 60 s stopped, never once archived).
 */
export function useConversation(id: Readonly<Ref<string>>): ConversationView {
  const store = useConversationsStore()
  const session = useSessionStore()
  const notFound = ref(false)
  const loadError = shallowRef<Error | null>(null)
  const conversation = computed(() => store.detail(id.value))

  async function fetchOne(): Promise<void> {
    const want = id.value
    try {
      const detail = await session.http.conversation(want)
      if (want !== id.value) return
      store.putDetail(detail)
      notFound.value = false
      loadError.value = null
    } catch (err) {
      if (want === id.value) {
        if (err instanceof ApiError && err.status === 404) notFound.value = true
        else if (err instanceof Error) loadError.value = err
      }
      throw err
    }
    markFresh()
  }

  const intervalMs = computed(() => (conversation.value ? detailPollInterval(conversation.value.status) : LIST_POLL_FALLBACK_MS))
  const { connection, markFresh, reconnectNow } = useLiveConnection(intervalMs, fetchOne)

  watch(
    id,
    () => {
      notFound.value = false
      loadError.value = null
      fetchOne().catch(() => undefined)
    },
    { immediate: true },
  )

  const fetchSoon = coalesced(fetchOne, PUSH_FETCH_DELAY_MS)
  watch(() => store.detailStamp(id.value), fetchSoon)

  return {
    conversation,
    taskResult: computed(() => store.taskResults.get(id.value) ?? store.details.get(id.value)?.task_result ?? null),
    notFound,
    loadError,
    reload: fetchOne,
    connection,
    reconnectNow,
  }
}
