import { describe, expect, it } from 'vitest'
import { parseOpenClawReply } from './openclaw-reply.parser.js'

describe('OpenClaw reply parser', () => {
  it('joins the text payloads and reads agentMeta', () => {
    const parsed = parseOpenClawReply(JSON.stringify({ payloads: [{ text: 'a' }, { mediaUrl: 'x' }, { text: 'b' }], meta: { agentMeta: { model: 'm', provider: 'p', usage: { total: 3 } } } }))
    expect(parsed).toMatchObject({ reply: 'a\n\nb', model: 'm', provider: 'p', usage: { total: 3 } })
  })

  it('reads the reply from common fields, also nested', () => {
    expect(parseOpenClawReply('{"reply":"r"}').reply).toBe('r')
    expect(parseOpenClawReply('{"message":{"content":"c"}}').reply).toBe('c')
    expect(parseOpenClawReply('{"result":{"payloads":[{"text":"p"}],"meta":{"agentMeta":{"model":"m"}}}}')).toMatchObject({ reply: 'p', model: 'm' })
    expect(parseOpenClawReply('{"data":{"output":"o"}}').reply).toBe('o')
  })

  it('finds the JSON after log lines, or inside other text', () => {
    expect(parseOpenClawReply('[info] booting\n{"text":"t"}\n').reply).toBe('t')
    expect(parseOpenClawReply('prefix {"text":"t2"} suffix').reply).toBe('t2')
  })

  it('gives no reply for text without JSON or JSON without a reply', () => {
    expect(parseOpenClawReply('just text')).toEqual({ json: undefined, reply: undefined })
    expect(parseOpenClawReply('{"status":"ok"}')).toEqual({ json: { status: 'ok' }, reply: undefined })
    expect(parseOpenClawReply('')).toEqual({ json: undefined, reply: undefined })
  })
})
