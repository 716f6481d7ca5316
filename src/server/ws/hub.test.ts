import { describe, expect, it } from 'vitest'
import { createHub, type HubSubscriber } from './hub.js'

function collector(): HubSubscriber & { got: { type: string; seq: number; topic: string }[] } {
  const got: { type: string; seq: number; topic: string }[] = []
  return {
    got,
    send(msg) {
      got.push(JSON.parse(msg.encoded) as { type: string; seq: number; topic: string })
      return true
    },
  }
}

const data = (agentId: string) => ({ agentId, timestamp: 0 })

describe('hub', () => {
  it('numbers messages with a global increasing seq and delivers by topic', () => {
    const hub = createHub({ now: () => 42 })
    const all = collector()
    const one = collector()
    hub.subscribe(all, ['agents'])
    hub.subscribe(one, ['agent:b'])
    hub.publish('agent_removed', 'agent:a', data('a'))
    hub.publish('agent_removed', 'agent:b', data('b'))
    expect(all.got.map((m) => [m.seq, m.topic])).toEqual([
      [1, 'agent:a'],
      [2, 'agent:b'],
    ])
    expect(one.got.map((m) => m.seq)).toEqual([2])
  })

  it('takes topics named like Object properties as plain names, and ignores topics that are not strings', () => {
    const hub = createHub({ now: () => 42 })
    const odd = collector()
    const all = collector()
    hub.subscribe(odd, ['__proto__', 'constructor', 'toString', 7 as unknown as string, {} as unknown as string])
    hub.subscribe(all, ['agents'])
    hub.publish('agent_removed', '__proto__', data('x'))
    hub.publish('agent_removed', 'agent:a', data('a'))
    hub.publish('agent_removed', 'constructor', data('y'))
    expect(odd.got.map((m) => m.topic)).toEqual(['__proto__', 'constructor'])
    expect(all.got.map((m) => m.topic)).toEqual(['agent:a'])
    hub.unsubscribe(odd, ['__proto__', null as unknown as string])
    hub.publish('agent_removed', '__proto__', data('x'))
    expect(odd.got).toHaveLength(2)
  })

  it('replays exactly what a client missed after since=<seq>', () => {
    const hub = createHub()
    for (const id of ['a', 'b', 'c', 'd']) hub.publish('agent_removed', `agent:${id}`, data(id))
    const late = collector()
    const r = hub.subscribe(late, ['agents'], 2)
    expect(r).toMatchObject({ resync: false, replayed: 2 })
    expect(late.got.map((m) => m.seq)).toEqual([3, 4])
  })

  it('asks for a resync when since is older than the bounded history', () => {
    const hub = createHub({ historySize: 3 })
    for (let i = 0; i < 10; i++) hub.publish('agent_removed', 'agent:x', data('x'))
    const late = collector()
    expect(hub.subscribe(late, ['agents'], 2)).toMatchObject({ resync: true, replayed: 0 })
    expect(late.got).toEqual([])
    // since = 6 needs 7..10, and the history holds 8..10: still too old.
    expect(hub.subscribe(collector(), ['agents'], 6).resync).toBe(true)
    expect(hub.subscribe(collector(), ['agents'], 7)).toMatchObject({ resync: false, replayed: 3 })
  })

  it('keeps exactly the newest messages while far more than it holds go through', () => {
    const hub = createHub({ historySize: 100 })
    // Enough for the held part to move along the array and be cut from it several times.
    for (let i = 0; i < 5_000; i++) hub.publish('agent_removed', `agent:${i % 7}`, data(String(i)))
    expect(hub.subscribe(collector(), ['agents'], 4_899).resync).toBe(true)
    const late = collector()
    expect(hub.subscribe(late, ['agents'], 4_900)).toMatchObject({ resync: false, replayed: 100 })
    expect(late.got.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, k) => 4_901 + k))
    const one = collector()
    expect(hub.subscribe(one, ['agent:3'], 4_990)).toMatchObject({ resync: false, replayed: 1 })
    expect(one.got.map((m) => m.seq)).toEqual([4_995]) // message 4994 (seq 4995) is the one of agent 3
  })

  it('drops a subscriber that refuses a message and keeps serving the others', () => {
    const hub = createHub()
    const good = collector()
    const bad: HubSubscriber = { send: () => false }
    hub.subscribe(bad, ['agents'])
    hub.subscribe(good, ['agents'])
    hub.publish('agent_removed', 'agent:a', data('a'))
    expect(hub.subscriberCount).toBe(1)
    hub.publish('agent_removed', 'agent:a', data('a'))
    expect(good.got).toHaveLength(2)
  })

  it('encodes each message once for all subscribers', () => {
    const hub = createHub()
    const seen: Buffer[] = []
    for (let i = 0; i < 3; i++) hub.subscribe({ send: (m) => (seen.push(m.frame()), true) }, ['agents'])
    hub.publish('agent_removed', 'agent:a', data('a'))
    expect(new Set(seen).size).toBe(1)
    expect(seen).toHaveLength(3)
  })

  it('delivers a message once to a subscriber of both its topic and a matching pattern', () => {
    const hub = createHub()
    const both = collector()
    hub.subscribe(both, ['agent:a', 'agents'])
    hub.publish('agent_removed', 'agent:a', data('a'))
    expect(both.got).toHaveLength(1)
    hub.unsubscribe(both, ['agents'])
    hub.publish('agent_removed', 'agent:b', data('b'))
    hub.publish('agent_removed', 'agent:a', data('a'))
    expect(both.got.map((m) => m.seq)).toEqual([1, 3])
  })

  it('keeps the seed form next to the envelope, and frames both as WebSocket text frames', () => {
    const hub = createHub({ now: () => 7 })
    const metrics = { agent_id: 'h1', status: 'offline' as const, last_update_time: null }
    const msg = hub.publish('agent_offline', 'pool:p', { pool_id: 'p', metrics })
    expect(JSON.parse(msg.encoded)).toEqual({ type: 'agent_offline', seq: 1, topic: 'pool:p', timestamp: 7, data: { pool_id: 'p', metrics } })
    expect(JSON.parse(msg.plain())).toEqual({ type: 'agent_offline', pool_id: 'p', metrics })
    const frame = msg.frame()
    expect(frame[0]).toBe(0x81)
    const len = frame[1] === 126 ? frame.readUInt16BE(2) : frame[1]!
    expect(frame.subarray(frame.length - len).toString()).toBe(msg.encoded)
  })

  it('publishes a batch with consecutive seqs and joins its frames once for every subscriber', () => {
    const hub = createHub()
    const batches: Buffer[] = []
    const single = collector()
    for (let i = 0; i < 2; i++) hub.subscribe({ send: () => true, sendBatch: (b) => (batches.push(b.frames()), true) }, ['pools'])
    hub.subscribe(single, ['pool:p'])
    const items = ['a', 'b', 'c'].map((id) => ({
      type: 'agent_offline' as const,
      data: { pool_id: 'p', metrics: { agent_id: id, status: 'offline' as const, last_update_time: null } },
    }))
    const batch = hub.publishBatch('pool:p', items)!
    expect(batch.messages.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(batches).toHaveLength(2)
    expect(batches[0]).toBe(batches[1])
    expect(batches[0]!.length).toBe(batch.messages.reduce((n, m) => n + m.frame().length, 0))
    expect(single.got.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(hub.publishBatch('pool:p', [])).toBeNull()
    // A batch is history like any message.
    const late = collector()
    expect(hub.subscribe(late, ['pool:p'], 1)).toMatchObject({ replayed: 2 })
  })
})
