import { describe, expect, it } from 'vitest'
import { createHub, type HubSubscriber } from './hub.js'

function collector(): HubSubscriber & { got: { type: string; seq: number; topic: string }[] } {
  const got: { type: string; seq: number; topic: string }[] = []
  return {
    got,
    send(encoded) {
      got.push(JSON.parse(encoded) as { type: string; seq: number; topic: string })
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
    const seen: string[] = []
    for (let i = 0; i < 3; i++) hub.subscribe({ send: (e) => (seen.push(e), true) }, ['agents'])
    hub.publish('agent_removed', 'agent:a', data('a'))
    expect(new Set(seen).size).toBe(1)
    expect(seen).toHaveLength(3)
  })
})
