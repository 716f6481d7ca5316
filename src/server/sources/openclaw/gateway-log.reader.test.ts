import { appendFileSync, copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGatewayLogReader, readLogSlice } from './gateway-log.reader.js'
import { createJsonlTailer } from './jsonl-tailer.js'
import type { LogJob, ParsePool } from './parse-pool.js'
import { createMemorySink, LEGACY_LOG, LEGACY_MAIN_SESSION, ofKind, tempDir } from './openclaw.test-kit.js'

/** A pool that reads log slices in this thread, as a worker would; it can fail from a given slice on. */
function inThreadPool(failFrom = Infinity): ParsePool & { jobs: LogJob[] } {
  const jobs: LogJob[] = []
  const tailer = createJsonlTailer({ chunkSize: 4096 })
  const unused = (): never => {
    throw new Error('not used here')
  }
  return {
    jobs,
    size: 1,
    readTranscript: unused,
    scanSession: unused,
    readAgentDb: unused,
    readAgentDbEvents: unused,
    async readLog(job) {
      jobs.push(structuredClone(job))
      if (jobs.length >= failFrom) throw new Error('worker crashed')
      return structuredClone(await readLogSlice(tailer, job.path, job.checkpoint, job.maxBytes))
    },
    async close() {},
  }
}

describe('gateway log reader', () => {
  let t: ReturnType<typeof tempDir>
  let log: string
  beforeEach(() => {
    t = tempDir()
    log = join(t.dir, 'openclaw.log')
    copyFileSync(LEGACY_LOG, log)
  })
  afterEach(() => t.cleanup())

  /** Reads the log once; main's session is known only when the read starts (after the state dirs). */
  async function readOnce(pool: ParsePool | null, chunkSize?: number) {
    const out = createMemorySink()
    const reader = createGatewayLogReader({ tailer: createJsonlTailer(chunkSize ? { chunkSize } : {}), positions: out.checkpoints })
    if (pool) reader.prefetch(log, pool, 0)
    out.event({ kind: 'session_seen', agentId: 'main', sessionId: LEGACY_MAIN_SESSION, sessionKey: null, updatedAt: null, provider: null, model: null })
    await reader.read(log, out)
    return { out, reader }
  }

  it('takes up what the workers read ahead: the same decisions, agents and position as a read in place', async () => {
    const inPlace = await readOnce(null)
    const pool = inThreadPool()
    const ahead = await readOnce(pool)
    expect(pool.jobs.length).toBeGreaterThan(0)
    const decisions = ofKind(ahead.out.events, 'fallback_decision')
    expect(decisions.length).toBe(27)
    // Resolved from the session seen after the read-ahead started, as in place.
    expect(decisions.some((d) => d.agentId === 'main' && d.sessionId === LEGACY_MAIN_SESSION)).toBe(true)
    expect(ahead.out.events).toEqual(inPlace.out.events)
    expect(ahead.out.checkpoints).toEqual(inPlace.out.checkpoints)
  })

  it('goes on in place from the last slice a failing worker delivered, without losing or repeating a line', async () => {
    const inPlace = await readOnce(null)
    // Tiny slices: the second one fails.
    const pool = inThreadPool(2)
    const out = createMemorySink()
    const reader = createGatewayLogReader({ tailer: createJsonlTailer({ chunkSize: 64 }), positions: out.checkpoints })
    out.event({ kind: 'session_seen', agentId: 'main', sessionId: LEGACY_MAIN_SESSION, sessionKey: null, updatedAt: null, provider: null, model: null })
    const readLog = pool.readLog.bind(pool)
    pool.readLog = (job) => readLog({ ...job, maxBytes: 20_000 })
    reader.prefetch(log, pool, 0)
    await reader.read(log, out)
    expect(pool.jobs).toHaveLength(2)
    expect(out.events).toEqual(inPlace.out.events)
    expect(out.checkpoints).toEqual(inPlace.out.checkpoints)
  })

  it('reads in place what is under the threshold; a later read-ahead starts where the reader stands', async () => {
    const pool = inThreadPool()
    const out = createMemorySink()
    const reader = createGatewayLogReader({ tailer: createJsonlTailer(), positions: out.checkpoints })
    reader.prefetch(log, pool, readFileSync(log).length + 1)
    expect(pool.jobs).toEqual([])
    await reader.read(log, out)
    const first = ofKind(out.events, 'fallback_decision').length
    appendFileSync(log, readFileSync(LEGACY_LOG))
    reader.prefetch(log, pool, 0)
    expect(pool.jobs[0]!.checkpoint).toMatchObject({ offset: readFileSync(LEGACY_LOG).length })
    await reader.read(log, out)
    expect(ofKind(out.events, 'fallback_decision')).toHaveLength(2 * first)
  })
})
