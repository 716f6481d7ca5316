import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo } from '../../scripts/demo.js'
import {
  agentDatabasePath,
  createOpenClawWriter,
  globalDatabasePath,
  openOpenClawWriter,
  transcriptPath,
  type AttemptSpec,
  type OpenClawWriter,
  type WriterLayout,
} from '../../scripts/openclaw-writer/index.js'

const FIXTURE_CURRENT = fileURLToPath(new URL('../fixtures/openclaw-2026.9.6/', import.meta.url))
const FIXTURE_LEGACY = fileURLToPath(new URL('../fixtures/openclaw-2026.4.15/', import.meta.url))
const T0 = 1795344000000

type Json = Record<string, unknown>

/** Keys all the way down (arrays by their first element): two values with the same shape match. */
function shape(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[${shape(v[0])}]` : '[]'
  if (v !== null && typeof v === 'object') {
    const o = v as Json
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${k}:${shape(o[k])}`)
      .join(',')}}`
  }
  return v === null ? 'null' : typeof v
}

const keys = (v: unknown): string[] => Object.keys(v as Json).sort()

/** Transcript entry kind: type, custom type, role and stop reason. */
function kind(e: Json): string {
  const m = e.message as Json | undefined
  return [e.type, e.customType ?? '', m?.role ?? '', m?.stopReason ?? ''].join(':')
}

function groupShapes(entries: Json[], by: (e: Json) => string, of: (e: Json) => unknown = (e) => e): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const e of entries) {
    const k = by(e)
    if (!out.has(k)) out.set(k, new Set())
    out.get(k)?.add(shape(of(e)))
  }
  return out
}

function readDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

const tableColumns = (db: Database.Database, table: string): unknown[] => db.prepare(`PRAGMA table_info(${table})`).all()

function rows<T = Json>(file: string, sql: string): T[] {
  return readDb(file, (db) => db.prepare(sql).all() as T[])
}

function logLines(file: string): Json[] {
  const out: Json[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      out.push(JSON.parse(line) as Json)
    } catch {
      // the fixture logs hold a few pretty-printed multi-line blocks; they are not log records
    }
  }
  return out
}

const payload = (l: Json): Json => (typeof l['1'] === 'object' && l['1'] !== null ? (l['1'] as Json) : {})
const decisionKind = (p: Json): string =>
  `${String(p.event)}:${String(p.decision ?? '')}:${p.nextCandidateModel ? 'next' : 'last'}`

const CHAIN = {
  primary: 'mock/mock-primary',
  fallbacks: ['mockauth/mock-auth', 'backup/mock-fallback'],
}

const TURNS: AttemptSpec[][] = [
  [{ model: 'mock/mock-primary', outcome: 'ok' }],
  [
    { model: 'mock/mock-primary', outcome: 'rate_limit' },
    { model: 'mockauth/mock-auth', outcome: 'auth' },
    { model: 'backup/mock-fallback', outcome: 'ok' },
  ],
  [
    { model: 'mock/mock-primary', outcome: 'cooldown_skip' },
    { model: 'mockauth/mock-auth', outcome: 'timeout' },
    { model: 'backup/mock-fallback', outcome: 'ok' },
  ],
  [
    { model: 'mock/mock-primary', outcome: 'rate_limit', probe: true },
    { model: 'mockauth/mock-auth', outcome: 'billing' },
    { model: 'backup/mock-fallback', outcome: 'overloaded' },
  ],
  [
    { model: 'mock/mock-primary', outcome: 'cooldown_skip' },
    { model: 'mockauth/mock-auth', outcome: 'cooldown_skip' },
    { model: 'backup/mock-fallback', outcome: 'ok', probe: true },
  ],
]

function writeSample(dir: string, layout: WriterLayout, seed = 11): OpenClawWriter {
  let t = T0
  const w = createOpenClawWriter({
    stateDir: join(dir, 'home'),
    layout,
    logFile: join(dir, 'log', 'openclaw-2026-11-22.log'),
    defaults: CHAIN,
    providers: [{ id: 'backup', auth: 'inline' }],
    agents: [
      { id: 'main', name: 'Main' },
      { id: 'kefu', name: '客服机器人', model: { primary: 'mock/mock-primary', fallbacks: ['backup/mock-fallback'] } },
    ],
    now: () => t,
    seed,
  })
  for (const attempts of TURNS) {
    t += 45_000
    w.writeTurn('main', { attempts })
  }
  t += 5_000
  w.writeTurn('kefu', { attempts: [{ model: 'mock/mock-primary', outcome: 'rate_limit', cooldownMs: 75_000 }, { model: 'backup/mock-fallback', outcome: 'ok' }] })
  t += 5_000
  w.writeTurn('kefu', { attempts: [{ model: 'mock/mock-primary', outcome: 'ok' }], newSession: true })
  w.addAgent({ id: 'fanyi', name: '翻译官', model: { primary: 'zhipu/glm-4.6', fallbacks: [] } })
  t += 5_000
  w.writeTurn('fanyi', { attempts: [{ model: 'zhipu/glm-4.6', outcome: 'ok' }] })
  return w
}

let base: string
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'swb-writer-test-'))
})
afterAll(() => {
  rmSync(base, { recursive: true, force: true })
})

describe('SQLite layout (2026.9.6)', () => {
  let dir: string
  let home: string
  let writer: OpenClawWriter
  const fixtureHome = join(FIXTURE_CURRENT, 'openclaw-home')
  const fixtureDbs = ['main', 'ops', 'research', 'rl'].map((a) => join(fixtureHome, 'agents', a, 'agent', 'openclaw-agent.sqlite'))
  const fixtureMain = fixtureDbs[0] as string

  beforeAll(() => {
    dir = join(base, 'sqlite')
    writer = writeSample(dir, 'sqlite')
    home = join(dir, 'home')
  })
  afterAll(() => writer.close())

  it('creates the tables with the columns of the fixture databases', () => {
    const tables = [
      'schema_meta',
      'session_nodes',
      'session_windows',
      'transcript_events',
      'transcript_event_identities',
      'trajectory_runtime_events',
      'auth_profile_state',
      'auth_profile_store',
    ]
    const ours = agentDatabasePath(home, 'main')
    for (const table of tables) {
      const expected = readDb(fixtureMain, (db) => tableColumns(db, table))
      expect(readDb(ours, (db) => tableColumns(db, table)), table).toEqual(expected)
    }
    for (const table of ['schema_meta', 'agent_databases']) {
      const expected = readDb(join(fixtureHome, 'state', 'openclaw.sqlite'), (db) => tableColumns(db, table))
      expect(readDb(globalDatabasePath(home), (db) => tableColumns(db, table)), table).toEqual(expected)
    }
    const version = (f: string): unknown => readDb(f, (db) => db.pragma('user_version', { simple: true }))
    expect(version(ours)).toBe(version(fixtureMain))
  })

  it('runs agent databases in WAL mode, as a live install does', () => {
    const db = new Database(agentDatabasePath(home, 'main'))
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    } finally {
      db.close()
    }
  })

  it('writes transcript entries shaped like the fixture entries of the same kind', () => {
    const read = (f: string): Json[] =>
      rows<{ j: string }>(f, 'SELECT event_json AS j FROM transcript_events ORDER BY session_id, seq').map(
        (r) => JSON.parse(r.j) as Json,
      )
    const fixture = groupShapes(fixtureDbs.flatMap(read), kind)
    const ours = groupShapes(read(agentDatabasePath(home, 'main')), kind)
    const expectedKinds = [...fixture.keys()].filter((k) => !k.startsWith('leaf'))
    expect([...ours.keys()].sort()).toEqual(expect.arrayContaining(expectedKinds))
    for (const [k, shapes] of ours) {
      expect(fixture.has(k), `kind ${k} is not in the fixtures`).toBe(true)
      for (const s of shapes) expect([...(fixture.get(k) ?? [])], `shape of ${k}`).toContain(s)
    }
  })

  it('chains entries by parentId and indexes them in transcript_event_identities', () => {
    const file = agentDatabasePath(home, 'main')
    const events = rows<{ session_id: string; seq: number; j: string }>(
      file,
      'SELECT session_id, seq, event_json AS j FROM transcript_events ORDER BY session_id, seq',
    )
    const identities = rows<{ event_id: string; seq: number; parent_id: string | null; event_type: string }>(
      file,
      'SELECT event_id, seq, parent_id, event_type FROM transcript_event_identities ORDER BY session_id, seq',
    )
    expect(identities).toHaveLength(events.length)
    let previous: string | null = null
    for (const [i, row] of events.entries()) {
      const e = JSON.parse(row.j) as Json
      if (e.type === 'session') {
        previous = null
        continue
      }
      expect(e.parentId).toBe(previous)
      expect(identities[i]?.event_id).toBe(e.id)
      expect(identities[i]?.event_type).toBe(e.type)
      previous = e.id as string
    }
  })

  it('records each attempt in trajectory_runtime_events with the fixture shapes and error codes', () => {
    const read = (f: string): Json[] =>
      rows<{ j: string }>(f, 'SELECT event_json AS j FROM trajectory_runtime_events ORDER BY session_id, seq').map(
        (r) => JSON.parse(r.j) as Json,
      )
    const variant = (e: Json): string => {
      const d = e.data as Json
      return `${String(e.type)}:${String(d.stopReason ?? (d.timedOut ? 'timeout' : ''))}`
    }
    const fixtureEvents = fixtureDbs.flatMap(read)
    const fixtureEnvelope = new Set(fixtureEvents.map((e) => keys(e).join(',')))
    const fixtureData = groupShapes(fixtureEvents, variant, (e) => Object.fromEntries(keys(e.data).map((k) => [k, 0])))
    const ours = read(agentDatabasePath(home, 'main'))
    for (const e of ours) {
      expect(fixtureEnvelope.has(keys(e).join(','))).toBe(true)
      const v = variant(e)
      if (fixtureData.has(v)) {
        expect([...(fixtureData.get(v) ?? [])], v).toContain(shape(Object.fromEntries(keys(e.data).map((k) => [k, 0]))))
      }
    }
    const completed = ours.filter((e) => e.type === 'model.completed').map((e) => e.data as Json)
    const lastMessage = (d: Json): Json => (d.messagesSnapshot as Json[])[(d.messagesSnapshot as Json[]).length - 1] as Json
    const codes = completed.filter((d) => d.stopReason === 'error').map((d) => lastMessage(d).errorCode)
    expect(codes).toEqual(expect.arrayContaining(['rate_limit_exceeded', 'invalid_api_key', 'insufficient_quota', 'overloaded_error']))
    const timedOut = completed.find((d) => d.timedOut === true)
    expect(timedOut?.promptErrorSource).toBe('prompt')
    // 429 and 401 leave no assistant message in the transcript, only a trajectory record.
    const assistants = rows<{ j: string }>(
      agentDatabasePath(home, 'main'),
      `SELECT event_json AS j FROM transcript_events WHERE event_json LIKE '%"role":"assistant"%'`,
    ).map((r) => (JSON.parse(r.j) as { message: Json }).message)
    expect(assistants.map((m) => m.stopReason).sort()).toEqual(['aborted', 'stop', 'stop', 'stop', 'stop'])
  })

  it('keeps usage stats with cooldowns and disabled windows, and a dummy secret in the store', () => {
    const state = rows<{ j: string }>(agentDatabasePath(home, 'main'), 'SELECT state_json AS j FROM auth_profile_state')
    const usage = (JSON.parse(state[0]?.j ?? '{}') as { usageStats: Record<string, Json> }).usageStats
    const fixtureUsage = (JSON.parse(
      rows<{ j: string }>(fixtureMain, 'SELECT state_json AS j FROM auth_profile_state')[0]?.j ?? '{}',
    ) as { usageStats: Record<string, Json> }).usageStats
    const allowed = new Set([...Object.values(fixtureUsage).flatMap(keys), 'lastUsed', 'disabledUntil', 'disabledReason'])
    for (const stats of Object.values(usage)) for (const k of keys(stats)) expect(allowed).toContain(k)

    const rateLimited = usage['mock:default'] as Json
    expect(rateLimited.cooldownReason).toBe('rate_limit')
    expect(rateLimited.cooldownModel).toBe('mock-primary')
    expect(rateLimited.cooldownUntil as number).toBeGreaterThan(rateLimited.lastFailureAt as number)
    expect(rateLimited.lastUsed).toBeTypeOf('number')
    const recovered = usage['inline-api-key:backup'] as Json
    expect(recovered.cooldownUntil).toBeUndefined()
    expect(recovered.errorCount).toBe(0)
    const disabled = usage['mockauth:default'] as Json
    expect(disabled.disabledReason).toBe('billing')
    expect(disabled.disabledUntil as number).toBeGreaterThan(disabled.lastFailureAt as number)
    expect(disabled.failureCounts).toEqual({ auth: 1, billing: 1 })
    const kefu = rows<{ j: string }>(agentDatabasePath(home, 'kefu'), 'SELECT state_json AS j FROM auth_profile_state')
    const kefuPrimary = (JSON.parse(kefu[0]?.j ?? '{}') as { usageStats: Record<string, Json> }).usageStats['mock:default']
    expect(kefuPrimary).toMatchObject({ errorCount: 0 })
    expect(kefuPrimary?.lastUsed).toBeTypeOf('number')

    const store = rows<{ j: string }>(agentDatabasePath(home, 'main'), 'SELECT store_json AS j FROM auth_profile_store')
    expect(store[0]?.j).toContain('dummy-profile-key')
    const profileShapes = (j: string | undefined): string[] =>
      Object.values((JSON.parse(j ?? '{}') as { profiles: Record<string, unknown> }).profiles).map(shape)
    const fixtureStore = rows<{ j: string }>(fixtureMain, 'SELECT store_json AS j FROM auth_profile_store')[0]?.j
    expect(new Set(profileShapes(store[0]?.j))).toEqual(new Set(profileShapes(fixtureStore)))
  })

  it('keeps session_nodes and session_windows like the fixture, with a new window per new session', () => {
    const fixtureEntry = JSON.parse(
      rows<{ j: string }>(fixtureDbs[1] as string, 'SELECT entry_json AS j FROM session_nodes')[0]?.j ?? '{}',
    ) as Json
    const node = rows<{ j: string; current_session_id: string; status: string }>(
      agentDatabasePath(home, 'kefu'),
      'SELECT entry_json AS j, current_session_id, status FROM session_nodes',
    )
    expect(node).toHaveLength(1)
    const entry = JSON.parse(node[0]?.j ?? '{}') as Json
    expect(keys(entry)).toEqual(expect.arrayContaining(keys(fixtureEntry)))
    expect(entry.sessionId).toBe(node[0]?.current_session_id)
    const windows = rows<{ session_id: string; previous_session_id: string | null; reason: string | null }>(
      agentDatabasePath(home, 'kefu'),
      'SELECT session_id, previous_session_id, reason FROM session_windows ORDER BY created_at',
    )
    expect(windows).toHaveLength(2)
    expect(windows[1]?.previous_session_id).toBe(windows[0]?.session_id)
    expect(windows[1]?.reason).toBe('reset')
    expect(windows[1]?.session_id).toBe(node[0]?.current_session_id)
    const mainEntry = JSON.parse(
      rows<{ j: string }>(agentDatabasePath(home, 'main'), 'SELECT entry_json AS j FROM session_nodes')[0]?.j ?? '{}',
    ) as Json
    expect(mainEntry.status).toBe('done')
  })

  it('writes openclaw.json with agents.entries and registers every agent database', () => {
    const config = JSON.parse(readFileSync(join(home, 'openclaw.json'), 'utf8')) as Json
    const fixture = JSON.parse(readFileSync(join(fixtureHome, 'openclaw.json'), 'utf8')) as Json
    expect(keys(config)).toEqual(expect.arrayContaining(keys(fixture)))
    const agents = config.agents as { defaults: Json; entries: Record<string, Json> }
    expect(agents.defaults.model).toEqual(CHAIN)
    expect(Object.keys(agents.entries)).toEqual(['main', 'kefu', 'fanyi'])
    expect(agents.entries.kefu?.name).toBe('客服机器人')
    const providers = (config.models as { providers: Record<string, Json> }).providers
    expect(providers.backup?.apiKey).toBe('dummy-backup-key')
    expect((config.logging as Json).file).toBe(join(dir, 'log', 'openclaw-2026-11-22.log'))
    writer.flush()
    const registered = rows<{ agent_id: string; path: string; schema_version: number }>(
      globalDatabasePath(home),
      'SELECT agent_id, path, schema_version FROM agent_databases ORDER BY agent_id',
    )
    expect(registered.map((r) => r.agent_id)).toEqual(['fanyi', 'kefu', 'main'])
    for (const r of registered) expect(existsSync(join(home, r.path))).toBe(true)
  })

  it('appends 2026.9.6 log lines: fallback decisions with sessionId, auth failure updates', () => {
    const fixture = logLines(join(FIXTURE_CURRENT, 'gateway-log', 'openclaw-2026-11-22.log'))
    const ours = logLines(join(dir, 'log', 'openclaw-2026-11-22.log'))
    const fixtureByKind = new Map<string, Set<string>>()
    for (const l of fixture) {
      const p = payload(l)
      if (typeof p.event !== 'string') continue
      if (!fixtureByKind.has(decisionKind(p))) fixtureByKind.set(decisionKind(p), new Set())
      fixtureByKind.get(decisionKind(p))?.add(keys(p).join(','))
    }
    const seen = new Set<string>()
    for (const l of ours) {
      const p = payload(l)
      const k = decisionKind(p)
      seen.add(k)
      expect((l._meta as Json).date).toBeTypeOf('string')
      const expected = fixtureByKind.get(k)
      // No fixture shows a disabled (billing) window; its line mirrors the cooldown one.
      if (expected && p.reason !== undefined && p.windowType !== 'disabled') expect([...expected], k).toContain(keys(p).join(','))
      if (p.event === 'model_fallback_decision') {
        expect(p.sessionId).toBeTypeOf('string')
        expect(l.session_id).toBe(p.sessionId)
      }
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'model_fallback_decision:candidate_failed:next',
        'model_fallback_decision:candidate_failed:last',
        'model_fallback_decision:candidate_succeeded:last',
        'model_fallback_decision:probe_cooldown_candidate:next',
        'auth_profile_failure_state_updated::last',
      ]),
    )
    const succeeded = ours.map(payload).filter((p) => p.decision === 'candidate_succeeded')
    expect((succeeded[0]?.previousAttempts as Json[]).map((a) => [a.reason, a.status])).toEqual([
      ['rate_limit', 429],
      ['auth', 401],
    ])
  })

  it('reopens an install and continues its sessions', () => {
    writer.flush()
    const again = openOpenClawWriter({ stateDir: home, seed: 99, now: () => T0 + 3_600_000 })
    try {
      expect(again.layout).toBe('sqlite')
      const before = rows<{ id: string; seq: number }>(
        agentDatabasePath(home, 'main'),
        `SELECT event_id AS id, seq FROM transcript_event_identities ORDER BY created_at DESC, seq DESC LIMIT 1`,
      )[0]
      const result = again.writeTurn('main', { attempts: [{ model: 'mock/mock-primary', outcome: 'ok' }] })
      const next = rows<{ j: string; seq: number }>(
        agentDatabasePath(home, 'main'),
        `SELECT event_json AS j, seq FROM transcript_events WHERE session_id = '${result.sessionId}' ORDER BY seq`,
      )
      const firstNew = next.find((r) => r.seq === (before?.seq ?? -1) + 1)
      expect((JSON.parse(firstNew?.j ?? '{}') as Json).parentId).toBe(before?.id)
    } finally {
      again.close()
    }
  })
})

describe('legacy layout (2026.4.15)', () => {
  let dir: string
  let home: string
  let writer: OpenClawWriter
  const fixtureHome = join(FIXTURE_LEGACY, 'openclaw-home')
  const fixtureAgents = ['main', 'ops', 'research', 'rl', 'slow', 'plain']

  beforeAll(() => {
    dir = join(base, 'legacy')
    writer = writeSample(dir, 'legacy')
    writer.flush()
    home = join(dir, 'home')
  })
  afterAll(() => writer.close())

  const jsonl = (file: string): Json[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Json)

  it('writes JSONL transcripts shaped like the fixture transcripts', () => {
    const fixtureEntries = fixtureAgents.flatMap((a) =>
      readdirSync(join(fixtureHome, 'agents', a, 'sessions'))
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => jsonl(join(fixtureHome, 'agents', a, 'sessions', f))),
    )
    const fixture = groupShapes(fixtureEntries, kind)
    const sessionsDir = join(home, 'agents', 'main', 'sessions')
    const ours = groupShapes(
      readdirSync(sessionsDir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => jsonl(join(sessionsDir, f))),
      kind,
    )
    expect([...ours.keys()]).toEqual(expect.arrayContaining([...fixture.keys()]))
    for (const [k, shapes] of ours) {
      expect(fixture.has(k), `kind ${k} is not in the fixtures`).toBe(true)
      for (const s of shapes) expect([...(fixture.get(k) ?? [])], `shape of ${k}`).toContain(s)
    }
  })

  it('indexes sessions in sessions.json with the fixture keys, pointing at the transcript', () => {
    const fixture = JSON.parse(readFileSync(join(fixtureHome, 'agents', 'main', 'sessions', 'sessions.json'), 'utf8')) as Record<
      string,
      Json
    >
    const ours = JSON.parse(readFileSync(join(home, 'agents', 'kefu', 'sessions', 'sessions.json'), 'utf8')) as Record<string, Json>
    expect(Object.keys(ours)).toEqual(['agent:kefu:main'])
    const entry = ours['agent:kefu:main'] as Json
    expect(keys(entry)).toEqual(keys(fixture['agent:main:main']))
    expect(entry.sessionFile).toBe(transcriptPath(home, 'kefu', entry.sessionId as string))
    expect(existsSync(entry.sessionFile as string)).toBe(true)
    expect([entry.modelProvider, entry.model]).toEqual(['mock', 'mock-primary'])
  })

  it('writes auth-state.json for stored profiles only, and auth-profiles.json with a dummy token', () => {
    const state = JSON.parse(readFileSync(join(home, 'agents', 'main', 'agent', 'auth-state.json'), 'utf8')) as {
      version: number
      usageStats: Record<string, Json>
    }
    expect(state.version).toBe(1)
    expect(Object.keys(state.usageStats).sort()).toEqual(['mock:default', 'mockauth:default'])
    const fixture = JSON.parse(readFileSync(join(fixtureHome, 'agents', 'rl', 'agent', 'auth-state.json'), 'utf8')) as {
      usageStats: Record<string, Json>
    }
    const kefu = JSON.parse(readFileSync(join(home, 'agents', 'kefu', 'agent', 'auth-state.json'), 'utf8')) as {
      usageStats: Record<string, Json>
    }
    expect(keys(kefu.usageStats['mock:default'])).toEqual(expect.arrayContaining(['errorCount', 'lastFailureAt', 'lastUsed']))
    // The fixture profile never succeeded, so it has no lastUsed.
    expect(keys(state.usageStats['mock:default']).filter((k) => k !== 'lastUsed')).toEqual(keys(fixture.usageStats['mock:manual']))
    const profiles = readFileSync(join(home, 'agents', 'main', 'agent', 'auth-profiles.json'), 'utf8')
    expect(profiles).toContain('dummy-profile-key')
    const profileShapes = (text: string): Set<string> =>
      new Set(Object.values((JSON.parse(text) as { profiles: Record<string, unknown> }).profiles).map(shape))
    expect(profileShapes(profiles)).toEqual(
      profileShapes(readFileSync(join(fixtureHome, 'agents', 'main', 'agent', 'auth-profiles.json'), 'utf8')),
    )
  })

  it('writes openclaw.json with agents.list', () => {
    const config = JSON.parse(readFileSync(join(home, 'openclaw.json'), 'utf8')) as { agents: { list: Json[] } }
    expect(config.agents.list.map((a) => a.id)).toEqual(['main', 'kefu', 'fanyi'])
    expect(config.agents.list[0]?.default).toBe(true)
  })

  it('appends 2026.4.15 log lines whose runId is the session id', () => {
    const fixture = logLines(join(FIXTURE_LEGACY, 'gateway-log', 'openclaw-2026-11-22.log'))
    const fixtureByKind = new Map<string, Set<string>>()
    for (const l of fixture) {
      const k = decisionKind(payload(l))
      if (!fixtureByKind.has(k)) fixtureByKind.set(k, new Set())
      fixtureByKind.get(k)?.add(keys(payload(l)).join(','))
    }
    const fixtureEnvelope = keys(fixture.find((l) => payload(l).event === 'model_fallback_decision'))
    const ours = logLines(join(dir, 'log', 'openclaw-2026-11-22.log'))
    const sessions = new Set(
      readdirSync(join(home, 'agents')).flatMap((a) =>
        readdirSync(join(home, 'agents', a, 'sessions'))
          .filter((f) => f.endsWith('.jsonl'))
          .map((f) => f.replace('.jsonl', '')),
      ),
    )
    for (const l of ours) {
      const p = payload(l)
      if (p.event !== 'model_fallback_decision') continue
      expect(keys(l)).toEqual(fixtureEnvelope)
      expect(p.sessionId).toBeUndefined()
      expect(sessions.has(p.runId as string)).toBe(true)
      const expected = fixtureByKind.get(decisionKind(p))
      if (expected && p.reason !== undefined) expect([...expected], decisionKind(p)).toContain(keys(p).join(','))
    }
  })
})

describe('determinism', () => {
  it('writes the same bytes for the same seed and clock', () => {
    for (const layout of ['legacy', 'sqlite'] as const) {
      const a = writeSample(join(base, `det-a-${layout}`), layout, 5)
      const b = writeSample(join(base, `det-b-${layout}`), layout, 5)
      a.close()
      b.close()
      const read = (d: string): string =>
        (layout === 'legacy'
          ? readFileSync(join(d, 'log', 'openclaw-2026-11-22.log'), 'utf8') +
            readdirSync(join(d, 'home', 'agents', 'main', 'sessions'))
              .sort()
              .map((f) => readFileSync(join(d, 'home', 'agents', 'main', 'sessions', f), 'utf8'))
              .join('')
          : rows<{ j: string }>(agentDatabasePath(join(d, 'home'), 'main'), 'SELECT event_json AS j FROM transcript_events ORDER BY rowid')
              .map((r) => r.j)
              .join('\n')
        ).replaceAll(d, '<dir>')
      const a1 = read(join(base, `det-a-${layout}`))
      expect(a1.length).toBeGreaterThan(1000)
      expect(a1).toBe(read(join(base, `det-b-${layout}`)))
    }
  })
})

describe('demo', () => {
  it('builds both installs, keeps writing, and stops cleanly', async () => {
    const messages: string[] = []
    const demoDir = join(base, 'demo')
    const demo = await startDemo({ baseDir: demoDir, intervalMs: 20, seed: 3, log: (m) => messages.push(m) })
    const countTurns = (): number =>
      rows<{ n: number }>(agentDatabasePath(demo.stateDirs[0] as string, 'main'), `SELECT count(*) AS n FROM transcript_events`)[0]
        ?.n ?? 0
    expect(demo.stateDirs).toHaveLength(2)
    expect(JSON.parse(readFileSync(join(demo.stateDirs[0] as string, 'openclaw.json'), 'utf8')).agents.entries).toBeDefined()
    expect(JSON.parse(readFileSync(join(demo.stateDirs[1] as string, 'openclaw.json'), 'utf8')).agents.list).toHaveLength(3)
    const before = countTurns()
    await new Promise((r) => setTimeout(r, 1_500))
    await demo.stop()
    await demo.stop()
    expect(countTurns()).toBeGreaterThan(before)
    for (const f of demo.logFiles) expect(readFileSync(f, 'utf8').length).toBeGreaterThan(0)
    expect(messages.filter((m) => m.includes('failed:'))).toEqual([])
    const names = Object.values(
      (JSON.parse(readFileSync(join(demo.stateDirs[0] as string, 'openclaw.json'), 'utf8')) as { agents: { entries: Record<string, Json> } })
        .agents.entries,
    ).map((e) => e.name as string)
    expect(names.some((n) => /[\u4e00-\u9fff]/.test(n))).toBe(true)
    expect(existsSync(demoDir)).toBe(true)
  })
})
