/**
 * Pushed messages applied together once a frame instead of one by one: each applied message makes
 * the page render again, and a busy fleet pushes hundreds a second. Messages keep their order; the
 * longest any waits is one frame, or `maxWaitMs` when the page is hidden and frames stop.
 */
export interface FrameBatch<M> {
  add(message: M): void
  /** Applies whatever waits, now: call before anything (a snapshot) that must come after it. */
  flush(): void
  /** Drops whatever waits, unapplied. */
  clear(): void
  /** Messages waiting. */
  readonly size: number
}

export interface FrameBatchOptions {
  maxWaitMs: number
  /** The frame clock; default is the browser's `requestAnimationFrame`, when there is one. */
  requestFrame?: (callback: () => void) => number
  cancelFrame?: (handle: number) => void
}

export function createFrameBatch<M>(apply: (messages: readonly M[]) => void, options: FrameBatchOptions): FrameBatch<M> {
  const hasFrames = typeof requestAnimationFrame === 'function'
  const requestFrame = options.requestFrame ?? (hasFrames ? (cb: () => void) => requestAnimationFrame(cb) : null)
  const cancelFrame = options.cancelFrame ?? (hasFrames ? (handle: number) => cancelAnimationFrame(handle) : null)
  let queued: M[] = []
  let frame: number | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  function unschedule(): void {
    if (frame !== null) cancelFrame?.(frame)
    if (timer !== null) clearTimeout(timer)
    frame = timer = null
  }

  function flush(): void {
    unschedule()
    if (queued.length === 0) return
    const messages = queued
    queued = []
    apply(messages)
  }

  return {
    add(message) {
      queued.push(message)
      if (timer !== null) return
      timer = setTimeout(flush, options.maxWaitMs)
      if (requestFrame) frame = requestFrame(flush)
    },
    flush,
    clear() {
      unschedule()
      queued = []
    },
    get size() {
      return queued.length
    },
  }
}
