import { onScopeDispose, readonly, ref, watch } from 'vue'
import type { Ref } from 'vue'

export interface StatusPollingOptions {
  /** Poll only while this is true (the live stream is down). */
  active: Readonly<Ref<boolean>>
  /** Time between two polls; `false`: none (an archived conversation). Read again after each poll. */
  intervalMs: Readonly<Ref<number | false>>
  /** One poll. A rejection is kept in `failed` and the next poll goes ahead as planned. */
  poll: () => Promise<void>
}

export interface StatusPolling {
  /** Epoch ms of the last poll that answered. */
  lastPollAt: Readonly<Ref<number | null>>
  /** Epoch ms of the next poll, when one is planned. */
  nextPollAt: Readonly<Ref<number | null>>
  /** The last poll failed. */
  failed: Readonly<Ref<boolean>>
  /** Fresh data arrived some other way (a fetch after a push): the next poll counts from now. */
  markFresh: () => void
}

/**
 * Polling with an interval that follows what is shown (seed 001's status-aware intervals): at once
 * when it becomes active (pushes may have been missed meanwhile), then every `intervalMs` after the
 * last fresh data; a change of interval takes effect at once.
 */
export function useStatusPolling(options: StatusPollingOptions): StatusPolling {
  const lastPollAt = ref<number | null>(null)
  const nextPollAt = ref<number | null>(null)
  const failed = ref(false)
  let freshAt = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  let inflight = false
  let disposed = false

  function schedule(): void {
    clearTimeout(timer)
    timer = undefined
    nextPollAt.value = null
    const every = options.intervalMs.value
    if (disposed || inflight || !options.active.value || every === false) return
    const due = freshAt + every
    nextPollAt.value = due
    timer = setTimeout(() => void run(), Math.max(0, due - Date.now()))
  }

  async function run(): Promise<void> {
    if (inflight || disposed) return
    inflight = true
    clearTimeout(timer)
    nextPollAt.value = null
    try {
      await options.poll()
      lastPollAt.value = Date.now()
      failed.value = false
    } catch {
      failed.value = true
    } finally {
      inflight = false
      freshAt = Date.now()
    }
    schedule()
  }

  // Active from the start: the page is loading its own snapshot, so the first poll waits an interval.
  schedule()
  watch(options.active, (on) => {
    if (on) void run()
    else schedule()
  })
  watch(options.intervalMs, schedule)

  onScopeDispose(() => {
    disposed = true
    clearTimeout(timer)
  })

  return {
    lastPollAt: readonly(lastPollAt),
    nextPollAt: readonly(nextPollAt),
    failed: readonly(failed),
    markFresh() {
      freshAt = Date.now()
      schedule()
    },
  }
}
