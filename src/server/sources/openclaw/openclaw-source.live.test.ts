import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createOpenClawSource } from './openclaw-source.js'
import { copyFixture, createRecorder, CURRENT, CURRENT_MAIN_SESSION, LEGACY, LEGACY_MAIN_SESSION, ofKind, waitFor } from './openclaw.test-kit.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

describe('live with the real file watcher', () => {
  it('an appended transcript line and a new session file reach the batches', async () => {
    const copy = copyFixture(LEGACY)
    cleanups.push(copy.cleanup)
    const home = join(copy.dir, 'openclaw-home')
    const rec = createRecorder()
    const dispose = await createOpenClawSource({ stateDirs: [home], defaultLogDir: null }).start(rec.ctx)
    cleanups.push(dispose)
    rec.clear()

    const transcript = join(home, `agents/main/sessions/${LEGACY_MAIN_SESSION}.jsonl`)
    appendFileSync(
      transcript,
      JSON.stringify({
        type: 'custom',
        customType: 'model-snapshot',
        data: { timestamp: 1795346500000, provider: 'mock', modelApi: 'openai-completions', modelId: 'mock-primary' },
        id: 'livesnap',
        parentId: '0a4c81d1',
        timestamp: '2026-11-22T11:21:40.000Z',
      }) + '\n',
    )
    const started = await waitFor(
      () => ofKind(rec.events(), 'model_attempt').find((e) => e.eventId === `${LEGACY_MAIN_SESSION}:livesnap`),
      20_000,
      'appended snapshot',
    )
    expect(started).toMatchObject({ outcome: 'started', provider: 'mock', model: 'mock-primary', agentId: 'main' })

    const sessionId = '00000000-1111-2222-3333-444444444444'
    writeFileSync(
      join(home, `agents/ops/sessions/${sessionId}.jsonl`),
      JSON.stringify({ type: 'model_change', id: 'newsess1', parentId: null, timestamp: '2026-11-22T11:22:00.000Z', provider: 'backup', modelId: 'mock-fallback' }) + '\n',
    )
    const changed = await waitFor(
      () => ofKind(rec.events(), 'model_changed').find((e) => e.sessionId === sessionId),
      20_000,
      'new session',
    )
    expect(changed).toMatchObject({ agentId: 'ops', initial: true })
    expect(ofKind(rec.events(), 'session_seen').find((e) => e.sessionId === sessionId)?.agentId).toBe('ops')
  })

  it('a trajectory row committed by another connection to a WAL database reaches the batches', async () => {
    const copy = copyFixture(CURRENT)
    cleanups.push(copy.cleanup)
    const home = join(copy.dir, 'openclaw-home')
    const dbPath = join(home, 'agents/main/agent/openclaw-agent.sqlite')
    const writer = new Database(dbPath)
    cleanups.push(() => {
      writer.close()
    })
    writer.pragma('journal_mode = WAL')

    const rec = createRecorder()
    const dispose = await createOpenClawSource({ stateDirs: [home], defaultLogDir: null }).start(rec.ctx)
    cleanups.push(dispose)
    expect(ofKind(rec.events(), 'agent_configured').find((a) => a.agentId === 'main')?.layout).toBe('sqlite')
    rec.clear()

    const template = writer.prepare('SELECT event_json FROM trajectory_runtime_events WHERE seq = 47').get() as { event_json: string }
    const record = JSON.parse(template.event_json) as Record<string, unknown>
    record.runId = 'live-wal-run'
    writer
      .prepare('INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(CURRENT_MAIN_SESSION, 500, 'live-wal-run', JSON.stringify(record), 1795345000000)

    const attempt = await waitFor(
      () => ofKind(rec.events(), 'model_attempt').find((e) => e.runId === 'live-wal-run'),
      20_000,
      'trajectory row',
    )
    expect(attempt).toMatchObject({ agentId: 'main', source: 'trajectory', outcome: 'failed', reason: 'auth', httpStatus: 401 })
    expect(rec.batches.some((b) => Object.keys(b.checkpoints).some((k) => k.endsWith(`trajectory_runtime_events:${CURRENT_MAIN_SESSION}`)))).toBe(true)
  })
})
