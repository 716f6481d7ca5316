/**
 * Real records with damaged fields: every record of the fixtures (transcript entries, trajectory
 * records, log lines, session indexes, auth state, config) is mutated many times over — a field
 * removed, replaced by a value of another type, an extreme number or a long string — and fed to the
 * parsers, then whatever events come out are folded into a fleet and judged. Nothing may throw:
 * a bad record gives a rejection or nothing, never a crash, and the events that do come out keep
 * their types. The mutations come from a seeded generator, so a failure is reproducible.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { mutants } from '../../../../test/helpers/mutations.js'
import type { OpenClawEvent } from '../../core/events.js'
import { createFleetState } from '../../core/fleet-state.js'
import type { ConversationFacts } from '../../core/conversation-facts.js'
import { judgeConversation } from '../../core/conversation-status.rules.js'
import { toConversationDetail, toConversationInfo } from '../../core/conversation-view.js'
import { createHub } from '../../ws/hub.js'
import { parseUsageStats } from './auth-state.parser.js'
import { translateGatewayLogRecord } from './gateway-log.parser.js'
import { summarizeConfig } from './openclaw-config.js'
import { createSessionScanner } from './session-scan.js'
import { epochMs, time, toUsage } from './record-fields.js'
import { parseSessionsIndex } from './sessions-index.parser.js'
import { initialTranscriptState, translateTranscriptEntry } from './transcript.parser.js'
import { translateTrajectoryRecord } from './trajectory.parser.js'

const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures')
const LEGACY = join(FIXTURES, 'openclaw-2026.4.15')
const CURRENT = join(FIXTURES, 'openclaw-2026.9.6')
const MUTANTS_PER_RECORD = 12

const jsonLines = (path: string): unknown[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown)

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && test(d.name))
    .map((d) => join(d.parentPath, d.name))
}

function dbRows(sql: string): unknown[] {
  const out: unknown[] = []
  for (const path of filesUnder(join(CURRENT, 'openclaw-home/agents'), (n) => n === 'openclaw-agent.sqlite')) {
    const db = new Database(path, { readonly: true, fileMustExist: true })
    for (const row of db.prepare(sql).all() as { json: string }[]) out.push(JSON.parse(row.json))
    db.close()
  }
  return out
}

const transcriptEntries = (): unknown[] => [
  ...filesUnder(join(LEGACY, 'openclaw-home/agents'), (n) => n.endsWith('.jsonl') && !n.endsWith('.trajectory.jsonl')).flatMap(jsonLines),
  ...dbRows('SELECT event_json AS json FROM transcript_events WHERE event_json IS NOT NULL'),
]
const trajectoryRecords = (): unknown[] => [
  ...filesUnder(join(LEGACY, 'openclaw-home/agents'), (n) => n.endsWith('.trajectory.jsonl')).flatMap(jsonLines),
  ...dbRows('SELECT event_json AS json FROM trajectory_runtime_events'),
]
const logLines = (): unknown[] => [LEGACY, CURRENT].flatMap((f) => jsonLines(join(f, 'gateway-log/openclaw-2026-11-22.log')))

/** What every event must look like, however damaged its record was. */
function checkEvent(e: OpenClawEvent): void {
  expect(typeof e.kind).toBe('string')
  if ('at' in e) expect(Number.isFinite(e.at), `${e.kind} at ${String(e.at)}`).toBe(true)
  if ('agentId' in e && e.agentId !== null) expect(typeof e.agentId).toBe('string')
  if ('sessionId' in e && e.sessionId !== null) expect(typeof e.sessionId).toBe('string')
  if (e.kind === 'model_attempt') {
    expect(['started', 'succeeded', 'failed', 'aborted']).toContain(e.outcome)
    expect(typeof e.provider).toBe('string')
    expect(typeof e.model).toBe('string')
    if (e.usage) for (const v of Object.values(e.usage)) expect(Number.isFinite(v)).toBe(true)
  }
}

describe('record fields', () => {
  it('a time a Date cannot hold is no time, and a damaged token count or cost is none', () => {
    expect([epochMs(1795344640000), epochMs(8.64e15), epochMs(8.64e15 + 1), epochMs(1e308), epochMs(-1e308), epochMs('2026-11-22T10:00:00Z')]).toEqual([
      1795344640000,
      8.64e15,
      null,
      null,
      null,
      Date.parse('2026-11-22T10:00:00Z'),
    ])
    expect([time(Number.NaN), time('1795344640000'), time(0)]).toEqual([null, null, 0])
    expect(toUsage({ input: 1e308, output: -5, cacheRead: 1.5, cacheWrite: 7, cost: { total: 1e300 } })).toEqual({
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 7,
      total: 7,
      costUsd: 0,
    })
  })
})

describe('keys named like Object properties', () => {
  it('stay plain names: a profile called __proto__ is a profile, not a new prototype', () => {
    const profiles = parseUsageStats(JSON.parse('{"usageStats":{"__proto__":{"errorCount":2,"failureCounts":{"__proto__":1}},"a:b":{"errorCount":0}}}'))!
    expect(Object.keys(profiles)).toEqual(['__proto__', 'a:b'])
    expect(Object.getPrototypeOf(profiles)).toBe(Object.prototype)
    expect(profiles['__proto__']).toEqual({ errorCount: 2, failureCounts: { ['__proto__']: 1 } })
    const config = summarizeConfig(JSON.parse('{"auth":{"profiles":{"__proto__":{"provider":"p","mode":"api_key"}}}}'), '/fuzz/state', '/fuzz/home')
    expect(Object.keys(config.authProfiles)).toEqual(['__proto__'])
  })
})

describe('parsers on damaged real records', () => {
  // Events from every parser, folded into one fleet at the end.
  const events: OpenClawEvent[] = []

  it('transcript entries: a rejection or events, never a throw', () => {
    const records = transcriptEntries()
    expect(records.length).toBeGreaterThan(100)
    let rejected = 0
    let n = 0
    let state = initialTranscriptState()
    for (const entry of mutants(records, 1, MUTANTS_PER_RECORD)) {
      if (n++ % 50 === 0) state = initialTranscriptState()
      const result = translateTranscriptEntry(entry, { agentId: 'fuzz', sessionId: 'fuzz-session', state })
      if ('reject' in result) rejected++
      else for (const e of result.events) events.push(e)
    }
    expect(rejected).toBeGreaterThan(0)
    expect(events.length).toBeGreaterThan(0)
  })

  it('trajectory records: a rejection, an event or nothing, never a throw', () => {
    const records = trajectoryRecords()
    expect(records.length).toBeGreaterThan(50)
    let position = 0
    const state = { lastRunId: null }
    for (const record of mutants(records, 2, MUTANTS_PER_RECORD)) {
      const result = translateTrajectoryRecord(record, { agentId: 'fuzz', sessionId: 'fuzz-session', position: position++, state })
      if ('event' in result && result.event) events.push(result.event)
    }
  })

  it('gateway log lines: a decision or nothing, never a throw', () => {
    const records = logLines()
    expect(records.length).toBeGreaterThan(50)
    let offset = 0
    for (const line of mutants(records, 3, MUTANTS_PER_RECORD)) {
      const result = translateGatewayLogRecord(line, { placeId: `log:fuzz:${offset++}`, agentOfSession: () => 'fuzz' })
      if ('event' in result && result.event) events.push(result.event)
    }
  })

  it('session indexes, auth state and configs: a summary or null, never a throw', () => {
    const indexes = filesUnder(join(LEGACY, 'openclaw-home/agents'), (n) => n === 'sessions.json').map((p) => JSON.parse(readFileSync(p, 'utf8')) as unknown)
    const auth = filesUnder(join(LEGACY, 'openclaw-home/agents'), (n) => n === 'auth-state.json').map((p) => JSON.parse(readFileSync(p, 'utf8')) as unknown)
    const configs = [LEGACY, CURRENT].map((f) => JSON.parse(readFileSync(join(f, 'openclaw-home/openclaw.json'), 'utf8')) as unknown)
    expect([indexes.length, auth.length, configs.length].every((n) => n > 0)).toBe(true)
    for (const doc of mutants(indexes, 4, MUTANTS_PER_RECORD)) parseSessionsIndex(doc)
    for (const doc of mutants(auth, 5, MUTANTS_PER_RECORD)) parseUsageStats(doc)
    for (const doc of mutants(configs, 6, MUTANTS_PER_RECORD)) {
      const summary = summarizeConfig(doc, '/fuzz/state', '/fuzz/home')
      for (const a of summary.agents) expect(typeof a.id).toBe('string')
    }
  })

  it('the session scanner takes damaged entries and records and still finishes', () => {
    const scanner = createSessionScanner('fuzz', 'fuzz-session', () => {})
    let position = 0
    for (const entry of mutants(transcriptEntries().slice(0, 200), 7, MUTANTS_PER_RECORD)) scanner.transcript(entry, 'fuzz')
    for (const record of mutants(trajectoryRecords().slice(0, 200), 8, MUTANTS_PER_RECORD)) {
      scanner.trajectory(record, { position: position++, runId: null, createdAt: null }, 'fuzz')
    }
    const scan = scanner.finish()
    expect(scan.transcriptEntries).toBeGreaterThan(0)
    // As the legacy reader makes it of a scan, then judged and turned into its API form.
    const facts: ConversationFacts = {
      source: 'openclaw',
      agentId: 'fuzz',
      sessionId: 'fuzz-session',
      sessionKey: null,
      layout: 'legacy',
      label: null,
      firstUserText: scan.firstUserText,
      trigger: null,
      createdAt: scan.createdAt,
      indexUpdatedAt: null,
      lastActivityAt: scan.lastRecordAt,
      messageCount: scan.messageCount,
      tokens: { ...scan.tokens },
      costUsd: scan.costUsd,
      indexModel: null,
      runs: scan.runs,
      runCount: scan.runCount ?? scan.runs.length,
      archive: null,
      observed: { status: null, startedAt: null, endedAt: null, abortedLastRun: false },
    }
    const now = 1795344640000
    const info = toConversationInfo(facts, judgeConversation(facts, now))
    expect(typeof info.status).toBe('string')
    expect(JSON.stringify(toConversationDetail(facts, judgeConversation(facts, now), []))).toContain('fuzz-session')
  })

  it('every event that came out keeps its types, and a fleet folds and judges them all', () => {
    expect(events.length).toBeGreaterThan(1000)
    for (const e of events) checkEvent(e)
    const fleet = createFleetState({ now: () => 1795344640000, hub: createHub() })
    fleet.apply({ events, checkpoints: {}, rejected: [] })
    const { agents } = fleet.list()
    expect(agents.length).toBeGreaterThan(0)
    // The whole list serialises (no cycle, no BigInt) and every time in it is a finite number.
    const text = JSON.stringify(agents)
    expect(text).not.toMatch(/"timestamp":(null|"|NaN)/)
  })
})
