/**
 * Finds the reply in what `openclaw agent --json` prints. Versions differ, so this is tolerant:
 * the JSON may follow log lines, and the reply may be `payloads[].text` (the documented shape,
 * with `meta.agentMeta`), a string field `reply`, `text`, `content`, `output`, `message` or
 * `response`, or any of these inside `result` or `data`.
 */

export interface OpenClawReply {
  /** The parsed JSON, if any was found. */
  json: unknown
  /** The reply text, if one was found. */
  reply: string | undefined
  model?: string
  provider?: string
  usage?: Record<string, unknown>
}

const TEXT_FIELDS = ['reply', 'text', 'content', 'output', 'message', 'response'] as const
const WRAPPER_FIELDS = ['result', 'data'] as const
const MAX_DEPTH = 4

export function parseOpenClawReply(stdout: string): OpenClawReply {
  const json = findJson(stdout)
  if (json === undefined) return { json: undefined, reply: undefined }
  const found: OpenClawReply = { json, reply: replyOf(json, 0) }
  const agentMeta = findAgentMeta(json, 0)
  if (agentMeta) {
    if (typeof agentMeta.model === 'string') found.model = agentMeta.model
    if (typeof agentMeta.provider === 'string') found.provider = agentMeta.provider
    if (isObject(agentMeta.usage)) found.usage = agentMeta.usage
  }
  return found
}

/** The whole text as JSON, else its last line that is a JSON object, else the span from the first `{` to the last `}`. */
function findJson(stdout: string): unknown {
  const text = stdout.trim()
  if (text === '') return undefined
  const whole = tryParse(text)
  if (whole !== undefined) return whole
  const lines = text.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim() ?? ''
    if (!line.startsWith('{')) continue
    const parsed = tryParse(line)
    if (isObject(parsed)) return parsed
  }
  const start = text.indexOf('{')
  const end = text.lastIndexOf('}')
  return start !== -1 && end > start ? tryParse(text.slice(start, end + 1)) : undefined
}

function replyOf(value: unknown, depth: number): string | undefined {
  if (!isObject(value) || depth > MAX_DEPTH) return undefined
  if (Array.isArray(value.payloads)) {
    return value.payloads
      .map((p: unknown) => (isObject(p) && typeof p.text === 'string' ? p.text : undefined))
      .filter((t): t is string => t !== undefined)
      .join('\n\n')
  }
  for (const key of TEXT_FIELDS) {
    const field = value[key]
    if (typeof field === 'string') return field
    const nested = replyOf(field, depth + 1)
    if (nested !== undefined) return nested
  }
  for (const key of WRAPPER_FIELDS) {
    const nested = replyOf(value[key], depth + 1)
    if (nested !== undefined) return nested
  }
  return undefined
}

function findAgentMeta(value: unknown, depth: number): Record<string, unknown> | undefined {
  if (!isObject(value) || depth > MAX_DEPTH) return undefined
  const meta = value.meta
  if (isObject(meta) && isObject(meta.agentMeta)) return meta.agentMeta
  for (const key of WRAPPER_FIELDS) {
    const nested = findAgentMeta(value[key], depth + 1)
    if (nested) return nested
  }
  return undefined
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
