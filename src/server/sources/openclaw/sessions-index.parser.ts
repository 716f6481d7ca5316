/** `agents/<id>/sessions/sessions.json` (≤2026.7): session key → current session. */
import { isObject, obj, str, time } from './record-fields.js'

export interface SessionIndexEntry {
  sessionKey: string
  sessionId: string
  updatedAt: number | null
  provider: string | null
  model: string | null
}

/** Returns the entries, or null when the document is not an object. Entries without a sessionId are skipped. */
export function parseSessionsIndex(document: unknown): { entries: SessionIndexEntry[]; skipped: string[] } | null {
  const root = obj(document)
  if (root === null) return null
  const entries: SessionIndexEntry[] = []
  const skipped: string[] = []
  for (const [sessionKey, value] of Object.entries(root)) {
    if (!isObject(value)) {
      skipped.push(sessionKey)
      continue
    }
    const sessionId = str(value.sessionId)
    if (sessionId === null) {
      skipped.push(sessionKey)
      continue
    }
    entries.push({
      sessionKey,
      sessionId,
      updatedAt: time(value.updatedAt),
      provider: str(value.modelProvider),
      model: str(value.model),
    })
  }
  return { entries, skipped }
}
