import { describe, expect, it } from 'vitest'
import { createSessionScanner, type SessionScanResult } from './session-scan.js'
import { RETRY_PREFIX } from './transcript.parser.js'

const T0 = Date.parse('2026-11-22T10:00:00.000Z')
const ts = (ms: number): string => new Date(T0 + ms).toISOString()

type Entry = Record<string, unknown>

/** Builds a linked transcript: each entry's parent is the one before, unless given. */
function transcript(): { entries: Entry[]; add(e: Entry, parentId?: string | null): string } {
  const entries: Entry[] = []
  let last: string | null = null
  let n = 0
  return {
    entries,
    add(e, parentId) {
      const id = `e${++n}`
      entries.push({ id, parentId: parentId === undefined ? last : parentId, ...e })
      last = id
      return id
    },
  }
}

const snapshot = (ms: number, provider: string, model: string): Entry => ({
  type: 'custom',
  customType: 'model-snapshot',
  timestamp: ts(ms),
  data: { timestamp: T0 + ms, provider, modelId: model },
})
const user = (ms: number, text: string): Entry => ({
  type: 'message',
  timestamp: ts(ms),
  message: { role: 'user', content: [{ type: 'text', text }], timestamp: T0 + ms },
})
const assistant = (ms: number, model: string, stopReason: string, extra: Entry = {}): Entry => ({
  type: 'message',
  timestamp: ts(ms),
  message: {
    role: 'assistant',
    provider: model.split('/')[0],
    model: model.split('/')[1],
    stopReason,
    timestamp: T0 + ms,
    usage: { input: 100, output: 10, totalTokens: 110, cost: { total: 0.01 } },
    ...extra,
  },
})
const toolResult = (ms: number): Entry => ({ type: 'message', timestamp: ts(ms), message: { role: 'toolResult', content: 'ok', timestamp: T0 + ms } })

function scan(entries: Entry[], trajectory: Entry[] = []): SessionScanResult & { rejected: string[] } {
  const rejected: string[] = []
  const s = createSessionScanner('a', 's', (place, reason) => rejected.push(`${place}: ${reason}`))
  entries.forEach((e, i) => s.transcript(e, `t:${i + 1}`))
  trajectory.forEach((r, i) => s.trajectory(r, { position: i, runId: null, createdAt: null }, `j:${i + 1}`))
  return { ...s.finish(), rejected }
}

describe('session scan', () => {
  it('a run goes on through tool calls and ends with the final answer', () => {
    const t = transcript()
    t.add({ type: 'session', timestamp: ts(0) }, null)
    t.add(snapshot(1000, 'backup', 'mock-fallback'))
    t.add(user(1010, 'list the files'))
    t.add(assistant(2000, 'backup/mock-fallback', 'toolUse'))
    t.add(toolResult(3000))
    const open = scan(t.entries)
    expect(open.runs).toHaveLength(1)
    expect(open.runs[0]).toMatchObject({ outcome: null, answeredBy: 'backup/mock-fallback', lastEventAt: T0 + 3000, startedAt: T0 + 1000 })
    t.add(assistant(4000, 'backup/mock-fallback', 'stop'))
    const done = scan(t.entries)
    expect(done.runs[0]).toMatchObject({ outcome: 'succeeded', endedAt: T0 + 4000 })
    expect([done.messageCount, done.tokens.total, Math.round(done.costUsd * 100), done.createdAt, done.firstUserText]).toEqual([
      4,
      220,
      2,
      T0,
      'list the files',
    ])
  })

  it("OpenClaw's retry prompts do not open a run; a failure then the fallback is one run", () => {
    const t = transcript()
    t.add(snapshot(0, 'mock', 'mock-primary'))
    t.add(user(10, 'hello'))
    t.add(assistant(500, 'mock/mock-primary', 'error', { errorMessage: '429 Rate limit reached' }))
    t.add(snapshot(600, 'backup', 'mock-fallback'))
    t.add(user(610, `${RETRY_PREFIX} hello`))
    t.add(assistant(700, 'backup/mock-fallback', 'stop'))
    const r = scan(t.entries)
    expect(r.runs.map((run) => run.attempts.map((a) => `${a.model}:${a.outcome}`))).toEqual([
      ['mock/mock-primary:started', 'mock/mock-primary:failed', 'backup/mock-fallback:started', 'backup/mock-fallback:succeeded'],
    ])
  })

  it('a new prompt closes a run left without a final answer, as its attempts say', () => {
    const t = transcript()
    t.add(user(0, 'one'))
    t.add(assistant(100, 'backup/mock-fallback', 'toolUse'))
    t.add(toolResult(200))
    t.add(user(1000, 'two'))
    t.add(assistant(1100, 'mock/mock-primary', 'error', { errorMessage: '401 Incorrect API key' }))
    t.add(user(2000, 'three'))
    t.add(user(3000, 'four'))
    expect(scan(t.entries).runs.map((r) => [r.outcome, r.endedAt === null ? null : r.endedAt - T0])).toEqual([
      ['succeeded', 200],
      ['failed', 1100],
      ['aborted', 2000],
      [null, null],
    ])
  })

  it('a rewind leaves the abandoned branch out of the message count', () => {
    const t = transcript()
    const root = t.add(user(0, 'first'))
    t.add(assistant(100, 'backup/mock-fallback', 'stop'))
    t.add({ type: 'leaf', timestamp: ts(200), targetId: root }, root)
    t.add(assistant(300, 'backup/mock-fallback', 'stop'), root)
    expect(scan(t.entries).messageCount).toBe(2)
  })

  it('trajectory runs: session.ended says how each ended; an answer without an end closes it', () => {
    const rec = (type: string, runId: string, ms: number, data: Entry = {}, model = 'mock/mock-primary'): Entry => ({
      type,
      runId,
      ts: ts(ms),
      provider: model.split('/')[0],
      modelId: model.split('/')[1],
      data,
    })
    const r = scan(
      [],
      [
        rec('session.started', 'r1', 0),
        rec('session.ended', 'r1', 100, { status: 'interrupted', aborted: true, externalAbort: true }),
        rec('session.started', 'r2', 1000),
        rec('session.ended', 'r2', 1100, { status: 'error', stopReason: 'error' }),
        rec('session.started', 'r3', 2000, {}, 'backup/mock-fallback'),
        rec('model.completed', 'r3', 2100, { stopReason: 'stop', messagesSnapshot: [] }, 'backup/mock-fallback'),
        rec('session.started', 'r4', 3000),
        rec('prompt.submitted', 'r4', 3500),
      ],
    )
    expect(r.runs.map((run) => [run.runId, run.outcome, run.endedAt === null ? null : run.endedAt - T0, run.lastEventAt - T0])).toEqual([
      ['r1', 'aborted', 100, 100],
      ['r2', 'failed', 1100, 1100],
      ['r3', 'succeeded', 2100, 2100],
      ['r4', null, null, 3500],
    ])
    expect(r.rejected).toEqual([])
  })

  it('rejects what is not an object or has no time, and keeps going', () => {
    const t = transcript()
    t.add(user(0, 'hi'))
    const s = createSessionScanner('a', 's', () => {})
    const rejected: string[] = []
    const s2 = createSessionScanner('a', 's', (place, reason) => rejected.push(`${place}: ${reason}`))
    for (const sc of [s, s2]) {
      sc.transcript(null, 't:1')
      sc.transcript(t.entries[0], 't:2')
      sc.trajectory('x', { position: 0, runId: 'r', createdAt: null }, 'j:1')
      sc.trajectory({ type: 'session.started' }, { position: 1, runId: 'r', createdAt: null }, 'j:2')
    }
    expect(rejected).toEqual(['t:1: transcript entry is not a JSON object', 'j:1: trajectory record is not a JSON object', 'j:2: trajectory record without ts'])
    expect(s2.finish()).toMatchObject({ messageCount: 1, runs: [{ outcome: null }] })
  })
})
