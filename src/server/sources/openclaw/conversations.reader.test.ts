import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { Task } from '../../../shared/conversations.js'
import { MAX_KEPT_RUNS, type ConversationFacts } from '../../core/conversation-facts.js'
import { turnLines } from '../../../../test/helpers/transcript-lines.js'
import { judgeConversation, nextStatusChangeAt, type ConversationJudgement } from '../../core/conversation-status.rules.js'
import { toConversationInfo } from '../../core/conversation-view.js'
import { attachDurableTasks, createConversationsReader, type ConversationsScan } from './conversations.reader.js'
import { createJsonlTailer, type JsonlTailer } from './jsonl-tailer.js'
import { NOT_REGULAR_REASON } from './regular-file.js'
import { MAX_ROW_BYTES } from './row-limits.js'
import { copyFixture, CURRENT_HOME, CURRENT_MAIN_SESSION, LEGACY_HOME, LEGACY_MAIN_SESSION, tempDir } from './openclaw.test-kit.js'

/** End of each capture, as test/fixtures/NOTES.md pins them. */
const CURRENT_END = 1795344640000
const LEGACY_END = 1795346287437

const CURRENT = {
  main: CURRENT_MAIN_SESSION,
  ops: '7db9e4f8-bc9a-485d-a4e3-1b767e4a172e',
  research: '4440310b-342a-43c1-9dd7-66d2f286df48',
  rl: 'a81bf92c-a038-4f59-b22c-cacab7ac9083',
}
const LEGACY = {
  main: LEGACY_MAIN_SESSION,
  ops: 'ea99fac1-1870-40c5-a0ee-2b2cff7c3461',
  plain: 'facd1f06-a69e-48e2-9e1a-5592d6626e5f',
  research: '5cb21c5c-86b7-4458-8b35-4e5780d26f17',
  rl: '95e2ffd0-cda7-4df4-b4e8-8fa535e84e2b',
  slow: '893c7f99-a633-4579-b6ea-5a7394d56204',
}
const FALLBACK = 'backup/mock-fallback'

const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!()
})

/**
 * A writable copy of a fixture state dir. The legacy fixture's `tasks/runs.sqlite` is in WAL mode:
 * even a read-only connection creates `-shm`/`-wal` beside it, so it is never read in place.
 */
function copyHome(home: string): string {
  const t = copyFixture(home)
  cleanups.push(t.cleanup)
  return t.dir
}

async function scan(stateDir: string, tailer?: JsonlTailer): Promise<ConversationsScan> {
  const reader = createConversationsReader({ stateDir, ...(tailer ? { tailer } : {}) })
  try {
    return await reader.read()
  } finally {
    reader.close()
  }
}

function bySession(s: ConversationsScan, sessionId: string): ConversationFacts {
  const c = s.conversations.find((x) => x.sessionId === sessionId)
  if (!c) throw new Error(`no conversation ${sessionId}`)
  return c
}

function judge(s: ConversationsScan, sessionId: string, now: number): ConversationJudgement {
  return judgeConversation(bySession(s, sessionId), now)
}

/** Puts a FIFO where the file at `path` was. */
function fifoAt(path: string): void {
  rmSync(path, { force: true })
  execFileSync('mkfifo', [path])
}

const dbOf = (home: string, agent: string): string => join(home, 'agents', agent, 'agent', 'openclaw-agent.sqlite')

/** Removes every transcript and trajectory row written after `cut`: the database as it was then. */
function cutDb(home: string, agent: string, cut: number): void {
  const db = new Database(dbOf(home, agent))
  db.prepare('DELETE FROM transcript_events WHERE created_at > ?').run(cut)
  db.prepare('DELETE FROM trajectory_runtime_events WHERE created_at > ?').run(cut)
  db.close()
}

/** Keeps the transcript lines written up to `cut`: the file as it was then. */
function cutJsonl(path: string, cut: number): void {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '')
  const kept = lines.filter((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp) <= cut)
  writeFileSync(path, kept.map((l) => `${l}\n`).join(''))
}

const legacyTranscript = (home: string, agent: keyof typeof LEGACY): string => join(home, 'agents', agent, 'sessions', `${LEGACY[agent]}.jsonl`)

describe('conversations of OpenClaw 2026.9.6 (per-agent SQLite)', () => {
  it('one conversation per agent, with ids, keys, counts, models, tokens and cost checked against the databases', async () => {
    const s = await scan(CURRENT_HOME)
    expect(s.rejected).toEqual([])
    expect(s.conversations.map((c) => [c.agentId, c.sessionId, c.sessionKey, c.layout])).toEqual([
      ['main', CURRENT.main, 'agent:main:main', 'sqlite'],
      ['ops', CURRENT.ops, 'agent:ops:main', 'sqlite'],
      ['research', CURRENT.research, 'agent:research:main', 'sqlite'],
      ['rl', CURRENT.rl, 'agent:rl:main', 'sqlite'],
    ])
    // session_transcript_index_state.active_message_count says 14, 6, 4, 2: the rewound user message of main's 10:43 turn is not counted.
    expect(s.conversations.map((c) => c.messageCount)).toEqual([14, 6, 4, 2])
    expect(s.conversations.map((c) => c.runs.length)).toEqual([6, 3, 2, 1])
    expect(s.conversations.map((c) => [c.createdAt, c.lastActivityAt])).toEqual([
      [1795344063266, 1795344586422],
      [1795344277199, 1795344626540],
      [1795344323819, 1795344634962],
      [1795344360508, 1795344516933],
    ])
    // Four answers of 1234 + 56 tokens (1290 total) at $0.001346 each for main, three for ops, two for research, one for rl.
    expect(bySession(s, CURRENT.main).tokens).toEqual({ input: 4936, output: 224, cacheRead: 0, cacheWrite: 0, total: 5160 })
    expect(s.conversations.map((c) => Math.round(c.costUsd * 1e6))).toEqual([5384, 4038, 2692, 1346])
    // Each answer is counted in the run it answered: main's two failed runs cost nothing.
    expect(bySession(s, CURRENT.main).runs.map((r) => [r.tokens, Math.round(r.costUsd * 1e6)])).toEqual([
      [0, 0],
      [0, 0],
      [1290, 1346],
      [1290, 1346],
      [1290, 1346],
      [1290, 1346],
    ])
    for (const c of s.conversations) expect(c.runs.reduce((n, r) => n + r.tokens, 0)).toBe(c.tokens.total)
    expect(s.conversations.map((c) => c.firstUserText)).toEqual(['hello', 'hello ops', 'hello research', 'hello rl'])
  })

  it("main's six runs: two failed on every candidate, four answered by the fallback", async () => {
    const main = bySession(await scan(CURRENT_HOME), CURRENT.main)
    expect(
      main.runs.map((r) => [r.runId, r.lifecycle, r.outcome, r.endReason, r.answeredBy, r.attempts.filter((a) => a.outcome !== 'started').map((a) => `${a.model}:${a.reason ?? 'ok'}`)]),
    ).toEqual([
      [
        '250cff07-a57d-4fdb-a3a8-f8404385581d',
        'trajectory',
        'failed',
        'timeout',
        null,
        ['mock/mock-primary:rate_limit', ...Array<string>(5).fill('mock/mock-timeout:timeout')],
      ],
      ['c2f05ef4-dec4-4c96-8786-4a01037e9eff', 'trajectory', 'failed', null, null, ['mock/mock-primary:rate_limit', 'mock/mock-auth:auth']],
      ['b1e6c81e-89f2-4a64-ae43-ebc6e06b9fd4', 'trajectory', 'succeeded', null, FALLBACK, ['mock/mock-primary:rate_limit', 'mockauth/mock-auth:auth', `${FALLBACK}:ok`]],
      ['76e4dec2-528e-4f57-ac0d-bd87e88e11a2', 'trajectory', 'succeeded', null, FALLBACK, ['mock/mock-primary:rate_limit', 'mockauth/mock-auth:auth', `${FALLBACK}:ok`]],
      ['c9b91878-c6d6-4a7f-8069-86ee396e45c4', 'trajectory', 'succeeded', null, FALLBACK, ['mock/mock-primary:rate_limit', 'mockauth/mock-auth:auth', `${FALLBACK}:ok`]],
      ['9f5560ff-8ce0-49e6-824a-ef290c103c6e', 'trajectory', 'succeeded', null, FALLBACK, [`${FALLBACK}:ok`]],
    ])
    // session.started / session.ended of the first run (10:41:09.126 → 10:42:06.586).
    expect([main.runs[0]!.startedAt, main.runs[0]!.endedAt]).toEqual([1795344069126, 1795344126586])
  })

  it('rl: one run, ten 429s on the primary, answered by the fallback', async () => {
    const rl = bySession(await scan(CURRENT_HOME), CURRENT.rl)
    const attempts = rl.runs[0]!.attempts.filter((a) => a.outcome !== 'started')
    expect(attempts.filter((a) => a.model === 'mock/mock-ratelimit-short' && a.reason === 'rate_limit' && a.httpStatus === 429)).toHaveLength(10)
    expect(rl.runs[0]).toMatchObject({ runId: 'de992487-cf93-451e-9853-76ea9b3c70d0', outcome: 'succeeded', answeredBy: FALLBACK })
  })

  it('at the end of the capture every conversation is STOPPED and idle, as observed', async () => {
    const s = await scan(CURRENT_HOME)
    for (const id of Object.values(CURRENT)) {
      expect(judge(s, id, CURRENT_END)).toEqual({ status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'idle', inferred: false })
    }
    const info = toConversationInfo(bySession(s, CURRENT.main), judge(s, CURRENT.main, CURRENT_END))
    expect(info).toMatchObject({
      conversation_id: CURRENT.main,
      title: 'hello',
      agent_id: 'main',
      session_key: 'agent:main:main',
      current_model: FALLBACK,
      message_count: 14,
      run_count: 6,
      cost_usd: 0.005384,
      tokens: { input: 4936, output: 224, cache_read: 0, cache_write: 0, total: 5160 },
      created_at: '2026-11-22T10:41:03.266Z',
      last_activity_at: '2026-11-22T10:49:46.422Z',
      updated_at: '2026-11-22T10:49:46.422Z',
      url: `/api/conversations/${CURRENT.main}`,
      last_run: { run_id: '9f5560ff-8ce0-49e6-824a-ef290c103c6e', outcome: 'succeeded', answered_by: FALLBACK, failed_attempts: 0 },
    })
  })

  it('the durable task of the ops gateway turn is in the ops task list', async () => {
    const s = await scan(CURRENT_HOME)
    expect(s.unattachedTasks).toEqual([])
    expect([...s.tasks.keys()]).toEqual([CURRENT.ops])
    expect(s.tasks.get(CURRENT.ops)).toEqual([
      {
        id: '05e8749b-ba66-42c7-9f1d-c740b44c0d08',
        title: 'turn via gateway',
        status: 'done',
        notes: 'completed',
        updated_at: '2026-11-22T10:50:26.563Z',
        source: 'openclaw',
        outcome: 'succeeded',
      },
    ])
  })

  it("main's timeline replayed from the database with a pinned clock", async () => {
    const at = async (cut: number): Promise<ConversationJudgement> => {
      const home = copyHome(CURRENT_HOME)
      cutDb(home, 'main', cut)
      const s = await scan(home)
      expect(s.rejected).toEqual([])
      return judge(s, CURRENT.main, cut)
    }
    // 10:41:30: the first run, primary 429 and two idle timeouts behind it, is trying mock-timeout again.
    expect(await at(1795344090000)).toEqual({ status: 'STARTING', runtimeStatus: 'FALLING_BACK', reason: 'first_run_in_progress', inferred: false })
    // 10:42:30: OpenClaw ended it interrupted by the idle timeout.
    expect(await at(1795344150000)).toEqual({ status: 'ERROR', runtimeStatus: 'ERROR', reason: 'run_timed_out', inferred: false })
    // 10:43:07.5: the second run, primary 429 already.
    expect(await at(1795344187500)).toEqual({ status: 'RUNNING', runtimeStatus: 'FALLING_BACK', reason: 'falling_back', inferred: false })
    // 10:43:30: it ended in error after 429 then 401.
    expect(await at(1795344210000)).toEqual({ status: 'ERROR', runtimeStatus: 'ERROR', reason: 'all_candidates_failed', inferred: false })
    // 10:45: two runs answered since.
    expect(await at(1795344300000)).toEqual({ status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'idle', inferred: false })
  })

  it('rl frozen mid-backoff: falling back, then failed on every candidate once silent for 3 minutes', async () => {
    const home = copyHome(CURRENT_HOME)
    const cut = 1795344420000 // 10:47:00, the sixth 429 was at 10:46:41.829
    cutDb(home, 'rl', cut)
    const rl = bySession(await scan(home), CURRENT.rl)
    const run = rl.runs[0]!
    expect(run.outcome).toBeNull()
    // The sixth model.completed and its trace.artifacts, both at 10:46:41.829.
    expect(run.lastEventAt).toBe(1795344401829)
    expect(judgeConversation(rl, cut)).toEqual({ status: 'STARTING', runtimeStatus: 'FALLING_BACK', reason: 'first_run_in_progress', inferred: false })
    expect(nextStatusChangeAt(rl, cut)).toBe(1795344401829 + 180_000)
    expect(judgeConversation(rl, 1795344401829 + 179_999).status).toBe('STARTING')
    expect(judgeConversation(rl, 1795344401829 + 180_000)).toEqual({ status: 'ERROR', runtimeStatus: 'ERROR', reason: 'all_candidates_failed', inferred: true })
  })

  it('archived, superseded and deleted sessions are ARCHIVED', async () => {
    const home = copyHome(CURRENT_HOME)
    const T = 1795344700000
    let db = new Database(dbOf(home, 'ops'))
    db.prepare("UPDATE session_nodes SET archived_at = ? WHERE session_key = 'agent:ops:main'").run(T)
    db.close()
    db = new Database(dbOf(home, 'rl'))
    db.prepare(
      `INSERT INTO session_windows (session_id, session_key, previous_session_id, reason, created_at, updated_at)
       VALUES ('rl-next', 'agent:rl:main', ?, 'reset', ?, ?)`,
    ).run(CURRENT.rl, T, T)
    db.prepare("UPDATE session_nodes SET current_session_id = 'rl-next' WHERE session_key = 'agent:rl:main'").run()
    db.prepare(
      `INSERT INTO session_transcript_archives (session_id, generation, session_key, reason, encoding, archive_blob, archive_sha256, archive_name, created_at)
       VALUES ('rl-gone', 'g1', 'agent:rl:side', 'deleted', 'identity', x'00', ?, 'rl-gone.jsonl.deleted', ?)`,
    ).run('0'.repeat(64), T)
    db.close()
    const s = await scan(home)
    expect(s.rejected).toEqual([])
    expect(judge(s, CURRENT.ops, T)).toEqual({ status: 'ARCHIVED', runtimeStatus: 'ARCHIVED', reason: 'archived', inferred: false })
    expect(bySession(s, CURRENT.ops).archive).toEqual({ reason: 'archived', at: T })
    expect(judge(s, CURRENT.rl, T).reason).toBe('superseded')
    expect(bySession(s, CURRENT.rl).archive).toEqual({ reason: 'superseded', at: T })
    // The key's new session has no run yet.
    expect(bySession(s, 'rl-next')).toMatchObject({ sessionKey: 'agent:rl:main', messageCount: 0, runs: [] })
    expect(judge(s, 'rl-next', T + 1000)).toEqual({ status: 'STARTING', runtimeStatus: 'STARTING', reason: 'session_created', inferred: true })
    expect(bySession(s, 'rl-gone')).toMatchObject({ sessionKey: 'agent:rl:side', messageCount: null, archive: { reason: 'deleted', at: T } })
    expect(s.conversations.filter((c) => c.agentId === 'rl').map((c) => c.sessionId)).toEqual([CURRENT.rl, 'rl-gone', 'rl-next'])
  })

  it('a progress card becomes the task list of the session its key points to', async () => {
    const home = copyHome(CURRENT_HOME)
    const db = new Database(dbOf(home, 'main'))
    const steps = [
      { step: 'Read the gateway log', status: 'completed' },
      { step: 'Find why mock-primary fails', status: 'in_progress' },
      { step: 'Write the report', status: 'pending' },
    ]
    db.prepare("INSERT INTO session_progress_cards VALUES ('agent:main:main', NULL, ?, 1, ?, ?)").run(JSON.stringify(steps), 1795344600000, 1795344600000)
    db.close()
    const s = await scan(home)
    expect(s.tasks.get(CURRENT.main)?.map((t) => [t.id, t.title, t.status, t.source])).toEqual([
      ['step-1', 'Read the gateway log', 'done', 'openclaw'],
      ['step-2', 'Find why mock-primary fails', 'in_progress', 'openclaw'],
      ['step-3', 'Write the report', 'todo', 'openclaw'],
    ])
  })

  it('malformed rows are counted with their place and skipped; the rest is read', async () => {
    const home = copyHome(CURRENT_HOME)
    const path = dbOf(home, 'ops')
    const db = new Database(path)
    db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, 100, '{not json', 1795344626600)").run(CURRENT.ops)
    db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, 101, '[1,2]', 1795344626601)").run(CURRENT.ops)
    db.prepare("INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, 100, 'r', 'nope', 1795344626602)").run(CURRENT.ops)
    db.prepare("UPDATE session_nodes SET entry_json = '{' WHERE session_key = 'agent:ops:main'").run()
    db.prepare("INSERT INTO session_progress_cards VALUES ('agent:ops:main', NULL, '[{\"step\":1}]', 1, 1, 1)").run()
    db.close()
    const s = await scan(home)
    const places = s.rejected.map((r) => r.place.slice(home.length))
    expect(places).toEqual([
      '/agents/ops/agent/openclaw-agent.sqlite:session_nodes:agent:ops:main',
      expect.stringMatching(/^\/agents\/ops\/agent\/openclaw-agent\.sqlite:transcript_events:\d+$/),
      expect.stringMatching(/^\/agents\/ops\/agent\/openclaw-agent\.sqlite:transcript_events:\d+$/),
      expect.stringMatching(/^\/agents\/ops\/agent\/openclaw-agent\.sqlite:trajectory_runtime_events:\d+$/),
      '/agents/ops/agent/openclaw-agent.sqlite:session_progress_cards:agent:ops:main:0',
    ])
    const ops = bySession(s, CURRENT.ops)
    expect([ops.messageCount, ops.runs.length, judge(s, CURRENT.ops, CURRENT_END).status]).toEqual([6, 3, 'STOPPED'])
    expect(s.conversations).toHaveLength(4)
  })

  it('an event too large to read is counted and skipped without being fetched; the rest is read', async () => {
    const home = copyHome(CURRENT_HOME)
    const db = new Database(dbOf(home, 'ops'))
    const pad = `hex(zeroblob(${MAX_ROW_BYTES / 2 + 8}))`
    db.prepare(`INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, 100, '{"pad":"' || ${pad} || '"}', 1795344626600)`).run(CURRENT.ops)
    db.prepare(
      `INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, 100, 'r', '{"type":"model.completed","pad":"' || ${pad} || '"}', 1795344626602)`,
    ).run(CURRENT.ops)
    db.close()
    const s = await scan(home)
    expect(s.rejected.map((r) => [r.place.replace(/:\d+$/, '').slice(home.length), r.reason])).toEqual([
      ['/agents/ops/agent/openclaw-agent.sqlite:transcript_events', `event too large (${MAX_ROW_BYTES + 26} bytes): skipped`],
      ['/agents/ops/agent/openclaw-agent.sqlite:trajectory_runtime_events', `event too large (${MAX_ROW_BYTES + 51} bytes): skipped`],
    ])
    const ops = bySession(s, CURRENT.ops)
    expect([ops.messageCount, ops.runs.length, judge(s, CURRENT.ops, CURRENT_END).status]).toEqual([6, 3, 'STOPPED'])
    expect(s.conversations).toHaveLength(4)
  })

  it('an unreadable agent database is reported and the other agents are read', async () => {
    const home = copyHome(CURRENT_HOME)
    writeFileSync(dbOf(home, 'research'), 'this is not a database, just bytes that look like nothing at all')
    const s = await scan(home)
    expect(s.conversations.map((c) => c.agentId)).toEqual(['main', 'ops', 'rl'])
    expect(s.rejected).toEqual([{ place: dbOf(home, 'research'), reason: expect.stringMatching(/^agent database not readable/) }])
  })

  // A FIFO would make a plain open wait for a writer, and the read would never finish.
  it.runIf(process.platform !== 'win32')('a FIFO where a database, a sessions index or a task database belongs is reported and skipped', async () => {
    const current = copyHome(CURRENT_HOME)
    fifoAt(dbOf(current, 'research'))
    const s = await scan(current)
    expect(s.conversations.map((c) => c.agentId)).toEqual(['main', 'ops', 'rl'])
    expect(s.rejected).toEqual([{ place: dbOf(current, 'research'), reason: NOT_REGULAR_REASON }])

    const legacy = copyHome(LEGACY_HOME)
    fifoAt(join(legacy, 'agents', 'main', 'sessions', 'sessions.json'))
    fifoAt(join(legacy, 'tasks', 'runs.sqlite'))
    const l = await scan(legacy)
    expect(l.rejected.map((r) => r.place).sort()).toEqual([join(legacy, 'agents', 'main', 'sessions', 'sessions.json'), join(legacy, 'tasks', 'runs.sqlite')])
    expect(new Set(l.rejected.map((r) => r.reason))).toEqual(new Set([NOT_REGULAR_REASON]))
    // Without its index the transcript is still there: the session is listed from its file.
    expect(l.conversations.some((c) => c.sessionId === LEGACY_MAIN_SESSION)).toBe(true)
  })

  it('reads nothing again while nothing was committed, and sees a commit', async () => {
    const home = copyHome(CURRENT_HOME)
    const reader = createConversationsReader({ stateDir: home })
    cleanups.push(() => reader.close())
    const first = await reader.read()
    const second = await reader.read()
    expect(second.conversations[0]).toBe(first.conversations[0])
    const db = new Database(dbOf(home, 'main'))
    db.prepare("UPDATE session_nodes SET archived_at = 1795344700000 WHERE session_key = 'agent:main:main'").run()
    db.close()
    const third = await reader.read()
    expect(bySession(third, CURRENT.main).archive?.reason).toBe('archived')
    expect(bySession(third, CURRENT.ops)).toEqual(bySession(first, CURRENT.ops))
  })
})

describe('conversations of OpenClaw 2026.4.15 (legacy JSONL + sessions.json)', () => {
  it('one conversation per agent, with ids, keys, counts, models, tokens and cost checked against the files', async () => {
    const s = await scan(copyHome(LEGACY_HOME))
    expect(s.rejected).toEqual([])
    expect(s.conversations.map((c) => [c.agentId, c.sessionId, c.sessionKey, c.layout])).toEqual([
      ['main', LEGACY.main, 'agent:main:main', 'legacy'],
      ['ops', LEGACY.ops, 'agent:ops:main', 'legacy'],
      ['plain', LEGACY.plain, 'agent:plain:main', 'legacy'],
      ['research', LEGACY.research, 'agent:research:main', 'legacy'],
      ['rl', LEGACY.rl, 'agent:rl:main', 'legacy'],
      ['slow', LEGACY.slow, 'agent:slow:main', 'legacy'],
    ])
    // Every message line of each transcript (retry prompts and failed answers included), no rewinds in these files.
    expect(s.conversations.map((c) => c.messageCount)).toEqual([19, 2, 2, 4, 28, 2])
    // User turns: main run02/03/08/10, rl run07/09/11/12, one each for the others.
    expect(s.conversations.map((c) => c.runs.length)).toEqual([4, 1, 1, 1, 4, 1])
    expect(s.conversations.map((c) => c.runs.map((r) => r.answeredBy))).toEqual([
      [FALLBACK, FALLBACK, FALLBACK, FALLBACK],
      [FALLBACK],
      [FALLBACK],
      [FALLBACK],
      [FALLBACK, FALLBACK, FALLBACK, FALLBACK],
      [FALLBACK],
    ])
    expect(s.conversations.map((c) => c.indexModel)).toEqual(Array<string>(6).fill(FALLBACK))
    expect(bySession(s, LEGACY.main).tokens.total).toBe(5160)
    for (const c of s.conversations) expect(c.runs.reduce((n, r) => n + r.tokens, 0)).toBe(c.tokens.total)
    // sessions.json keeps estimatedCostUsd 0.005384 for main: four answers.
    expect(Math.round(bySession(s, LEGACY.main).costUsd * 1e6)).toBe(5384)
    expect(bySession(s, LEGACY.main).createdAt).toBe(Date.parse('2026-11-22T10:58:43.877Z'))
    expect(bySession(s, LEGACY.rl).lastActivityAt).toBe(Date.parse('2026-11-22T11:18:06.692Z'))
    expect(s.tasks.size).toBe(0)
    expect(s.unattachedTasks).toEqual([])
  })

  it("main's runs: the primary timed out and mock-auth answered 401 before the fallback, in each of runs 2 to 4", async () => {
    const main = bySession(await scan(copyHome(LEGACY_HOME)), LEGACY.main)
    expect(main.runs.map((r) => r.attempts.filter((a) => a.outcome !== 'started').map((a) => `${a.model}:${a.reason ?? 'ok'}`))).toEqual([
      ['mockauth/mock-auth:auth', `${FALLBACK}:ok`],
      ['mock/mock-primary:timeout', 'mockauth/mock-auth:auth', `${FALLBACK}:ok`],
      ['mock/mock-primary:timeout', 'mockauth/mock-auth:auth', `${FALLBACK}:ok`],
      ['mock/mock-primary:timeout', 'mockauth/mock-auth:auth', `${FALLBACK}:ok`],
    ])
    expect(main.runs.map((r) => [r.lifecycle, r.runId, r.endedAt])).toEqual([
      ['transcript', null, Date.parse('2026-11-22T10:58:44.512Z')],
      ['transcript', null, Date.parse('2026-11-22T11:09:03.465Z')],
      ['transcript', null, Date.parse('2026-11-22T11:14:04.547Z')],
      ['transcript', null, Date.parse('2026-11-22T11:15:51.508Z')],
    ])
  })

  it('at the end of the capture every conversation is STOPPED and idle, inferred from the transcripts', async () => {
    const s = await scan(copyHome(LEGACY_HOME))
    for (const id of Object.values(LEGACY)) {
      expect(judge(s, id, LEGACY_END)).toEqual({ status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'idle', inferred: true })
    }
  })

  it("main's second run replayed from the transcript with a pinned clock", async () => {
    const at = async (cut: number, now: number): Promise<ConversationJudgement> => {
      const home = copyHome(LEGACY_HOME)
      cutJsonl(legacyTranscript(home, 'main'), cut)
      return judge(await scan(home), LEGACY.main, now)
    }
    // 11:09:00: run02 began at 11:08:53 (snapshot of mock-primary, then the prompt), nothing failed yet.
    expect(await at(1795345740000, 1795345740000)).toEqual({ status: 'RUNNING', runtimeStatus: 'RUNNING', reason: 'run_in_progress', inferred: true })
    // 11:09:02: the primary hit the idle timeout at 11:09:01.425.
    expect(await at(1795345742000, 1795345742000)).toEqual({ status: 'RUNNING', runtimeStatus: 'FALLING_BACK', reason: 'falling_back', inferred: true })
    // The same bytes three minutes later, nothing more written: the chain stopped without an answer.
    expect(await at(1795345742000, 1795345741425 + 180_000)).toEqual({ status: 'ERROR', runtimeStatus: 'ERROR', reason: 'all_candidates_failed', inferred: true })
  })

  it('a first run and a fresh session replayed with a pinned clock', async () => {
    const home = copyHome(LEGACY_HOME)
    cutJsonl(legacyTranscript(home, 'rl'), 1795345950000) // 11:12:30: two 429s of run07 so far
    cutJsonl(legacyTranscript(home, 'plain'), 1795345073300) // 10:57:53.300: header and model_change only
    const s = await scan(home)
    expect(judge(s, LEGACY.rl, 1795345950000)).toEqual({ status: 'STARTING', runtimeStatus: 'FALLING_BACK', reason: 'first_run_in_progress', inferred: true })
    const plain = bySession(s, LEGACY.plain)
    expect([plain.runs.length, plain.messageCount, plain.createdAt]).toEqual([0, 0, Date.parse('2026-11-22T10:57:53.233Z')])
    expect(judgeConversation(plain, 1795345073300)).toEqual({ status: 'STARTING', runtimeStatus: 'STARTING', reason: 'session_created', inferred: true })
    expect(judgeConversation(plain, plain.createdAt! + 11 * 60_000)).toEqual({ status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'never_started', inferred: true })
  })

  it('reset, deleted and detached transcripts are ARCHIVED; an index entry without transcript has no message', async () => {
    const home = copyHome(LEGACY_HOME)
    const sessions = (agent: string): string => join(home, 'agents', agent, 'sessions')
    renameSync(legacyTranscript(home, 'ops'), join(sessions('ops'), `${LEGACY.ops}.jsonl.reset.2026-11-22T11-20-00.000Z`))
    writeFileSync(join(sessions('ops'), 'sessions.json'), '{}')
    renameSync(legacyTranscript(home, 'slow'), join(sessions('slow'), `${LEGACY.slow}.jsonl.deleted.2026-11-22T11-21-30.500Z`))
    // plain: the index moved on to a new session whose transcript is not written yet.
    writeFileSync(
      join(sessions('plain'), 'sessions.json'),
      JSON.stringify({ 'agent:plain:main': { sessionId: 'plain-next', updatedAt: 1795346300000, modelProvider: 'backup', model: 'mock-fallback' } }),
    )
    const s = await scan(home)
    expect(s.rejected).toEqual([])
    expect(bySession(s, LEGACY.ops)).toMatchObject({ archive: { reason: 'reset', at: Date.parse('2026-11-22T11:20:00.000Z') }, messageCount: 2, sessionKey: null })
    expect(judge(s, LEGACY.ops, LEGACY_END).status).toBe('ARCHIVED')
    expect(bySession(s, LEGACY.slow).archive).toEqual({ reason: 'deleted', at: Date.parse('2026-11-22T11:21:30.500Z') })
    expect(judge(s, LEGACY.plain, LEGACY_END)).toEqual({ status: 'ARCHIVED', runtimeStatus: 'ARCHIVED', reason: 'detached', inferred: true })
    expect(bySession(s, 'plain-next')).toMatchObject({ sessionKey: 'agent:plain:main', messageCount: 0, runs: [], indexModel: FALLBACK })
    expect(judge(s, 'plain-next', 1795346300000 + 60_000)).toMatchObject({ status: 'STARTING', reason: 'session_created' })
  })

  it("a transcript named by the index's sessionFile (thread transcripts) belongs to that session", async () => {
    const home = copyHome(LEGACY_HOME)
    const dir = join(home, 'agents', 'main', 'sessions')
    renameSync(legacyTranscript(home, 'main'), join(dir, `${LEGACY.main}-topic-7.jsonl`))
    const index = JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as Record<string, Record<string, unknown>>
    index['agent:main:main']!.sessionFile = `/home/alex/.openclaw/agents/main/sessions/${LEGACY.main}-topic-7.jsonl`
    writeFileSync(join(dir, 'sessions.json'), JSON.stringify(index))
    const s = await scan(home)
    expect(s.conversations.filter((c) => c.agentId === 'main').map((c) => [c.sessionId, c.messageCount, c.archive])).toEqual([[LEGACY.main, 19, null]])
  })

  it('a session id seen under two agents is kept once and reported', async () => {
    const home = copyHome(LEGACY_HOME)
    const copy = join(home, 'agents', 'slow', 'sessions', `${LEGACY.plain}.jsonl`)
    writeFileSync(copy, readFileSync(legacyTranscript(home, 'plain')))
    const s = await scan(home)
    expect(s.conversations.filter((c) => c.sessionId === LEGACY.plain).map((c) => c.agentId)).toEqual(['plain'])
    expect(s.rejected).toEqual([{ place: join(home, 'agents', 'slow'), reason: `session ${LEGACY.plain} already read for agent plain; skipped` }])
  })

  it('malformed lines are counted with their place and skipped; a half-written last line waits', async () => {
    const home = copyHome(LEGACY_HOME)
    const path = legacyTranscript(home, 'research')
    appendFileSync(path, '{not json\n42\n{"type":"message","id":"m1","parentId":null}\n{"type":"mess')
    const s = await scan(home)
    expect(s.rejected).toEqual([
      { place: `${path}:12`, reason: expect.stringMatching(/^invalid JSON/) },
      { place: `${path}:13`, reason: 'transcript entry is not a JSON object' },
      { place: `${path}:14`, reason: 'message entry without message' },
    ])
    const research = bySession(s, LEGACY.research)
    // The bad entry with an id became the leaf; it carries no message and is not counted.
    expect([research.runs.length, research.runs[0]!.answeredBy]).toEqual([1, FALLBACK])
    expect(s.conversations).toHaveLength(6)
  })

  it('a broken sessions.json is reported; transcripts are still read, and nothing is judged detached', async () => {
    const home = copyHome(LEGACY_HOME)
    const index = join(home, 'agents', 'main', 'sessions', 'sessions.json')
    writeFileSync(index, '{"agent:main:main": {')
    const reader = createConversationsReader({ stateDir: home })
    cleanups.push(() => reader.close())
    const s = await reader.read()
    expect(s.rejected).toEqual([{ place: `${index}:1`, reason: expect.stringMatching(/^invalid JSON/) }])
    expect(bySession(s, LEGACY.main)).toMatchObject({ sessionKey: null, archive: null, messageCount: 19 })
    // Reported once, not on every read while it stays broken.
    expect((await reader.read()).rejected).toEqual([])
  })

  it('missing files and folders give empty results, never an exception', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    expect(await scan(join(t.dir, 'nowhere'))).toEqual({ conversations: [], tasks: new Map(), unattachedTasks: [], rejected: [] })
    const home = copyHome(LEGACY_HOME)
    rmSync(join(home, 'agents', 'ops', 'sessions'), { recursive: true })
    rmSync(join(home, 'tasks'), { recursive: true })
    rmSync(legacyTranscript(home, 'slow'))
    const s = await scan(home)
    expect(s.rejected).toEqual([])
    expect(s.conversations.map((c) => c.agentId)).toEqual(['main', 'plain', 'research', 'rl', 'slow'])
    expect(bySession(s, LEGACY.slow)).toMatchObject({ messageCount: 0, runs: [], sessionKey: 'agent:slow:main' })
  })

  it('never touches the fixture in place (its WAL-mode task database would grow -shm/-wal files)', async () => {
    await scan(copyHome(LEGACY_HOME))
    expect(existsSync(join(LEGACY_HOME, 'tasks', 'runs.sqlite-shm'))).toBe(false)
  })

  it('reads a transcript again only when it changed', async () => {
    const home = copyHome(LEGACY_HOME)
    const base = createJsonlTailer()
    const reads: string[] = []
    const tailer: JsonlTailer = {
      read(path, from, sink, maxBytes) {
        reads.push(path.slice(home.length))
        return base.read(path, from, sink, maxBytes)
      },
    }
    const reader = createConversationsReader({ stateDir: home, tailer })
    cleanups.push(() => reader.close())
    await reader.read()
    expect(reads).toHaveLength(6)
    reads.length = 0
    await reader.read()
    expect(reads).toEqual([])
    const line = {
      type: 'message',
      id: 'u-next',
      parentId: '907b5372',
      timestamp: '2026-11-22T11:20:00.000Z',
      message: { role: 'user', content: [{ type: 'text', text: 'one more' }], timestamp: 1795346400000 },
    }
    appendFileSync(legacyTranscript(home, 'ops'), `${JSON.stringify(line)}\n`)
    const after = await reader.read()
    expect(reads).toEqual([`/agents/ops/sessions/${LEGACY.ops}.jsonl`])
    const ops = bySession(after, LEGACY.ops)
    expect([ops.messageCount, ops.runs.length]).toEqual([3, 2])
    expect(judgeConversation(ops, 1795346400000 + 1000)).toEqual({ status: 'RUNNING', runtimeStatus: 'RUNNING', reason: 'run_in_progress', inferred: true })
  })
})

describe('reading again after the data grew', () => {
  it('reads only what was added, and gives what a first read of the grown data gives (SQLite)', async () => {
    const home = copyHome(CURRENT_HOME)
    const full = copyHome(CURRENT_HOME)
    const cut = Date.parse('2026-11-22T10:45:00Z')
    cutDb(home, 'main', cut)
    const reader = createConversationsReader({ stateDir: home, keepScannerMs: Infinity })
    cleanups.push(() => reader.close())
    const before = await reader.read()
    expect(bySession(before, CURRENT.main).runs).toHaveLength(4)
    const db = new Database(dbOf(home, 'main'))
    db.exec(`ATTACH '${dbOf(full, 'main')}' AS f`)
    db.prepare('INSERT INTO transcript_events SELECT * FROM f.transcript_events WHERE created_at > ?').run(cut)
    db.prepare('INSERT INTO trajectory_runtime_events SELECT * FROM f.trajectory_runtime_events WHERE created_at > ?').run(cut)
    db.close()
    const grown = await reader.read()
    expect(bySession(grown, CURRENT.main).runs).toHaveLength(6)
    expect(grown.conversations).toEqual((await scan(home)).conversations)
  })

  it('reads a grown transcript from where it stopped, and starts over when it was replaced (legacy)', async () => {
    const home = copyHome(LEGACY_HOME)
    const path = legacyTranscript(home, 'main')
    const whole = readFileSync(path, 'utf8')
    const lines = whole.split('\n').filter((l) => l !== '')
    const half = lines.slice(0, Math.floor(lines.length / 2))
    writeFileSync(path, half.map((l) => `${l}\n`).join(''))
    let bytes = 0
    const base = createJsonlTailer()
    const counting: JsonlTailer = { read: async (...args) => base.read(...args).then((r) => ((bytes += r?.bytesRead ?? 0), r)) }
    const reader = createConversationsReader({ stateDir: home, tailer: counting, keepScannerMs: Infinity })
    cleanups.push(() => reader.close())
    const before = bySession(await reader.read(), LEGACY.main)
    const rest = lines.slice(half.length).map((l) => `${l}\n`).join('')
    appendFileSync(path, rest)
    bytes = 0
    const grown = await reader.read()
    // Only the appended lines were read.
    expect(bytes).toBe(Buffer.byteLength(rest))
    expect(bySession(grown, LEGACY.main).runs.length).toBeGreaterThan(before.runs.length)
    expect(grown.conversations).toEqual((await scan(home)).conversations)
    // Replaced by a shorter file (a rewrite, not an append): read from the start again.
    writeFileSync(`${path}.tmp`, half.map((l) => `${l}\n`).join(''))
    renameSync(`${path}.tmp`, path)
    const replaced = await reader.read()
    expect(bySession(replaced, LEGACY.main)).toEqual(before)
  })
})

describe('a long session', () => {
  it('keeps the detail of its last MAX_KEPT_RUNS runs; the others still count in runs, tokens and cost', async () => {
    const home = copyHome(LEGACY_HOME)
    const path = legacyTranscript(home, 'main')
    const start = Date.parse('2026-11-22T12:00:00Z')
    let lines = ''
    for (let i = 0; i < 110; i++) lines += turnLines({ provider: 'backup', model: 'mock-fallback', at: start + i * 10_000, text: `question ${i}` })
    appendFileSync(path, lines)
    const c = bySession(await scan(home), LEGACY.main)
    expect(c.runs).toHaveLength(MAX_KEPT_RUNS)
    expect(c.runCount).toBe(4 + 110)
    expect(c.runs[c.runs.length - 1]!.startedAt).toBe(start + 109 * 10_000)
    // Each added turn answered with 15 tokens.
    expect(c.tokens.total).toBe(5160 + 110 * 15)
    expect(toConversationInfo(c, judgeConversation(c, start + 2_000_000)).run_count).toBe(114)
  })
})

describe('durable tasks', () => {
  const task = (id: string): Task => ({ id, title: id, status: 'todo', notes: '', updated_at: '2026-11-22T10:40:00.000Z', source: 'openclaw', outcome: null })
  const conversation = (sessionId: string, sessionKey: string | null, runIds: string[], createdAt: number, archived = false): ConversationFacts =>
    ({
      sessionId,
      sessionKey,
      createdAt,
      archive: archived ? { reason: 'reset', at: createdAt } : null,
      runs: runIds.map((runId) => ({ runId })),
    }) as unknown as ConversationFacts

  it('go to the session that ran their run, else the live session of their keys; the rest are returned', () => {
    const conversations = [
      conversation('old', 'agent:ops:main', ['r1'], 1, true),
      conversation('live', 'agent:ops:main', ['r2'], 2),
      conversation('child', 'agent:ops:child', [], 3),
    ]
    const tasks = new Map<string, Task[]>([['live', [task('own')]]])
    const unattached = attachDurableTasks(
      [
        { task: task('by-run'), agentId: 'ops', runId: 'r1', sessionKeys: ['agent:ops:main'] },
        { task: task('by-key'), agentId: 'ops', runId: 'r-gone', sessionKeys: ['agent:ops:nope', 'agent:ops:main'] },
        { task: task('child'), agentId: 'ops', runId: null, sessionKeys: ['agent:ops:child'] },
        { task: task('lost'), agentId: 'ops', runId: null, sessionKeys: ['agent:other:main'] },
      ],
      conversations,
      tasks,
    )
    expect(tasks.get('old')?.map((t) => t.id)).toEqual(['by-run'])
    expect(tasks.get('live')?.map((t) => t.id)).toEqual(['own', 'by-key'])
    expect(tasks.get('child')?.map((t) => t.id)).toEqual(['child'])
    expect(unattached.map((d) => d.task.id)).toEqual(['lost'])
  })

  it('none: nothing changes', () => {
    const tasks = new Map<string, Task[]>()
    expect(attachDurableTasks([], [conversation('a', 'k', ['r1'], 1)], tasks)).toEqual([])
    expect(tasks.size).toBe(0)
  })
})
