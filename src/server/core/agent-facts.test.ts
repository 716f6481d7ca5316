/** Saving and reading back agent facts: as text or as the UTF-8 bytes a restart gets from the store. */
import { describe, expect, it } from 'vitest'
import { createAgentFacts, decodeFacts, encodeFacts, encodeWithBody, readSavedFacts, withBody, type AgentFacts } from './agent-facts.js'

function sampleFacts(): AgentFacts {
  const facts = createAgentFacts('kefu')
  facts.name = '客服小美'
  facts.lastActivityAt = 1_795_344_000_000
  facts.attempts.push({
    sessionId: 's-1',
    runId: null,
    eventId: 'e-1',
    source: 'transcript',
    model: 'qwen/qwen3-max',
    at: 1_795_344_000_000,
    outcome: 'failed',
    reason: 'rate_limit',
    httpStatus: 429,
    message: '请求过多 \\ retry "later"\nsecond line',
    turnStart: true,
  })
  facts.knownSwitches.set('s-1#e-1', '限流')
  return facts
}

describe('saved agent facts', () => {
  it('reads the head at once and the rest on demand, the same from text and from bytes', () => {
    const facts = sampleFacts()
    const text = encodeFacts(facts)
    const bytes = Buffer.from(text, 'utf8')
    const fromText = readSavedFacts(text)
    const fromBytes = readSavedFacts(bytes)
    expect(fromText.facts).toBeNull()
    expect(fromBytes.facts).toBeNull()
    expect(fromBytes.head).toEqual(fromText.head)
    expect(fromBytes.head.name).toBe('客服小美')
    // Kept as it was saved until something needs it.
    expect(Buffer.isBuffer(fromBytes.body)).toBe(true)
    expect(fromBytes.body!.toString()).toBe(fromText.body)
    const whole = withBody(fromBytes.head, fromBytes.body!)
    expect(whole).toEqual(withBody(fromText.head, fromText.body!))
    expect(whole.attempts[0]!.message).toBe(facts.attempts[0]!.message)
    expect(whole.knownSwitches).toEqual(facts.knownSwitches)
    expect(decodeFacts(bytes)).toEqual(decodeFacts(text))
  })

  it('saves a changed head with a rest never parsed, from either form', () => {
    const text = encodeFacts(sampleFacts())
    const fromBytes = readSavedFacts(Buffer.from(text, 'utf8'))
    const fromText = readSavedFacts(text)
    const renamed = { ...fromBytes.head, name: '客服小美 2' }
    expect(encodeWithBody(renamed, fromBytes.body!)).toBe(encodeWithBody(renamed, fromText.body!))
    expect(decodeFacts(encodeWithBody(renamed, fromBytes.body!))).toMatchObject({ name: '客服小美 2', attempts: decodeFacts(text).attempts })
  })

  it('reads facts saved before the head was split off (one JSON document), from either form', () => {
    const facts = sampleFacts()
    const [head, body] = encodeFacts(facts).split('\n') as [string, string]
    const oneDocument = JSON.stringify({ ...JSON.parse(head), ...JSON.parse(body) })
    for (const saved of [oneDocument, Buffer.from(oneDocument, 'utf8')]) {
      const read = readSavedFacts(saved)
      expect(read.body).toBeNull()
      expect(read.facts).toMatchObject({ agentId: 'kefu', name: '客服小美', attempts: facts.attempts })
      expect(decodeFacts(saved).knownSwitches).toEqual(facts.knownSwitches)
    }
  })
})
