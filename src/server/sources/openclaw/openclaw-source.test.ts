import { execFileSync } from 'node:child_process'
import { appendFileSync, copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { OpenClawEvent } from '../../core/events.js'
import type { WatchEventKind, FsWatcher, WatchTarget } from './openclaw-watcher.js'
import { MAX_LINE_BYTES } from './jsonl-tailer.js'
import { MAX_STATE_FILE_BYTES, NOT_REGULAR_REASON } from './regular-file.js'
import { createOpenClawSource, stateDirWatchFilter, type OpenClawSourceOptions } from './openclaw-source.js'
import {
  copyFixture,
  createRecorder,
  CURRENT,
  CURRENT_HOME,
  CURRENT_LOG,
  LEGACY,
  LEGACY_HOME,
  LEGACY_LOG,
  LEGACY_MAIN_SESSION,
  ofKind,
  tempDir,
  waitFor,
  type Recorder,
} from './openclaw.test-kit.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function readOnce(options: Partial<OpenClawSourceOptions> & { stateDirs: string[] }, saved?: Map<string, unknown>): Promise<Recorder> {
  const rec = createRecorder(saved)
  const source = createOpenClawSource({ defaultLogDir: null, watch: false, ...options })
  const dispose = await source.start(rec.ctx)
  await dispose()
  return rec
}

function fakeWatcher(): { watcher: FsWatcher; targets: WatchTarget[]; emit(kind: WatchEventKind, path: string): void } {
  const handlers: ((kind: WatchEventKind, path: string) => void)[] = []
  const targets: WatchTarget[] = []
  return {
    targets,
    watcher: {
      async watch(t, onEvent) {
        targets.push(...t)
        handlers.push(onEvent)
        return async () => {}
      },
    },
    emit: (kind, path) => handlers.forEach((h) => h(kind, path)),
  }
}

const attemptsOf = (events: OpenClawEvent[], agentId: string) => ofKind(events, 'model_attempt').filter((a) => a.agentId === agentId)

describe('OpenClaw 2026.4.15 (legacy layout): ground truth', async () => {
  const rec = await readOnce({ stateDirs: [LEGACY_HOME], logFiles: [LEGACY_LOG] })
  const events = rec.events()

  it('configures the six agents with their chains, legacy layout and auth profiles (no secrets)', () => {
    const configured = ofKind(events, 'agent_configured')
    expect(configured.map((a) => [a.agentId, a.name, a.config.primary, a.config.fallbacks.join(','), a.layout])).toEqual([
      ['main', 'Main', 'mock/mock-primary', 'mockauth/mock-auth,backup/mock-fallback', 'legacy'],
      ['ops', 'Ops', 'mock/mock-primary', 'backup/mock-fallback', 'legacy'],
      ['research', 'Research', 'mockauth/mock-auth', 'backup/mock-fallback', 'legacy'],
      ['rl', 'RateLimit', 'mock/mock-ratelimit-short', 'backup/mock-fallback', 'legacy'],
      ['slow', 'Slow', 'hang/mock-timeout', 'backup/mock-fallback', 'legacy'],
      ['plain', 'Plain', 'backup/mock-fallback', '', 'legacy'],
    ])
    expect(configured[0]?.authProfiles).toEqual({
      'mock:manual': { provider: 'mock', mode: 'token' },
      'mockauth:manual': { provider: 'mockauth', mode: 'token' },
    })
    expect(rec.rejected()).toEqual([])
  })

  it('sees each agent:<id>:main session, last answered by backup/mock-fallback', () => {
    const sessions = ofKind(events, 'session_seen')
    expect(sessions.map((s) => [s.agentId, s.sessionKey, s.provider, s.model])).toEqual(
      ['main', 'ops', 'research', 'rl', 'slow', 'plain'].map((id) => [id, `agent:${id}:main`, 'backup', 'mock-fallback']),
    )
    expect(sessions[0]?.sessionId).toBe(LEGACY_MAIN_SESSION)
  })

  it('main: primary → mockauth for timeout, mockauth → fallback for auth, in attempts and in the log', () => {
    const failed = attemptsOf(events, 'main').filter((a) => a.outcome === 'failed')
    expect(new Set(failed.map((a) => `${a.provider}/${a.model}:${a.reason}`))).toEqual(
      new Set(['mock/mock-primary:timeout', 'mockauth/mock-auth:auth']),
    )
    const decisions = ofKind(events, 'fallback_decision').filter((d) => d.agentId === 'main' && d.decision === 'candidate_failed')
    expect(decisions).toHaveLength(8)
    expect(decisions.slice(0, 2).map((d) => [d.candidate, d.next, d.reason, d.httpStatus])).toEqual([
      ['mock/mock-primary', 'mockauth/mock-auth', 'timeout', 408],
      ['mockauth/mock-auth', 'backup/mock-fallback', 'auth', 401],
    ])
    const answers = attemptsOf(events, 'main').filter((a) => a.outcome === 'succeeded')
    expect(answers.at(-1)).toMatchObject({ provider: 'backup', model: 'mock-fallback', at: Date.parse('2026-11-22T11:15:51.508Z') })
  })

  it('attributes every decision of the log to its agent, with the switch counts of the README', () => {
    const decisions = ofKind(events, 'fallback_decision')
    expect(decisions.every((d) => d.agentId !== null)).toBe(true)
    const switches: Record<string, number> = {}
    for (const d of decisions) {
      if (d.decision !== 'candidate_failed') continue
      const key = `${d.agentId}:${d.candidate}->${d.next}:${d.reason}`
      switches[key] = (switches[key] ?? 0) + 1
    }
    expect(switches).toEqual({
      'main:mock/mock-primary->mockauth/mock-auth:timeout': 4,
      'main:mockauth/mock-auth->backup/mock-fallback:auth': 4,
      'ops:mock/mock-primary->backup/mock-fallback:timeout': 1,
      'research:mockauth/mock-auth->backup/mock-fallback:auth': 1,
      'slow:hang/mock-timeout->backup/mock-fallback:timeout': 1,
      'rl:mock/mock-ratelimit-short->backup/mock-fallback:rate_limit': 4,
    })
    expect(decisions.filter((d) => d.decision === 'probe_cooldown_candidate').map((d) => d.agentId)).toEqual(['rl'])
  })

  it('auth state: main mockauth:manual auth cooldown, rl mock:manual rate_limit on mock-ratelimit-short', () => {
    const auth = ofKind(events, 'auth_state')
    expect(auth.map((a) => a.agentId)).toEqual(['main', 'rl'])
    expect(auth[0]?.profiles).toEqual({
      'mockauth:manual': {
        cooldownUntil: 1795346178980,
        cooldownReason: 'auth',
        errorCount: 1,
        failureCounts: { auth: 1 },
        lastFailureAt: 1795346148980,
      },
    })
    expect(auth[1]?.profiles['mock:manual']).toEqual({
      cooldownUntil: 1795346314450,
      cooldownReason: 'rate_limit',
      cooldownModel: 'mock-ratelimit-short',
      errorCount: 1,
      failureCounts: { rate_limit: 1 },
      lastFailureAt: 1795346284450,
    })
  })
})

describe('OpenClaw 2026.9.6 (SQLite layout): ground truth', async () => {
  const rec = await readOnce({ stateDirs: [CURRENT_HOME], logFiles: [CURRENT_LOG] })
  const events = rec.events()

  it('configures four agents, all sqlite', () => {
    expect(ofKind(events, 'agent_configured').map((a) => [a.agentId, a.layout])).toEqual([
      ['main', 'sqlite'],
      ['ops', 'sqlite'],
      ['research', 'sqlite'],
      ['rl', 'sqlite'],
    ])
    expect(rec.rejected()).toEqual([])
  })

  it('every agent last answered on backup/mock-fallback', () => {
    for (const id of ['main', 'ops', 'research', 'rl']) {
      expect(attemptsOf(events, id).filter((a) => a.outcome === 'succeeded').at(-1), id).toMatchObject({ provider: 'backup', model: 'mock-fallback' })
    }
  })

  it('main: primary rate-limited, mockauth failing auth, the idle-timeout circuit breaker stopped the chain', () => {
    const failed = attemptsOf(events, 'main').filter((a) => a.outcome === 'failed' && a.source === 'trajectory')
    expect(failed.filter((a) => a.model === 'mock-primary').every((a) => a.reason === 'rate_limit' && a.httpStatus === 429)).toBe(true)
    expect(failed.filter((a) => a.provider === 'mockauth').every((a) => a.reason === 'auth' && a.httpStatus === 401)).toBe(true)
    expect(ofKind(events, 'fallback_decision').filter((d) => d.decision === 'chain_stopped')).toEqual([
      expect.objectContaining({ agentId: 'main', candidate: 'mock/mock-timeout', reason: 'timeout' }),
    ])
  })

  it('rl: ten 429s on mock-ratelimit-short, then the fallback answered', () => {
    const rl = attemptsOf(events, 'rl').filter((a) => a.source === 'trajectory')
    expect(rl.map((a) => `${a.model}:${a.outcome}`)).toEqual([...Array(10).fill('mock-ratelimit-short:failed'), 'mock-fallback:succeeded'])
  })

  it('research auth_state: inline key cooling down until 1795344664304', () => {
    const research = ofKind(events, 'auth_state').find((a) => a.agentId === 'research')
    expect(research?.profiles['inline-api-key:mockauth']?.cooldownUntil).toBe(1795344664304)
  })
})

describe('secrets never leave the source', () => {
  it('no event or rejection from either fixture (nor a 2026.7-style one) carries a credential', async () => {
    const store = new Database(join(CURRENT_HOME, 'agents/main/agent/openclaw-agent.sqlite'), { readonly: true })
    // The test (not the source) looks at the store to know which value must not leak.
    const storeJson = (store.prepare('SELECT store_json FROM auth_profile_store').get() as { store_json: string }).store_json
    store.close()
    const storeKey = (JSON.parse(storeJson) as { profiles: Record<string, { key: string }> }).profiles['mock:manual']!.key
    const secrets = ['dummy-mock-key', 'dummy-auth-key', 'dummy-backup-key', 'dummy-hang-key', 'dummy-profile-key', 'dummy-auth-profile-key', 'lab-token-123', storeKey]

    const mixed = buildMixedFixture()
    cleanups.push(mixed.cleanup)
    const all: unknown[] = []
    for (const [dir, log] of [
      [LEGACY_HOME, LEGACY_LOG],
      [CURRENT_HOME, CURRENT_LOG],
      [mixed.home, LEGACY_LOG],
    ] as const) {
      const rec = await readOnce({ stateDirs: [dir], logFiles: [log] })
      all.push(rec.batches)
      expect(rec.events().length).toBeGreaterThan(10)
    }
    const text = JSON.stringify(all)
    for (const secret of secrets) expect(text).not.toContain(secret)
  })
})

/** A 2026.7-style state dir: JSONL transcript + trajectory.jsonl, auth state already in the agent database. */
function buildMixedFixture(): { home: string; cleanup: () => void } {
  const t = tempDir()
  const home = join(t.dir, 'openclaw-home')
  const sessions = join(home, 'agents/main/sessions')
  const agentDir = join(home, 'agents/main/agent')
  mkdirSync(sessions, { recursive: true })
  mkdirSync(agentDir, { recursive: true })
  copyFileSync(join(LEGACY_HOME, 'openclaw.json'), join(home, 'openclaw.json'))
  copyFileSync(join(LEGACY_HOME, `agents/main/sessions/${LEGACY_MAIN_SESSION}.jsonl`), join(sessions, `${LEGACY_MAIN_SESSION}.jsonl`))
  copyFileSync(join(LEGACY_HOME, 'agents/main/sessions/sessions.json'), join(sessions, 'sessions.json'))
  // A stale auth-state.json from before the database existed: the database must win.
  writeFileSync(join(agentDir, 'auth-state.json'), JSON.stringify({ version: 1, usageStats: { 'stale:profile': { errorCount: 9 } } }))
  copyFileSync(join(LEGACY_HOME, 'agents/main/agent/auth-profiles.json'), join(agentDir, 'auth-profiles.json'))

  const source = new Database(join(CURRENT_HOME, 'agents/main/agent/openclaw-agent.sqlite'), { readonly: true })
  const records = (source.prepare("SELECT event_json FROM trajectory_runtime_events WHERE run_id = 'c2f05ef4-dec4-4c96-8786-4a01037e9eff' ORDER BY seq").all() as { event_json: string }[]).map(
    (r) => {
      const o = JSON.parse(r.event_json) as Record<string, unknown>
      o.sessionId = LEGACY_MAIN_SESSION
      return JSON.stringify(o)
    },
  )
  source.close()
  writeFileSync(join(sessions, `${LEGACY_MAIN_SESSION}.trajectory.jsonl`), records.join('\n') + '\n')

  const db = new Database(join(agentDir, 'openclaw-agent.sqlite'))
  db.exec(`CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
           CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;`)
  db.prepare('INSERT INTO auth_profile_state VALUES (?, ?, ?)').run(
    'primary',
    JSON.stringify({ version: 1, usageStats: { 'mock:manual': { cooldownUntil: 1795346500000, cooldownReason: 'rate_limit', cooldownModel: 'mock-primary', errorCount: 2 } } }),
    1795346400000,
  )
  db.prepare('INSERT INTO auth_profile_store VALUES (?, ?, ?)').run(
    'primary',
    JSON.stringify({ version: 1, profiles: { 'mock:manual': { type: 'api_key', provider: 'mock', key: 'dummy-profile-key' } } }),
    1795346400000,
  )
  db.close()
  return { home, cleanup: t.cleanup }
}

describe('2026.7 in-between layout', () => {
  it('takes transcripts and trajectories from JSONL and auth state from the database: layout mixed', async () => {
    const mixed = buildMixedFixture()
    cleanups.push(mixed.cleanup)
    const rec = await readOnce({ stateDirs: [mixed.home] })
    const events = rec.events()
    expect(rec.rejected()).toEqual([])
    expect(ofKind(events, 'agent_configured').find((a) => a.agentId === 'main')?.layout).toBe('mixed')
    const attempts = attemptsOf(events, 'main')
    expect(attempts.filter((a) => a.source === 'transcript').length).toBeGreaterThan(10)
    expect(attempts.filter((a) => a.source === 'trajectory').map((a) => [a.model, a.outcome, a.reason, a.eventId])).toEqual([
      ['mock-primary', 'failed', 'rate_limit', `${LEGACY_MAIN_SESSION}:trajectory:4`],
      ['mock-auth', 'failed', 'auth', `${LEGACY_MAIN_SESSION}:trajectory:10`],
    ])
    expect(ofKind(events, 'auth_state')).toEqual([
      expect.objectContaining({ agentId: 'main', at: 1795346400000, profiles: { 'mock:manual': expect.objectContaining({ cooldownModel: 'mock-primary' }) } }),
    ])
    // Agents only in the config have no data on disk.
    expect(ofKind(events, 'agent_configured').find((a) => a.agentId === 'ops')?.layout).toBe('empty')
  })
})

describe('incremental reading', () => {
  it('an appended transcript line yields only its event; a restart from the checkpoints reads nothing again', async () => {
    const copy = copyFixture(LEGACY)
    cleanups.push(copy.cleanup)
    const home = join(copy.dir, 'openclaw-home')
    const log = join(copy.dir, 'gateway-log/openclaw-2026-11-22.log')
    const fake = fakeWatcher()
    const rec = createRecorder()
    const dispose = await createOpenClawSource({ stateDirs: [home], logFiles: [log], defaultLogDir: null, watcher: fake.watcher, dbPollMs: 0 }).start(rec.ctx)
    cleanups.push(dispose)
    const before = rec.events().length
    expect(before).toBeGreaterThan(100)
    rec.clear()

    const transcript = join(home, `agents/main/sessions/${LEGACY_MAIN_SESSION}.jsonl`)
    const line = {
      type: 'message',
      id: 'live0001',
      parentId: '0a4c81d1',
      timestamp: '2026-11-22T11:20:00.000Z',
      message: { role: 'assistant', content: [{ type: 'text', text: 'hi' }], provider: 'backup', model: 'mock-fallback', stopReason: 'stop', timestamp: 1795346400000 },
    }
    appendFileSync(transcript, JSON.stringify(line) + '\n')
    fake.emit('change', transcript)
    const events = await waitFor(() => rec.events().length > 0 && rec.events(), 5000, 'appended event')
    expect(events).toEqual([expect.objectContaining({ kind: 'model_attempt', eventId: `${LEGACY_MAIN_SESSION}:live0001`, outcome: 'succeeded' })])

    // The same change reported again reads nothing.
    rec.clear()
    fake.emit('change', transcript)
    fake.emit('change', log)
    await new Promise((r) => setTimeout(r, 50))
    expect(rec.events()).toEqual([])
    await dispose()

    const first = await readOnce({ stateDirs: [home], logFiles: [log] })
    const restarted = await readOnce({ stateDirs: [home], logFiles: [log] }, first.checkpoints())
    const kinds = new Set(restarted.events().map((e) => e.kind))
    expect(kinds).toEqual(new Set(['agent_configured', 'session_seen', 'auth_state']))
    expect(Object.keys(Object.assign({}, ...restarted.batches.map((b) => b.checkpoints)))).toEqual([])
  })

  /** A copy of the legacy fixture, its `ops` transcript, how many lines it has, and a good line to append. */
  function opsTranscript(): { dir: string; transcript: string; lines: number; good: (id: string) => string } {
    const copy = copyFixture(LEGACY_HOME)
    cleanups.push(copy.cleanup)
    const transcript = join(copy.dir, `agents/ops/sessions/ea99fac1-1870-40c5-a0ee-2b2cff7c3461.jsonl`)
    const lines = readFileSync(transcript, 'utf8').split('\n').filter(Boolean).length
    const good = (id: string): string =>
      JSON.stringify({ type: 'model_change', id, parentId: null, timestamp: '2026-11-22T11:30:00.000Z', provider: 'mock', modelId: 'mock-500' })
    return { dir: copy.dir, transcript, lines, good }
  }

  it('a malformed line is counted with its place and skipped; good lines around it survive', async () => {
    const { dir, transcript, lines, good } = opsTranscript()
    appendFileSync(transcript, [good('after001'), '{"type":"message","id":"broken","message":{"role":"assi', 'not json at all', good('after002')].join('\n') + '\n')
    const rec = await readOnce({ stateDirs: [dir] })
    expect(rec.rejected()).toEqual([
      { place: `${transcript}:${lines + 2}`, reason: expect.stringMatching(/^invalid JSON/) },
      { place: `${transcript}:${lines + 3}`, reason: expect.stringMatching(/^invalid JSON/) },
    ])
    const changes = ofKind(rec.events(), 'model_changed').filter((e) => e.agentId === 'ops')
    expect(changes.map((e) => [e.eventId.split(':')[1], e.initial])).toEqual([
      ['64c38585', true],
      ['after001', false],
      ['after002', false],
    ])
  })

  it('a line too long to keep (a corrupt file without line breaks) is counted and skipped; good lines around it survive', async () => {
    const { dir, transcript, lines, good } = opsTranscript()
    appendFileSync(transcript, `${good('after001')}\n`)
    appendFileSync(transcript, Buffer.alloc(MAX_LINE_BYTES + 10))
    appendFileSync(transcript, `\n${good('after002')}\n`)
    const rec = await readOnce({ stateDirs: [dir] })
    expect(rec.rejected()).toEqual([{ place: `${transcript}:${lines + 2}`, reason: `line too long (${MAX_LINE_BYTES + 10} bytes): skipped` }])
    const changes = ofKind(rec.events(), 'model_changed').filter((e) => e.agentId === 'ops')
    expect(changes.map((e) => e.eventId.split(':')[1])).toEqual(['64c38585', 'after001', 'after002'])
  })

  it('follows log rotation and truncation through the watcher interface', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const logDir = join(t.dir, 'tmp-openclaw')
    mkdirSync(logDir)
    const logPath = join(logDir, 'openclaw-2026-11-22.log')
    const lines = readFileSync(LEGACY_LOG, 'utf8').split('\n').filter(Boolean)
    const decisionLines = lines.filter((l) => l.includes('"event":"model_fallback_decision"'))
    writeFileSync(logPath, decisionLines.slice(0, 2).join('\n') + '\n')
    writeFileSync(join(logDir, 'unrelated.log'), 'nothing here\n')
    const fake = fakeWatcher()
    const rec = createRecorder()
    const dispose = await createOpenClawSource({ stateDirs: [LEGACY_HOME], defaultLogDir: logDir, watcher: fake.watcher, dbPollMs: 0 }).start(rec.ctx)
    cleanups.push(dispose)
    expect(ofKind(rec.events(), 'fallback_decision')).toHaveLength(2)
    expect(rec.rejected()).toEqual([])

    rec.clear()
    renameSync(logPath, `${logPath}.1`)
    writeFileSync(logPath, decisionLines[2] + '\n')
    fake.emit('add', logPath)
    await waitFor(() => ofKind(rec.events(), 'fallback_decision').length === 1, 5000, 'rotated log')
    expect(ofKind(rec.events(), 'fallback_decision')[0]?.decision).toBe('candidate_succeeded')

    rec.clear()
    writeFileSync(logPath, 'plain text, not JSON\n' + decisionLines[3] + '\n')
    fake.emit('change', logPath)
    await waitFor(() => ofKind(rec.events(), 'fallback_decision').length === 1, 5000, 'truncated log')
    expect(rec.rejected()).toEqual([{ place: `${logPath}:1`, reason: expect.stringMatching(/^invalid JSON/) }])
  })
})

describe('a state dir that appears after the start', () => {
  it('is found, read, watched and announced; a dir already known is not added twice', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const early = join(t.dir, 'early')
    const late = join(t.dir, 'late')
    cpSync(LEGACY_HOME, early, { recursive: true })
    const fake = fakeWatcher()
    const rec = createRecorder()
    const added: string[] = []
    const dispose = await createOpenClawSource({
      stateDirs: [early, late],
      defaultLogDir: null,
      watcher: fake.watcher,
      dbPollMs: 0,
      discoverEveryMs: 20,
      onStateDirAdded: (dir) => added.push(dir),
    }).start(rec.ctx)
    cleanups.push(dispose)
    const configured = () => new Set(ofKind(rec.events(), 'agent_configured').map((e) => e.stateDir))
    expect(configured()).toEqual(new Set([early]))

    // OpenClaw's first start, after Switchboard's.
    cpSync(CURRENT_HOME, late, { recursive: true })
    await waitFor(() => configured().has(late), 5000, 'the late state dir to be read')
    expect(attemptsOf(rec.events(), 'rl').length).toBeGreaterThan(0)
    await waitFor(() => fake.targets.some((target) => target.path === late), 5000, 'the late state dir to be watched')
    await new Promise((r) => setTimeout(r, 100))
    expect(added).toEqual([late])
    expect(fake.targets.filter((target) => target.path === late)).toHaveLength(1)
  })
})

describe('special files where OpenClaw keeps plain ones', () => {
  // Opening a FIFO waits for a writer: before, the first read never finished.
  it.runIf(process.platform !== 'win32')('a FIFO in place of the config, a sessions index, auth state or an agent database is counted and skipped; the rest is read', async () => {
    const legacy = copyFixture(LEGACY_HOME)
    const current = copyFixture(CURRENT_HOME)
    cleanups.push(legacy.cleanup, current.cleanup)
    const fifos = [
      join(legacy.dir, 'agents', 'main', 'sessions', 'sessions.json'),
      join(legacy.dir, 'agents', 'main', 'agent', 'auth-state.json'),
      join(current.dir, 'openclaw.json'),
      join(current.dir, 'agents', 'rl', 'agent', 'openclaw-agent.sqlite'),
    ]
    for (const path of fifos) {
      rmSync(path)
      execFileSync('mkfifo', [path])
    }
    const rec = await readOnce({ stateDirs: [legacy.dir, current.dir] })
    const skipped = rec.rejected().filter((r) => r.reason === NOT_REGULAR_REASON)
    expect(new Set(skipped.map((r) => r.place))).toEqual(new Set(fifos))
    // The legacy main's transcript, and the current install's other databases, are still read.
    const mainAttempts = attemptsOf(rec.events(), 'main')
    expect(mainAttempts.some((a) => a.sessionId === LEGACY_MAIN_SESSION)).toBe(true)
    expect(mainAttempts.some((a) => a.sessionId !== LEGACY_MAIN_SESSION)).toBe(true)
    expect(attemptsOf(rec.events(), 'rl').length).toBeGreaterThan(0)
  })
})

describe('state files too large to be real', () => {
  it('a config or sessions index over 64 MiB is counted and skipped without being read; transcripts still are', async () => {
    const legacy = copyFixture(LEGACY_HOME)
    cleanups.push(legacy.cleanup)
    const index = join(legacy.dir, 'agents', 'main', 'sessions', 'sessions.json')
    const config = join(legacy.dir, 'openclaw.json')
    // Sparse: the size is there without the bytes.
    for (const path of [index, config]) truncateSync(path, MAX_STATE_FILE_BYTES + 1)
    const rec = await readOnce({ stateDirs: [legacy.dir] })
    const tooLarge = `file too large (${MAX_STATE_FILE_BYTES + 1} bytes): skipped`
    expect(new Set(rec.rejected().filter((r) => r.reason === tooLarge).map((r) => r.place))).toEqual(new Set([index, config]))
    expect(attemptsOf(rec.events(), 'main').some((a) => a.sessionId === LEGACY_MAIN_SESSION)).toBe(true)
  })
})

describe('config and agents change live', () => {
  it('re-emits agent_configured for changed agents and agent_removed for agents gone from config and disk', async () => {
    const copy = copyFixture(LEGACY_HOME)
    cleanups.push(copy.cleanup)
    const fake = fakeWatcher()
    const rec = createRecorder()
    const dispose = await createOpenClawSource({ stateDirs: [copy.dir], defaultLogDir: null, watcher: fake.watcher, dbPollMs: 0 }).start(rec.ctx)
    cleanups.push(dispose)
    rec.clear()

    const configPath = join(copy.dir, 'openclaw.json')
    const config = readFileSync(configPath, 'utf8')
      .replace('"name": "Ops"', '"name": "Operations"')
      .replace(/\{\s*"id": "plain",[\s\S]*?"fallbacks": \[\]\s*\}\s*\}/, '{ "id": "newbie" }')
    writeFileSync(configPath, config)
    rmSync(join(copy.dir, 'agents/plain'), { recursive: true })
    fake.emit('change', configPath)
    await waitFor(() => rec.events().some((e) => e.kind === 'agent_removed'), 5000, 'agent_removed')
    const events = rec.events()
    expect(ofKind(events, 'agent_configured').map((a) => [a.agentId, a.name, a.layout])).toEqual([
      ['ops', 'Operations', 'legacy'],
      ['newbie', 'newbie', 'empty'],
    ])
    expect(ofKind(events, 'agent_configured')[1]?.config).toEqual({ primary: 'mock/mock-primary', fallbacks: ['mockauth/mock-auth', 'backup/mock-fallback'] })
    expect(ofKind(events, 'agent_removed')).toEqual([{ kind: 'agent_removed', agentId: 'plain' }])

    // A half-saved config is rejected and the last good one kept.
    rec.clear()
    writeFileSync(configPath, '{ "agents": { ')
    fake.emit('change', configPath)
    await waitFor(() => rec.rejected().length > 0, 5000, 'config rejection')
    expect(rec.events()).toEqual([])

    // A new agent folder appears live.
    rec.clear()
    const newDir = join(copy.dir, 'agents/fresh/sessions')
    mkdirSync(newDir, { recursive: true })
    cpSync(join(LEGACY_HOME, 'agents/plain/sessions/facd1f06-a69e-48e2-9e1a-5592d6626e5f.jsonl'), join(newDir, 'facd1f06-a69e-48e2-9e1a-5592d6626e5f.jsonl'))
    fake.emit('addDir', join(copy.dir, 'agents/fresh'))
    await waitFor(() => ofKind(rec.events(), 'model_attempt').length >= 2, 5000, 'new agent events')
    expect(ofKind(rec.events(), 'agent_configured')).toEqual([expect.objectContaining({ agentId: 'fresh', name: 'fresh', layout: 'legacy' })])
    expect(ofKind(rec.events(), 'session_seen')).toEqual([expect.objectContaining({ agentId: 'fresh', sessionKey: null })])
  })

  it('a change that arrives during the catch-up read after the watcher starts is read between agents, not after them all', async () => {
    const first = copyFixture(LEGACY_HOME)
    const second = copyFixture(LEGACY_HOME)
    cleanups.push(first.cleanup, second.cleanup)
    const agents = ['main', 'ops', 'research', 'rl', 'slow', 'plain']
    const newSession = (home: string, agentId: string, sessionId: string): void =>
      writeFileSync(
        join(home, `agents/${agentId}/sessions/${sessionId}.jsonl`),
        JSON.stringify({ type: 'model_change', id: `m-${sessionId}`, parentId: null, timestamp: '2026-11-22T11:22:00.000Z', provider: 'backup', modelId: 'mock-fallback' }) + '\n',
      )
    const sessionOf = (i: number): string => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`
    const changed = sessionOf(99)
    const handlers: ((kind: WatchEventKind, path: string) => void)[] = []
    const watcher: FsWatcher = {
      async watch(_targets, onEvent) {
        handlers.push(onEvent)
        // Between the first read and the catch-up read: every agent of the first dir gets a session
        // no event announces (the catch-up read finds them), and the second dir gets one that the
        // watcher reports.
        if (handlers.length === 1) {
          agents.forEach((a, i) => newSession(first.dir, a, sessionOf(i)))
          newSession(second.dir, 'ops', changed)
          onEvent('add', join(second.dir, `agents/ops/sessions/${changed}.jsonl`))
        }
        return async () => {}
      },
    }
    const rec = createRecorder()
    const dispose = await createOpenClawSource({ stateDirs: [first.dir, second.dir], defaultLogDir: null, watcher, dbPollMs: 0 }).start(rec.ctx)
    cleanups.push(dispose)

    const seen = (): string[] => ofKind(rec.events(), 'session_seen').map((e) => e.sessionId)
    await waitFor(() => seen().includes(changed) && agents.every((_, i) => seen().includes(sessionOf(i))), 10_000, 'every new session')
    const order = seen()
    // The reported change was read after the catch-up read's first agent, before most of the others.
    const after = agents.filter((_, i) => order.indexOf(sessionOf(i)) > order.indexOf(changed))
    expect(after.length).toBeGreaterThanOrEqual(agents.length - 2)
    expect(order.filter((id) => id === changed)).toHaveLength(1)
  })

  it('watches only the pieces of a state dir, never workspaces', () => {
    const accept = stateDirWatchFilter('/s')
    for (const p of ['/s', '/s/openclaw.json', '/s/agents', '/s/agents/a', '/s/agents/a/sessions', '/s/agents/a/sessions/x.jsonl', '/s/agents/a/sessions/sessions.json', '/s/agents/a/agent/auth-state.json', '/s/agents/a/agent/openclaw-agent.sqlite-wal', '/s/state/openclaw.sqlite']) {
      expect(accept(p), p).toBe(true)
    }
    for (const p of ['/s/workspace', '/s/workspace/a.md', '/s/agents/a/agent/auth-profiles.json', '/s/agents/a/agent/models.json', '/s/agents/a/sessions/sub/x.jsonl', '/s/logs', '/other']) {
      expect(accept(p), p).toBe(false)
    }
  })

  it('describes where it looks', () => {
    const source = createOpenClawSource({ stateDirs: [], env: {}, homeDir: '/home/nobody', defaultLogDir: '/tmp/openclaw' })
    expect(source.describe()).toEqual({
      kind: 'openclaw',
      locations: ['/home/nobody/.openclaw', '/home/nobody/.openclaw-<profile>', '/tmp/openclaw'],
    })
  })
})

describe('fixture copies', () => {
  it('the 9.6 state dir reads the same from a temp copy', async () => {
    const copy = copyFixture(CURRENT)
    cleanups.push(copy.cleanup)
    const rec = await readOnce({ stateDirs: [join(copy.dir, 'openclaw-home')] })
    expect(ofKind(rec.events(), 'agent_configured')).toHaveLength(4)
  })
})
