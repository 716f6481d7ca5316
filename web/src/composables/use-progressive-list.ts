import { computed, nextTick, onBeforeUnmount, ref, watch } from 'vue'
import type { ComputedRef, Ref, WatchSource } from 'vue'

export interface ProgressiveList<T> {
  /** The first `limit` items: what the page renders. */
  visible: ComputedRef<T[]>
  /** Items not rendered yet. */
  remaining: ComputedRef<number>
  /** Renders the next step now (the "show more" button). */
  showMore: () => void
  /** Bind to an element after the list: when it comes near the viewport, the next step renders. */
  sentinel: Ref<HTMLElement | null>
}

/**
 * Renders a long list a step at a time: the first `step` items at once, the next step whenever the
 * end of what is rendered comes within `margin` of the viewport. A fleet of 1,000 agents would
 * otherwise build every card (tens of thousands of elements) before the first one shows. Going back
 * to the first step whenever `resetOn` changes (a new filter or search).
 */
export function useProgressiveList<T>(
  items: Ref<T[]> | ComputedRef<T[]>,
  options: { step: number; margin?: string; resetOn?: WatchSource[] },
): ProgressiveList<T> {
  const limit = ref(options.step)
  const sentinel = ref<HTMLElement | null>(null)

  const visible = computed(() => (items.value.length > limit.value ? items.value.slice(0, limit.value) : items.value))
  const remaining = computed(() => Math.max(0, items.value.length - limit.value))

  if (options.resetOn?.length) watch(options.resetOn, () => (limit.value = options.step))

  let observer: IntersectionObserver | null = null
  let near = false

  function showMore(): void {
    if (remaining.value > 0) limit.value += options.step
  }

  // The observer reports changes only: after a step, the sentinel may still be in view (a tall
  // window, a fast scroll), so look again once the new items are laid out.
  watch(limit, () => {
    void nextTick(() => {
      if (near) requestAnimationFrame(() => near && showMore())
    })
  })

  watch(sentinel, (el, old) => {
    if (old) observer?.unobserve(old)
    // Whatever the old one saw no longer holds; a new one is reported on as soon as it is observed.
    near = false
    if (!el) return
    observer ??= new IntersectionObserver(
      (entries) => {
        near = entries.some((e) => e.isIntersecting)
        if (near) showMore()
      },
      { rootMargin: options.margin ?? '800px 0px' },
    )
    observer.observe(el)
  })

  onBeforeUnmount(() => observer?.disconnect())

  return { visible, remaining, showMore, sentinel }
}
