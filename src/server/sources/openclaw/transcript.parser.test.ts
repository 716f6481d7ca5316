import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { ModelAttemptEvent, OpenClawEvent } from '../../core/events.js'
import {
  CURRENT_HOME,
  CURRENT_MAIN_SESSION,
  LEGACY_HOME,
  LEGACY_MAIN_SESSION,
  ofKind,
} from './openclaw.test-kit.js'
import {
  createTranscriptLineFilter,
  initialTranscriptState,
  translateTranscriptEntry,
  type TranscriptContext,
} from './transcript.parser.js'

function translateAll(entries: unknown[], agentId: string, sessionId: string): { events: OpenClawEvent[]; rejects: string[] } {
  const ctx: TranscriptContext = { agentId, sessionId, state: initialTranscriptState() }
  const events: OpenClawEvent[] = []
  const rejects: string[] = []
  for (const entry of entries) {
    const r = translateTranscriptEntry(entry, ctx)
    if ('reject' in r) rejects.push(r.reject)
    else events.push(...r.events)
  }
  return { events, rejects }
}

const legacyLines = (agent: string, session: string) =>
  readFileSync(join(LEGACY_HOME, 'agents', agent, 'sessions', `${session}.jsonl`), 'utf8').split('\n').filter(Boolean)

const brief = (e: ModelAttemptEvent) => [e.outcome, `${e.provider}/${e.model}`, e.reason, e.httpStatus, e.turnStart]

describe('transcript entries (2026.4.15 JSONL)', () => {
  const { events, rejects } = translateAll(
    legacyLines('main', LEGACY_MAIN_SESSION).map((l) => JSON.parse(l)),
    'main',
    LEGACY_MAIN_SESSION,
  )
  const attempts = ofKind(events, 'model_attempt')

  it('turns model_change into one initial model_changed', () => {
    expect(rejects).toEqual([])
    expect(ofKind(events, 'model_changed')).toEqual([
      {
        kind: 'model_changed',
        agentId: 'main',
        sessionId: LEGACY_MAIN_SESSION,
        eventId: `${LEGACY_MAIN_SESSION}:c972d4c5`,
        provider: 'mockauth',
        model: 'mock-auth',
        at: Date.parse('2026-11-22T10:58:43.880Z'),
        initial: true,
      },
    ])
  })

  it('shows every attempt: snapshots start, assistant messages and idle-timeout prompt errors end them', () => {
    // Turn 2 of main: primary idles out, mockauth answers 401, the fallback answers.
    expect(attempts.slice(4, 10).map(brief)).toEqual([
      ['started', 'mock/mock-primary', null, null, false],
      ['failed', 'mock/mock-primary', 'timeout', null, true],
      ['started', 'mockauth/mock-auth', null, null, false],
      ['failed', 'mockauth/mock-auth', 'auth', 401, false],
      ['started', 'backup/mock-fallback', null, null, false],
      ['succeeded', 'backup/mock-fallback', null, null, false],
    ])
    expect(attempts.filter((a) => a.turnStart)).toHaveLength(4)
    expect(attempts.filter((a) => a.outcome === 'succeeded')).toHaveLength(4)
  })

  it('carries usage, cost, error text and run id', () => {
    const failed401 = attempts.find((a) => a.httpStatus === 401)!
    expect(failed401.message).toMatch(/^401 Incorrect API key/)
    const timeout = attempts.find((a) => a.reason === 'timeout')!
    expect(timeout.runId).toBe(LEGACY_MAIN_SESSION)
    expect(timeout.message).toMatch(/LLM idle timeout/)
    const answer = attempts.find((a) => a.outcome === 'succeeded')!
    expect(answer.usage).toEqual({ input: 1234, output: 56, cacheRead: 0, cacheWrite: 0, total: 1290, costUsd: 0.0013459999999999998 })
    expect(answer.message).toBeNull()
  })

  it('marks rate-limited attempts of rl with status 429', () => {
    const rl = translateAll(
      legacyLines('rl', '95e2ffd0-cda7-4df4-b4e8-8fa535e84e2b').map((l) => JSON.parse(l)),
      'rl',
      '95e2ffd0-cda7-4df4-b4e8-8fa535e84e2b',
    )
    const failed = ofKind(rl.events, 'model_attempt').filter((a) => a.outcome === 'failed')
    expect(failed).toHaveLength(16)
    expect(new Set(failed.map((a) => `${a.provider}/${a.model}:${a.reason}:${a.httpStatus}`))).toEqual(
      new Set(['mock/mock-ratelimit-short:rate_limit:429']),
    )
  })

  it('rejects entries that are not objects or miss what an event needs', () => {
    const r = translateAll([42, { id: 'x' }, { type: 'model_change', id: 'y', timestamp: '2026-11-22T10:00:00Z' }], 'a', 's')
    expect(r.rejects).toHaveLength(3)
    expect(r.events).toEqual([])
  })
})

describe('transcript entries (2026.9.6 transcript_events)', () => {
  const db = new Database(join(CURRENT_HOME, 'agents/main/agent/openclaw-agent.sqlite'), { readonly: true })
  const rows = db.prepare('SELECT event_json FROM transcript_events WHERE session_id = ? ORDER BY seq').all(CURRENT_MAIN_SESSION) as {
    event_json: string
  }[]
  db.close()
  const { events } = translateAll(
    rows.map((r) => JSON.parse(r.event_json)),
    'main',
    CURRENT_MAIN_SESSION,
  )
  const attempts = ofKind(events, 'model_attempt')

  it('reads the idle timeouts of the first turn as failed (prompt error) then aborted (assistant)', () => {
    const timeouts = attempts.filter((a) => a.model === 'mock-timeout' && a.outcome !== 'started')
    expect(timeouts.map((a) => a.outcome)).toEqual(['failed', 'aborted', 'failed', 'aborted', 'failed', 'aborted', 'failed', 'aborted', 'failed', 'aborted'])
    expect(new Set(timeouts.map((a) => a.reason))).toEqual(new Set(['timeout']))
    expect(timeouts[1]?.runId).toBe('250cff07-a57d-4fdb-a3a8-f8404385581d')
  })

  it('does not count entries copied onto a rewound branch (after a leaf) twice', () => {
    const starts = attempts.filter((a) => a.outcome === 'started' && a.provider === 'mock' && a.model === 'mock-auth')
    expect(starts).toHaveLength(1)
  })

  it('answers of later turns come from backup/mock-fallback', () => {
    expect(attempts.filter((a) => a.outcome === 'succeeded').map((a) => `${a.provider}/${a.model}`)).toEqual(
      Array(4).fill('backup/mock-fallback'),
    )
  })
})

describe('transcript line filter', () => {
  it('skips only lines that cannot produce an event', () => {
    const filter = createTranscriptLineFilter()
    const decide = (line: string) => {
      filter.reset()
      const buf = Buffer.from(line)
      return filter.shouldParse(buf, 0, buf.length)
    }
    expect(decide('{"type":"thinking_level_change","id":"a","thinkingLevel":"off"}')).toBe(false)
    expect(decide('{"type":"message","id":"a","message":{"role":"toolResult","content":[]}}')).toBe(false)
    expect(decide('{"type":"custom","customType":"openclaw:bootstrap-context:full","data":{}}')).toBe(false)
    expect(decide('{"type":"message","id":"a","message":{"role":"assistant","content":[]}}')).toBe(true)
    expect(decide('{"type":"message","id":"a","message":{"role":"user","content":"x"}}')).toBe(true)
    expect(decide('{"type":"custom","customType":"model-snapshot","data":{}}')).toBe(true)
    expect(decide('{"type":"model_change","id":"a"}')).toBe(true)
    expect(decide('{"id":"a","type":"message"}')).toBe(true)
    // A truncated irrelevant line is still parsed, so that it is rejected.
    expect(decide('{"type":"thinking_level_change","id":"a","thinki')).toBe(true)
  })

  it('gives the same events as parsing every line, on every legacy transcript', () => {
    for (const [agent, session] of [
      ['main', LEGACY_MAIN_SESSION],
      ['rl', '95e2ffd0-cda7-4df4-b4e8-8fa535e84e2b'],
      ['research', '5cb21c5c-86b7-4458-8b35-4e5780d26f17'],
    ] as const) {
      const lines = legacyLines(agent, session)
      const filter = createTranscriptLineFilter()
      const kept = lines.filter((l) => {
        const buf = Buffer.from(l)
        filter.reset()
        return filter.shouldParse(buf, 0, buf.length)
      })
      expect(kept.length).toBeLessThan(lines.length)
      expect(translateAll(kept.map((l) => JSON.parse(l)), agent, session).events).toEqual(
        translateAll(lines.map((l) => JSON.parse(l)), agent, session).events,
      )
    }
  })
})
