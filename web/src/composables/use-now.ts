import { getCurrentScope, onScopeDispose, readonly, ref } from 'vue'
import type { Ref } from 'vue'

const now = ref(Date.now())
let users = 0
let timer: ReturnType<typeof setInterval> | undefined

/**
 * The current time (epoch ms) as a ref that ticks once a second. Every relative time and countdown on
 * the page shares one timer, so they all change in the same frame.
 */
export function useNow(): Readonly<Ref<number>> {
  users += 1
  if (users === 1) {
    now.value = Date.now()
    timer = setInterval(() => {
      now.value = Date.now()
    }, 1000)
  }
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users -= 1
      if (users === 0) clearInterval(timer)
    })
  }
  return readonly(now)
}
