/**
 * A Server-Sent Events parser for text that arrives in arbitrary pieces: `data:` lines are
 * joined per event, a blank line dispatches it, comments and unknown fields are skipped. Lines end
 * with LF or CRLF (a lone CR, allowed by the spec, is used by no chat server).
 */

export interface SseEvent {
  /** The `event:` field. Default is "message". */
  event: string
  data: string
}

export interface SseParser {
  /** Feeds text; calls `onEvent` for every event it completes. */
  push(text: string): void
  /** The stream ended: dispatches an event left without its blank line. */
  end(): void
}

export class SseLineTooLongError extends Error {
  constructor(maxLineChars: number) {
    super(`An event-stream line went over ${maxLineChars} characters`)
    this.name = 'SseLineTooLongError'
  }
}

export function createSseParser(onEvent: (event: SseEvent) => void, options: { maxLineChars: number }): SseParser {
  let pending = ''
  let data: string[] = []
  let event = ''

  const dispatch = (): void => {
    if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n') })
    data = []
    event = ''
  }

  const line = (raw: string): void => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (text === '') return dispatch()
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
  }

  return {
    push(text) {
      pending += text
      let start = 0
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
        line(pending.slice(start, nl))
        start = nl + 1
      }
      pending = pending.slice(start)
      if (pending.length > options.maxLineChars) throw new SseLineTooLongError(options.maxLineChars)
    },
    end() {
      if (pending !== '') line(pending)
      pending = ''
      dispatch()
    },
  }
}
