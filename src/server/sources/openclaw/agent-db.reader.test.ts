import { copyFileSync, readdirSync, readFileSync, readlinkSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAgentDbReader, dbCheckpointKey, dbPathOfCheckpointKey } from './agent-db.reader.js'
import { MAX_ROW_BYTES } from './row-limits.js'
import { createMemorySink, CURRENT_HOME, CURRENT_MAIN_SESSION, ofKind, tempDir, zstdRawFrame } from './openclaw.test-kit.js'

const MAIN_DB = join(CURRENT_HOME, 'agents/main/agent/openclaw-agent.sqlite')
const RESEARCH_DB = join(CURRENT_HOME, 'agents/research/agent/openclaw-agent.sqlite')

/** Row seq 56 of main's transcript compressed by the zstd CLI (level 19): a real compressed block. */
const ROW_56_ZSTD =
  'KLUv/WSAAX0MAKZaTx9AjR6/5M6GRGC5GPLV9WLYkzYM0iboKlCFHcGeYQAgRQBIAEUAT0lbMtDyanwgG5/2WDhbI+2zttnZRDkZp7DvVzU78yjC5+eTEb5rdmFqczaKzZHSacz/Y+M3Th2SnPk7qtZPOfXPlO2VLuXqjHE5YeAsAUF9pqlGjQJQuIoAlCl/BYBYbHA6+b2gvu/vi60z31fSujr1n3DlFcpc0cSFICOdkbqHgLC91yR00Klnqm4dzhHc1njq+xCMmOrG+7dUJRx1qP7hH7ZaZ5LZFnYWF/iobytfyXLmTn16CFPOPFtOvXpIiuAqO3N9sbR/yhS2Tar3M3Ya13X5S7u4Z92E0bcaodPkz9jcW6dFkZMME81rSepkGw1n7ixtypTd9WFfX5z1V84aCaXDxLgws3nUL9YZb+3sumRc4HsuHyBAQkKd8UzBsDoSFDMEtBN9QmsmAShoGeBDstCDUEkD7EKo2hTj/sOLr2YuobZgf4kp9yMLIAeYgyHU2Y4dhi5qLqAsseIBwAhv1MCfAYw0scE='

const NAVIGATION = JSON.stringify({
  version: 1,
  report: { kind: 'canonical' },
  navigation: {},
  reset: {},
  model: {},
  modelBytes: 0,
  modelWithoutCheckpointBytes: 0,
  withoutCustomDataBytes: 0,
})

describe('agent database reader (2026.9.6 main)', () => {
  it('reads sessions, transcript events, trajectories and auth state', () => {
    const reader = createAgentDbReader({ agentId: 'main', dbPath: MAIN_DB, checkpoints: new Map() })
    const out = createMemorySink()
    expect(reader.poll(out)).toEqual({ changed: true, error: null })
    reader.close()
    expect(out.rejected).toEqual([])
    expect(ofKind(out.events, 'session_seen')).toEqual([
      {
        kind: 'session_seen',
        agentId: 'main',
        sessionId: CURRENT_MAIN_SESSION,
        sessionKey: 'agent:main:main',
        updatedAt: 1795344586412,
        provider: null,
        model: null,
      },
    ])
    const attempts = ofKind(out.events, 'model_attempt')
    const trajectory = attempts.filter((a) => a.source === 'trajectory')
    expect(trajectory).toHaveLength(18)
    // The 10:43 turn: 429 on the primary then 401 — both only visible in trajectories.
    expect(trajectory.filter((a) => a.runId === 'c2f05ef4-dec4-4c96-8786-4a01037e9eff').map((a) => [a.outcome, a.model, a.reason, a.httpStatus, a.turnStart])).toEqual([
      ['failed', 'mock-primary', 'rate_limit', 429, true],
      ['failed', 'mock-auth', 'auth', 401, false],
    ])
    expect(trajectory[0]).toMatchObject({ eventId: `${CURRENT_MAIN_SESSION}:trajectory:4`, message: expect.stringMatching(/^429 Rate limit/) })
    const idle = trajectory.filter((a) => a.model === 'mock-timeout')
    expect(idle.map((a) => a.reason)).toEqual(Array(5).fill('timeout'))
    expect(ofKind(out.events, 'auth_state')).toEqual([
      expect.objectContaining({
        agentId: 'main',
        profiles: expect.objectContaining({
          'mock:manual': expect.objectContaining({ cooldownReason: 'rate_limit', cooldownModel: 'mock-primary', cooldownUntil: 1795344684891 }),
        }),
      }),
    ])
    expect(out.checkpoints.get(dbCheckpointKey(MAIN_DB, 'transcript_events', CURRENT_MAIN_SESSION))).toMatchObject({ seq: 57 })
    expect(out.checkpoints.get(dbCheckpointKey(MAIN_DB, 'trajectory_runtime_events', CURRENT_MAIN_SESSION))).toMatchObject({ seq: 113 })
  })

  it('research: auth cooldown until 1795344664304', () => {
    const reader = createAgentDbReader({ agentId: 'research', dbPath: RESEARCH_DB, checkpoints: new Map() })
    const out = createMemorySink()
    reader.poll(out)
    reader.close()
    expect(ofKind(out.events, 'auth_state')[0]?.profiles['inline-api-key:mockauth']).toEqual({
      cooldownUntil: 1795344664304,
      cooldownReason: 'auth',
      errorCount: 1,
      failureCounts: { auth: 1 },
      lastFailureAt: 1795344634304,
    })
  })

  it('restarting from its checkpoints reads no row again', () => {
    const first = createMemorySink()
    const a = createAgentDbReader({ agentId: 'main', dbPath: MAIN_DB, checkpoints: new Map() })
    a.poll(first)
    a.close()
    const second = createMemorySink()
    const b = createAgentDbReader({ agentId: 'main', dbPath: MAIN_DB, checkpoints: first.checkpoints })
    b.poll(second)
    b.close()
    expect(second.events.map((e) => e.kind).sort()).toEqual(['auth_state', 'session_seen'])
    expect(second.checkpoints.size).toBe(0)
  })
})

describe('agent database reader against a live writer', () => {
  let t: ReturnType<typeof tempDir>
  let dbPath: string
  beforeEach(() => {
    t = tempDir()
    dbPath = join(t.dir, 'openclaw-agent.sqlite')
    copyFileSync(MAIN_DB, dbPath)
  })
  afterEach(() => t.cleanup())

  it('decodes zstd-compressed transcript rows (event_json NULL, event_zstd set)', () => {
    const writer = new Database(dbPath)
    const rows = writer.prepare('SELECT seq, event_json FROM transcript_events WHERE seq IN (53, 56) ORDER BY seq').all() as { seq: number; event_json: string }[]
    const compress = writer.prepare(
      'UPDATE transcript_events SET event_json = NULL, event_zstd = ?, event_utf8_bytes = ?, navigation_json = ? WHERE session_id = ? AND seq = ?',
    )
    const real = Buffer.from(ROW_56_ZSTD, 'base64')
    expect(real.readUInt32LE(0)).toBe(0xfd2fb528)
    compress.run(real, Buffer.byteLength(rows[1]!.event_json), NAVIGATION, CURRENT_MAIN_SESSION, 56)
    const raw = zstdRawFrame(Buffer.from(rows[0]!.event_json))
    compress.run(raw, Buffer.byteLength(rows[0]!.event_json), NAVIGATION, CURRENT_MAIN_SESSION, 53)
    // And one row whose bytes are not zstd at all.
    compress.run(Buffer.from('not zstd'), 10, NAVIGATION, CURRENT_MAIN_SESSION, 50)
    const badRowid = (writer.prepare('SELECT rowid AS r FROM transcript_events WHERE seq = 50').get() as { r: number }).r
    writer.close()

    const out = createMemorySink()
    const reader = createAgentDbReader({ agentId: 'main', dbPath, checkpoints: new Map() })
    reader.poll(out)
    reader.close()
    const ids = ofKind(out.events, 'model_attempt').map((a) => a.eventId)
    expect(ids).toContain(`${CURRENT_MAIN_SESSION}:7e4cbee5-8668-4fc0-a53c-0e24619eb24f`) // seq 56 (real zstd)
    expect(ids).toContain(`${CURRENT_MAIN_SESSION}:7b50f912-ee73-4995-bfcc-be449e259613`) // seq 53 (raw-block zstd)
    const decoded = ofKind(out.events, 'model_attempt').find((a) => a.eventId.endsWith('7e4cbee5-8668-4fc0-a53c-0e24619eb24f'))
    expect(decoded).toMatchObject({ outcome: 'succeeded', provider: 'backup', model: 'mock-fallback', runId: '9f5560ff-8ce0-49e6-824a-ef290c103c6e' })
    expect(out.rejected).toEqual([{ place: `${dbPath}:transcript_events:${badRowid}`, reason: expect.stringMatching(/^undecodable/) }])
  })

  it('counts an event too large to read and skips it without fetching it; the rows around it are read', () => {
    const writer = new Database(dbPath)
    const pad = `hex(zeroblob(${MAX_ROW_BYTES / 2 + 8}))`
    writer.prepare(`UPDATE transcript_events SET event_json = '{"pad":"' || ${pad} || '"}' WHERE session_id = ? AND seq = 50`).run(CURRENT_MAIN_SESSION)
    const trajectory = writer
      .prepare(`SELECT rowid AS r, seq FROM trajectory_runtime_events WHERE session_id = ? AND instr(event_json, '"model.completed"') > 0 ORDER BY seq LIMIT 1`)
      .get(CURRENT_MAIN_SESSION) as { r: number; seq: number }
    writer.prepare(`UPDATE trajectory_runtime_events SET event_json = '{"type":"model.completed","pad":"' || ${pad} || '"}' WHERE rowid = ?`).run(trajectory.r)
    const transcriptRowid = (writer.prepare('SELECT rowid AS r FROM transcript_events WHERE seq = 50').get() as { r: number }).r
    writer.close()

    const whole = createMemorySink()
    createAgentDbReader({ agentId: 'main', dbPath: MAIN_DB, checkpoints: new Map() }).poll(whole)
    const out = createMemorySink()
    const reader = createAgentDbReader({ agentId: 'main', dbPath, checkpoints: new Map() })
    expect(reader.poll(out)).toEqual({ changed: true, error: null })
    reader.close()
    const bytes = MAX_ROW_BYTES + 16 + '{"pad":""}'.length
    expect(out.rejected).toEqual([
      { place: `${dbPath}:transcript_events:${transcriptRowid}`, reason: `event too large (${bytes} bytes): skipped` },
      { place: `${dbPath}:trajectory_runtime_events:${trajectory.r}`, reason: `event too large (${bytes + '"type":"model.completed",'.length} bytes): skipped` },
    ])
    // Every other row gave what it gives in the untouched database: only the two rows' attempts are missing.
    const ids = (sink: ReturnType<typeof createMemorySink>): string[] => sink.events.map((e) => ('eventId' in e ? e.eventId : e.kind))
    expect(ids(out).filter((id) => !ids(whole).includes(id))).toEqual([])
    expect(ids(whole).filter((id) => !ids(out).includes(id))).toEqual([
      `${CURRENT_MAIN_SESSION}:3060de35-2e66-41e7-924d-cb1f9e9315d8`,
      `${CURRENT_MAIN_SESSION}:trajectory:${trajectory.seq}`,
    ])
  })

  it('sees rows committed by another connection in WAL mode, and only those', () => {
    const writer = new Database(dbPath)
    writer.pragma('journal_mode = WAL')
    const reader = createAgentDbReader({ agentId: 'main', dbPath, checkpoints: new Map() })
    const first = createMemorySink()
    expect(reader.poll(first).changed).toBe(true)
    expect(reader.poll(createMemorySink()).changed).toBe(false)

    const template = writer.prepare('SELECT event_json FROM trajectory_runtime_events WHERE seq = 41').get() as { event_json: string }
    const record = JSON.parse(template.event_json) as Record<string, unknown>
    record.runId = 'live-run-1'
    writer
      .prepare('INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(CURRENT_MAIN_SESSION, 114, 'live-run-1', JSON.stringify(record), 1795345000000)
    writer
      .prepare('INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(CURRENT_MAIN_SESSION, 115, 'live-run-1', '{"type":"model.completed", broken', 1795345000001)

    const second = createMemorySink()
    expect(reader.poll(second).changed).toBe(true)
    expect(second.events).toEqual([
      expect.objectContaining({
        kind: 'model_attempt',
        source: 'trajectory',
        runId: 'live-run-1',
        outcome: 'failed',
        reason: 'rate_limit',
        eventId: `${CURRENT_MAIN_SESSION}:trajectory:114`,
        turnStart: true,
      }),
    ])
    expect(second.rejected).toEqual([{ place: expect.stringMatching(/:trajectory_runtime_events:\d+$/), reason: expect.stringMatching(/^invalid JSON/) }])
    expect(second.checkpoints.get(dbCheckpointKey(dbPath, 'trajectory_runtime_events', CURRENT_MAIN_SESSION))).toMatchObject({ seq: 115 })
    reader.close()
    writer.close()
  })

  /** Descriptors this process holds on the database file itself. */
  const openHandles = (): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(join('/proc/self/fd', fd)) === dbPath
      } catch {
        return false
      }
    }).length

  it('gives its connection back once its files are quiet, and opens it again when they change', () => {
    const hourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(dbPath, hourAgo, hourAgo)
    const reader = createAgentDbReader({ agentId: 'main', dbPath, checkpoints: new Map() })
    const first = createMemorySink()
    expect(reader.poll(first).changed).toBe(true)
    expect(ofKind(first.events, 'model_attempt').length).toBeGreaterThan(0)
    expect(openHandles()).toBe(0)
    // Nothing written: nothing opened, nothing read.
    expect(reader.poll(createMemorySink()).changed).toBe(false)
    expect(openHandles()).toBe(0)

    const writer = new Database(dbPath)
    writer.pragma('journal_mode = WAL')
    const writerHandles = openHandles()
    const template = writer.prepare('SELECT event_json FROM trajectory_runtime_events WHERE seq = 41').get() as { event_json: string }
    writer
      .prepare('INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(CURRENT_MAIN_SESSION, 114, 'live-run-2', template.event_json.replaceAll('"runId":"', '"runId":"x'), 1795345000000)
    const second = createMemorySink()
    expect(reader.poll(second).changed).toBe(true)
    expect(second.events).toEqual([expect.objectContaining({ kind: 'model_attempt', eventId: `${CURRENT_MAIN_SESSION}:trajectory:114` })])
    // Just written: the connection stays for what comes next.
    expect(openHandles()).toBe(writerHandles + 1)
    reader.close()
    writer.close()
  })
})

describe('credentials', () => {
  it('no module of the source names the auth profile store table or the auth-profiles file in code', () => {
    const dir = import.meta.dirname ?? new URL('.', import.meta.url).pathname
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ts') || name.includes('.test')) continue
      const code = readFileSync(join(dir, name), 'utf8')
      expect(code, name).not.toMatch(/auth_profile_store/)
      expect(code, name).not.toMatch(/auth-profiles\.json'/)
    }
  })
})

describe('agent database checkpoint keys', () => {
  it('name the database they belong to, whatever its path or the session holds', () => {
    for (const table of ['transcript_events', 'trajectory_runtime_events'] as const) {
      expect(dbPathOfCheckpointKey(dbCheckpointKey('/srv/a:b/openclaw-agent.sqlite', table, 'session:1'))).toBe('/srv/a:b/openclaw-agent.sqlite')
    }
    expect(dbPathOfCheckpointKey('openclaw:file:/srv/a.jsonl')).toBeNull()
    expect(dbPathOfCheckpointKey('openclaw:db:/srv/x.sqlite:other_table:s')).toBeNull()
  })
})
