/**
 * A faster parse of transcript message lines: the bulk of a message line is its `content` (the
 * text of a reply or a prompt), which Switchboard never needs — except whether a prompt is a retry.
 * The content array is cut out by byte positions before JSON.parse. The cut is only trusted when
 * what is left parses; otherwise the caller parses the whole line. OpenClaw writes `content`
 * right before `api` in replies and right before `timestamp` in prompts; a quote inside a JSON
 * string is always escaped, so those byte sequences can only be structure.
 */
import { RETRY_PREFIX } from './transcript.parser.js'

const ASSISTANT = Buffer.from('"role":"assistant","content":[')
const ASSISTANT_END = Buffer.from('],"api":"')
const USER = Buffer.from('"role":"user","content":[')
const USER_END = Buffer.from('],"timestamp":')
const TEXT_PART = Buffer.from('{"type":"text","text":"')
const RETRY_TEXT = Buffer.from(`{"type":"text","text":${JSON.stringify(RETRY_PREFIX).slice(0, -1)}`)
const RETRY_CONTENT = JSON.stringify([{ type: 'text', text: RETRY_PREFIX }])

/** Parses a message line without its content, or returns undefined when the line is not one. */
export function parseSlimMessageLine(buf: Buffer, start: number, end: number): unknown {
  const line = buf.subarray(start, end)
  let open = line.indexOf(ASSISTANT)
  let close = -1
  let replacement = '[]'
  if (open !== -1) {
    open += ASSISTANT.length - 1
    close = line.indexOf(ASSISTANT_END, open)
  } else {
    open = line.indexOf(USER)
    if (open === -1) return undefined
    open += USER.length - 1
    close = line.indexOf(USER_END, open)
    // Whether a prompt is a retry is all that is read from its content; a prompt written in any
    // other form than OpenClaw's compact one is parsed whole.
    if (!line.subarray(open + 1, open + 1 + TEXT_PART.length).equals(TEXT_PART)) return undefined
    if (line.subarray(open + 1, open + 1 + RETRY_TEXT.length).equals(RETRY_TEXT)) replacement = RETRY_CONTENT
  }
  if (close === -1) return undefined
  try {
    return JSON.parse(line.toString('utf8', 0, open) + replacement + line.toString('utf8', close + 1))
  } catch {
    return undefined
  }
}
