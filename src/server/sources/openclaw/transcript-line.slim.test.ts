import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { initialTranscriptState, translateTranscriptEntry } from './transcript.parser.js'
import { parseSlimMessageLine } from './transcript-line.slim.js'

const legacy = path.resolve(import.meta.dirname, '../../../../test/fixtures/openclaw-2026.4.15/openclaw-home/agents')

function lines(): { agentId: string; sessionId: string; lines: string[] }[] {
  const out: { agentId: string; sessionId: string; lines: string[] }[] = []
  for (const agentId of readdirSync(legacy)) {
    const dir = path.join(legacy, agentId, 'sessions')
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      out.push({ agentId, sessionId: f.slice(0, -6), lines: readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean) })
    }
  }
  return out
}

function events(parse: (line: string) => unknown) {
  return lines().map(({ agentId, sessionId, lines: ls }) => {
    const state = initialTranscriptState()
    return ls.flatMap((l): unknown[] => {
      const r = translateTranscriptEntry(parse(l), { agentId, sessionId, state })
      return 'reject' in r ? [r] : r.events
    })
  })
}

describe('slim message parse', () => {
  it('gives the events a whole parse gives, on every line of the legacy fixture', () => {
    let slimmed = 0
    const slim = events((l) => {
      const b = Buffer.from(l)
      const r = parseSlimMessageLine(b, 0, b.length)
      if (r !== undefined) slimmed++
      return r ?? JSON.parse(l)
    })
    expect(slimmed).toBeGreaterThan(40)
    expect(slim).toEqual(events((l) => JSON.parse(l)))
  })

  it('keeps a retry a retry, and drops everything else of the content', () => {
    const retry = Buffer.from(
      JSON.stringify({ type: 'message', id: 'u', message: { role: 'user', content: [{ type: 'text', text: '[Retry after the previous model attempt failed or timed out]\n\nhi' }], timestamp: 1 } }),
    )
    expect(parseSlimMessageLine(retry, 0, retry.length)).toMatchObject({ message: { content: [{ text: '[Retry after the previous model attempt failed or timed out]' }] } })
    const reply = Buffer.from(JSON.stringify({ type: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'x'.repeat(5000) }], api: 'a', provider: 'p', model: 'm' } }))
    expect(parseSlimMessageLine(reply, 0, reply.length)).toEqual({ type: 'message', message: { role: 'assistant', content: [], api: 'a', provider: 'p', model: 'm' } })
  })

  it('falls back (undefined) when the cut would not be structure', () => {
    // A nested array closing before an "api" key inside the content: the cut leaves broken JSON.
    const tricky = Buffer.from(
      JSON.stringify({ type: 'message', message: { role: 'assistant', content: [{ type: 'toolCall', arguments: { list: [1], api: 'x' } }], api: 'a', provider: 'p', model: 'm' } }),
    )
    expect(parseSlimMessageLine(tricky, 0, tricky.length)).toBeUndefined()
    const stringContent = Buffer.from(JSON.stringify({ type: 'message', message: { role: 'user', content: 'hello', timestamp: 1 } }))
    expect(parseSlimMessageLine(stringContent, 0, stringContent.length)).toBeUndefined()
  })
})
