import { describe, expect, it, vi } from 'vitest'
import type { ModelAttemptEvent, OpenClawEvent } from './events.js'
import { decodeFacts } from './agent-facts.js'
import { createFleetState } from './fleet-state.js'
import { createHub } from '../ws/hub.js'

const T0 = 1_795_344_000_000
let n = 0

function turn(at: number, session = 's1'): ModelAttemptEvent[] {
  const base = { kind: 'model_attempt' as const, agentId: 'a', sessionId: session, runId: null, source: 'transcript' as const, httpStatus: null, message: null, usage: null }
  return [
    { ...base, eventId: `e${++n}`, provider: 'p', model: 'primary', at, outcome: 'started', reason: null, turnStart: true },
    { ...base, eventId: `e${++n}`, provider: 'p', model: 'primary', at: at + 1, outcome: 'failed', reason: 'rate_limit', turnStart: false },
    { ...base, eventId: `e${++n}`, provider: 'b', model: 'fallback', at: at + 2, outcome: 'started', reason: null, turnStart: false },
    {
      ...base,
      eventId: `e${++n}`,
      provider: 'b',
      model: 'fallback',
      at: at + 3,
      outcome: 'succeeded',
      reason: null,
      turnStart: false,
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, total: 2, costUsd: 0 },
    },
  ]
}

const configured: OpenClawEvent = {
  kind: 'agent_configured',
  agentId: 'a',
  name: 'A',
  config: { primary: 'p/primary', fallbacks: ['b/fallback'] },
  stateDir: '/s',
  layout: 'legacy',
  authProfiles: {},
}

describe('fleet state', () => {
  it('records every switch of a history far longer than the fact window, even in one batch', () => {
    const fleet = createFleetState({ now: () => T0 + 10 ** 9, hub: createHub() })
    const events: OpenClawEvent[] = [configured]
    for (let i = 0; i < 1000; i++) events.push(...turn(T0 + i * 60_000))
    fleet.apply({ events, checkpoints: { f: 1 }, rejected: [] })
    const changes = fleet.drainChanges()!
    expect(changes.addedSwitches).toHaveLength(1000)
    expect(new Set(changes.addedSwitches.map((s) => s.id)).size).toBe(1000)
    expect(fleet.get('a')!.allModels.find((m) => m.modelId === 'b/fallback')!.tokens.total).toBe(2000)
  })

  it('in quiet mode it folds without per-model messages, then goes live with one update per agent', () => {
    let t = T0
    const hub = createHub()
    const seen: string[] = []
    hub.subscribe({ send: (m) => (seen.push(m.type), true) }, ['agents'])
    const fleet = createFleetState({ now: () => t, hub, quietRecomputeMs: 1000 })
    fleet.setLive(false)
    fleet.apply({ events: [configured, ...turn(T0)], checkpoints: {}, rejected: [] })
    t += 10
    fleet.apply({ events: turn(T0 + 60_000), checkpoints: {}, rejected: [] })
    fleet.setLive(true)
    expect(seen.every((type) => type === 'agent_update')).toBe(true)
    expect(fleet.get('a')!.currentModel?.modelId).toBe('b/fallback')
    seen.length = 0
    fleet.apply({ events: turn(T0 + 120_000), checkpoints: {}, rejected: [] })
    expect(seen).toContain('model_switch_event')
  })

  it('puts back changes whose save failed, keeping newer checkpoints', () => {
    const fleet = createFleetState({ now: () => T0, hub: createHub() })
    fleet.apply({ events: [configured, ...turn(T0)], checkpoints: { f: 1 }, rejected: [] })
    const failed = fleet.drainChanges()!
    fleet.apply({ events: [], checkpoints: { f: 2 }, rejected: [] })
    fleet.requeue(failed)
    const retry = fleet.drainChanges()!
    expect(retry.checkpoints.get('f')).toBe(2)
    expect(retry.agents.map((a) => a.agentId)).toEqual(['a'])
    expect(retry.addedSwitches).toHaveLength(1)
  })

  it('after a restore, attributes a log decision to the agent whose saved facts know its session', () => {
    const before = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    before.apply({ events: [configured, ...turn(T0, 'old-session')], checkpoints: { f: 1 }, rejected: [] })
    const saved = before.drainChanges()!
    const after = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    after.restore({
      agents: saved.agents,
      views: new Map(saved.agents.map((a) => [a.agentId, a.view!])),
      checkpoints: new Map(),
      kv: new Map(),
    })
    expect(after.get('a')!.currentModel?.modelId).toBe('b/fallback')
    after.apply({
      events: [
        {
          kind: 'fallback_decision',
          agentId: null,
          sessionId: 'old-session',
          runId: null,
          eventId: 'log:1',
          at: T0 + 1,
          decision: 'candidate_failed',
          requested: 'p/primary',
          candidate: 'p/primary',
          next: 'b/fallback',
          attempt: 1,
          reason: 'rate_limit',
          rawReason: 'rate_limit',
          httpStatus: 429,
          message: 'Rate limit reached',
        },
      ],
      checkpoints: {},
      rejected: [],
    })
    const primary = after.get('a')!.allModels.find((m) => m.modelId === 'p/primary')!
    expect(primary.lastError).toMatchObject({ code: 429 })
    // Nothing left waiting for an agent: it would be saved as pending otherwise.
    expect(after.drainChanges()?.kv.get('openclaw.pending_decisions') ?? []).toEqual([])
  })

  it('after a restore, reads only the head of saved facts until records arrive', () => {
    const before = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    before.apply({ events: [configured, ...turn(T0)], checkpoints: { f: 1 }, rejected: [] })
    const saved = before.drainChanges()!
    const savedBody = saved.agents[0]!.facts.split('\n')[1]!
    const after = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    const parse = vi.spyOn(JSON, 'parse')
    try {
      after.restore({ agents: saved.agents, views: new Map(saved.agents.map((a) => [a.agentId, a.view!])), checkpoints: new Map(), kv: new Map() })
      // A restart re-reads the config and the auth state: unchanged, nothing is parsed or saved again.
      after.apply({ events: [configured, { kind: 'auth_state', agentId: 'a', at: T0, profiles: {} }], checkpoints: {}, rejected: [] })
      expect(after.drainChanges()).toBeNull()
      expect(parse.mock.calls.some(([text]) => text === savedBody)).toBe(false)
    } finally {
      parse.mockRestore()
    }
    // A renamed agent is judged and saved again: the new head, the same rest.
    after.apply({ events: [{ ...configured, name: 'A renamed' }], checkpoints: {}, rejected: [] })
    const renamed = after.drainChanges()!.agents[0]!.facts
    expect(renamed.split('\n')[1]).toBe(savedBody)
    expect(decodeFacts(renamed)).toMatchObject({ name: 'A renamed', attempts: decodeFacts(saved.agents[0]!.facts).attempts })
    // New records need the rest: it is read then, and folded with them.
    after.apply({ events: turn(T0 + 60_000), checkpoints: {}, rejected: [] })
    expect(after.get('a')!.agentName).toBe('A renamed')
    expect(after.get('a')!.switchHistory).toHaveLength(2)
  })

  it('goes on from the head when the saved rest of the facts is damaged, and says so', () => {
    const before = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    before.apply({ events: [configured, ...turn(T0)], checkpoints: {}, rejected: [] })
    const [saved] = before.drainChanges()!.agents
    const damaged = `${saved!.facts.split('\n')[0]!}\n{"attempts":[{"sess`
    const told: string[] = []
    const after = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub(), onUnreadableFacts: (agentId) => told.push(agentId) })
    after.restore({ agents: [{ agentId: 'a', facts: damaged }], views: new Map(), checkpoints: new Map(), kv: new Map() })
    after.apply({ events: turn(T0 + 60_000), checkpoints: {}, rejected: [] })
    expect(told).toEqual(['a'])
    expect(after.stats.rejected).toBe(1)
    expect(after.get('a')).toMatchObject({ agentName: 'A', currentModel: { modelId: 'b/fallback' } })
  })

  /** Saved facts as one JSON document, the form saved before the head got a line of its own. */
  const oneDocument = (text: string): Record<string, unknown> => {
    const [head, body] = text.split('\n')
    return { ...(JSON.parse(head!) as Record<string, unknown>), ...(JSON.parse(body!) as Record<string, unknown>) }
  }

  it.each([
    ['as saved', (text: string) => text],
    ['saved as one document', (text: string) => JSON.stringify(oneDocument(text))],
    ['saved before known switches were', (text: string) => JSON.stringify({ ...oneDocument(text), knownSwitches: undefined })],
  ])('after a restore from facts %s, announces only the switches that are new', (_label, edit) => {
    const before = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    before.apply({ events: [configured, ...turn(T0)], checkpoints: { f: 1 }, rejected: [] })
    const saved = before.drainChanges()!
    const [first] = saved.addedSwitches
    const [head, body] = saved.agents[0]!.facts.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    // The head is a line of its own; known switches are saved as a plain object, whatever shape they have in memory.
    expect(head).toMatchObject({ agentId: 'a', configured: true })
    expect(body!.knownSwitches).toEqual({ [first!.id]: expect.any(String) })
    const after = createFleetState({ now: () => T0 + 10 ** 6, hub: createHub() })
    after.restore({
      agents: saved.agents.map((a) => ({ agentId: a.agentId, facts: edit(a.facts) })),
      views: new Map(),
      checkpoints: new Map(),
      kv: new Map(),
    })
    after.apply({ events: turn(T0 + 60_000), checkpoints: {}, rejected: [] })
    const changes = after.drainChanges()!
    expect(changes.addedSwitches).toHaveLength(1)
    expect(changes.addedSwitches[0]!.id).not.toBe(first!.id)
    expect(changes.removedSwitches).toEqual([])
    expect(after.get('a')!.switchHistory.map((x) => x.id)).toEqual([changes.addedSwitches[0]!.id, first!.id])
  })

  describe('tick', () => {
    // An auth profile cooling down until T0 + 60 s: the primary's status changes then, with no new data.
    const cooling: OpenClawEvent = {
      kind: 'auth_state',
      agentId: 'a',
      at: T0,
      profiles: { 'p:default': { cooldownUntil: T0 + 60_000, cooldownReason: 'rate_limit', cooldownModel: 'primary' } },
    }
    const statusOf = (fleet: ReturnType<typeof createFleetState>) => fleet.get('a')!.allModels.find((m) => m.modelId === 'p/primary')!.status

    function judged(at: () => number) {
      const hub = createHub()
      const seen: string[] = []
      hub.subscribe({ send: (m) => (seen.push(m.type), true) }, ['agents'])
      const fleet = createFleetState({ now: at, hub })
      return { fleet, seen }
    }

    it('judges again only the agents a deadline has passed for since they were judged', () => {
      let t = T0 + 10_000
      const { fleet, seen } = judged(() => t)
      fleet.apply({ events: [configured, cooling, { ...configured, agentId: 'b', name: 'B' }], checkpoints: {}, rejected: [] })
      expect(statusOf(fleet)).toBe('cooldown')
      seen.length = 0
      t = T0 + 59_000
      fleet.tick()
      expect(seen).toEqual([])
      t = T0 + 60_001
      fleet.tick()
      expect(statusOf(fleet)).toBe('healthy')
      expect(seen).toContain('model_status_update')
    })

    it('after a restore, judges again the views whose deadline passed while stopped, or whose judging time is unknown', () => {
      const before = createFleetState({ now: () => T0 + 10_000, hub: createHub() })
      before.apply({ events: [configured, cooling], checkpoints: {}, rejected: [] })
      const [saved] = before.drainChanges()!.agents
      expect(saved!.judgedAt).toBe(T0 + 10_000)
      const restoreAt = (t: number, judgedAt: Map<string, number> | undefined) => {
        const r = judged(() => t)
        r.fleet.restore({
          agents: [saved!],
          views: new Map([['a', saved!.view!]]),
          ...(judgedAt ? { judgedAt } : {}),
          checkpoints: new Map(),
          kv: new Map(),
        })
        r.fleet.tick()
        return r
      }
      const early = restoreAt(T0 + 30_000, new Map([['a', saved!.judgedAt!]]))
      expect(early.seen).toEqual([])
      expect(statusOf(early.fleet)).toBe('cooldown')
      const late = restoreAt(T0 + 90_000, new Map([['a', saved!.judgedAt!]]))
      expect(statusOf(late.fleet)).toBe('healthy')
      expect(late.seen).toContain('model_status_update')
      const unknown = restoreAt(T0 + 90_000, undefined)
      expect(statusOf(unknown.fleet)).toBe('healthy')
    })
  })
})
