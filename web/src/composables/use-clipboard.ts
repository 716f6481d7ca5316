import { getCurrentScope, onScopeDispose, ref } from 'vue'
import type { Ref } from 'vue'

/** How long a copy button says "Copied". */
const COPIED_FOR_MS = 2000

export interface Clipboard {
  /** Key of the text copied last, for COPIED_FOR_MS; null otherwise. */
  copied: Ref<string | null>
  /** Copies `text`; returns false if the browser refused. */
  copy: (key: string, text: string) => Promise<boolean>
}

/** Fallback for pages the browser does not consider secure (plain http on a LAN address). */
function copyWithSelection(text: string): boolean {
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  try {
    return document.execCommand('copy')
  } finally {
    area.remove()
  }
}

export function useClipboard(): Clipboard {
  const copied = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined

  async function copy(key: string, text: string): Promise<boolean> {
    let ok = false
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text)
        ok = true
      } else {
        ok = copyWithSelection(text)
      }
    } catch {
      ok = copyWithSelection(text)
    }
    if (ok) {
      copied.value = key
      clearTimeout(timer)
      timer = setTimeout(() => (copied.value = null), COPIED_FOR_MS)
    }
    return ok
  }

  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer))
  return { copied, copy }
}
