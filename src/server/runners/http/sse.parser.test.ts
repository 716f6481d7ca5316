import { describe, expect, it } from 'vitest'
import { createSseParser, SseLineTooLongError, type SseEvent } from './sse.parser.js'

function parse(pieces: string[], maxLineChars = 1000): SseEvent[] {
  const events: SseEvent[] = []
  const parser = createSseParser((e) => events.push(e), { maxLineChars })
  for (const p of pieces) parser.push(p)
  parser.end()
  return events
}

describe('SSE parser', () => {
  it('dispatches one event per blank line, joining data lines', () => {
    expect(parse(['data: a\n\ndata: b\ndata: c\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b\nc' },
    ])
  })

  it('handles text split anywhere, CRLF line ends, comments and named events', () => {
    const stream = ': keep-alive\r\nevent: error\r\ndata: {"x":1}\r\n\r\ndata:no-space\r\n\r\n'
    const whole = parse([stream])
    expect(whole).toEqual([
      { event: 'error', data: '{"x":1}' },
      { event: 'message', data: 'no-space' },
    ])
    for (let cut = 1; cut < stream.length; cut++) expect(parse([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole)
  })

  it('dispatches a last event that has no blank line after it', () => {
    expect(parse(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }])
  })

  it('refuses a line longer than the limit', () => {
    expect(() => parse(['data: ' + 'x'.repeat(100)], 50)).toThrow(SseLineTooLongError)
  })
})
