import { appendFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createGatewayLogLineFilter } from './gateway-log.parser.js'
import { createGatewayLogReader, logCheckpointKey, readGatewayLogRange, type GatewayLogRangeJob } from './gateway-log.reader.js'
import { createJsonlTailer } from './jsonl-tailer.js'
import type { ParsePool } from './parse-pool.js'
import { createMemorySink, LEGACY_LOG, LEGACY_MAIN_SESSION, tempDir, unusedPool } from './openclaw.test-kit.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

/** A pool that reads log ranges in this thread, as a worker would (knowing no session), and records each job. */
function inThreadPool(failAt = -1, onJob?: (n: number) => void): ParsePool & { jobs: GatewayLogRangeJob[] } {
  const jobs: GatewayLogRangeJob[] = []
  const tailer = createJsonlTailer({ chunkSize: 4096 })
  const filter = createGatewayLogLineFilter()
  return {
    ...unusedPool(2),
    jobs,
    async readLogRange(job) {
      jobs.push(structuredClone(job))
      onJob?.(jobs.length - 1)
      if (jobs.length - 1 === failAt) throw new Error('worker crashed')
      return structuredClone(await readGatewayLogRange(tailer, filter, job))
    },
  }
}

/** Reads a log once; the sink knows the main session of the legacy fixture, as the collector would. */
async function readLog(path: string, pool: ParsePool | null, options: { saved?: Map<string, unknown>; rangeBytes?: number } = {}) {
  const out = createMemorySink()
  out.event({ kind: 'session_seen', agentId: 'main', sessionId: LEGACY_MAIN_SESSION, sessionKey: null, updatedAt: null, provider: null, model: null })
  const reader = createGatewayLogReader({
    tailer: createJsonlTailer({ chunkSize: 4096 }),
    positions: options.saved ?? new Map(),
    parsePool: pool,
    parsePoolThreshold: 0,
    poolRangeBytes: options.rangeBytes ?? 32 * 1024,
  })
  let bytes = 0
  await reader.read(path, { ...out, bytes: (n) => (bytes += n) })
  return { events: out.events.slice(1), rejected: out.rejected, checkpoint: out.checkpoints.get(logCheckpointKey(path)), bytes }
}

function copyOfLog(extra = ''): string {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const path = join(t.dir, 'openclaw-2026-11-22.log')
  writeFileSync(path, readFileSync(LEGACY_LOG, 'utf8') + extra)
  return path
}

const lineCount = (path: string): number => readFileSync(path, 'utf8').split('\n').filter(Boolean).length

describe('log ranges read by parse workers', () => {
  it('give the decisions, places and checkpoint of a read in place, named from the sessions seen here', async () => {
    const path = copyOfLog('not json\n')
    const inPlace = await readLog(path, null)
    const pool = inThreadPool()
    const inPool = await readLog(path, pool)
    expect(pool.jobs.length).toBeGreaterThan(3)
    expect(inPlace.events.length).toBeGreaterThan(20)
    expect(inPlace.events.filter((e) => e.kind === 'fallback_decision' && e.agentId === 'main').length).toBeGreaterThan(0)
    expect(inPool).toEqual(inPlace)
    expect(inPool.rejected).toEqual([{ place: `${path}:${lineCount(path)}`, reason: expect.stringMatching(/^invalid JSON/) }])
    expect(inPool.checkpoint).toEqual({ ino: statSync(path).ino, offset: statSync(path).size, line: lineCount(path) })
  })

  it('cover every line once wherever the range bounds fall, lines longer than a range included', async () => {
    // Lines of this log run up to 10 KB: with 1,000-byte ranges most bounds fall inside a line.
    const path = copyOfLog('{"half":\n')
    const inPlace = await readLog(path, null)
    for (const rangeBytes of [1000, 4096, 9999, 65_536]) {
      const inPool = await readLog(path, inThreadPool(), { rangeBytes })
      expect(inPool).toEqual(inPlace)
      // Each byte counted once, however many ranges read it.
      expect(inPool.bytes).toBe(statSync(path).size)
    }
  })

  it('go on in place from the last range applied when a worker fails, with nothing twice', async () => {
    const path = copyOfLog()
    const inPlace = await readLog(path, null)
    const pool = inThreadPool(2)
    expect(await readLog(path, pool)).toEqual(inPlace)
    expect(pool.jobs.length).toBeGreaterThan(2)
  })

  it('leave what is written while they are read to the read in place after them', async () => {
    const path = copyOfLog()
    const appended = readFileSync(LEGACY_LOG, 'utf8').split('\n').slice(0, 40).join('\n') + '\n'
    const pool = inThreadPool(-1, (n) => n === 1 && appendFileSync(path, appended))
    const read = await readLog(path, pool)
    // Every job lies within the size seen before the first one.
    expect(pool.jobs.every((j) => j.end <= readFileSync(LEGACY_LOG).length)).toBe(true)
    const whole = await readLog(path, null)
    expect(read).toEqual(whole)
    expect(read.checkpoint).toMatchObject({ offset: statSync(path).size, line: lineCount(path) })
  })

  it('leave a trailing half-written line for later, then read it once complete', async () => {
    const path = copyOfLog('{"1":{"event":"model_fallback_decision"')
    const first = await readLog(path, inThreadPool())
    expect(first.checkpoint).toMatchObject({ offset: readFileSync(LEGACY_LOG).length, line: lineCount(LEGACY_LOG) })
    appendFileSync(path, ',"decision":"candidate_failed"}}\n')
    const again = await readLog(path, null, { saved: new Map([[logCheckpointKey(path), first.checkpoint]]) })
    expect(again.events).toEqual([])
    expect(again.rejected).toEqual([{ place: `${path}:${lineCount(LEGACY_LOG) + 1}`, reason: 'model_fallback_decision without candidate' }])
  })

  it('read only what was appended after a checkpoint, with line numbers that run on', async () => {
    const path = copyOfLog()
    const first = await readLog(path, inThreadPool())
    appendFileSync(path, readFileSync(LEGACY_LOG, 'utf8') + 'not json\n')
    const again = await readLog(path, inThreadPool(), { saved: new Map([[logCheckpointKey(path), first.checkpoint]]) })
    expect(again.events).toHaveLength(first.events.length)
    const firstIds = new Set(first.events.map((e) => e.kind === 'fallback_decision' && e.eventId))
    expect(again.events.filter((e) => e.kind === 'fallback_decision' && firstIds.has(e.eventId))).toEqual([])
    expect(again.rejected).toEqual([{ place: `${path}:${2 * lineCount(LEGACY_LOG) + 1}`, reason: expect.stringMatching(/^invalid JSON/) }])
  })

  it('start a replaced file from its top', async () => {
    const path = copyOfLog()
    const first = await readLog(path, inThreadPool())
    renameSync(path, `${path}.1`)
    writeFileSync(path, readFileSync(LEGACY_LOG, 'utf8'))
    const again = await readLog(path, inThreadPool(), { saved: new Map([[logCheckpointKey(path), first.checkpoint]]) })
    expect(again.events).toHaveLength(first.events.length)
    expect(again.checkpoint).toEqual({ ino: statSync(path).ino, offset: statSync(path).size, line: lineCount(path) })
  })

  it('a worker refuses a range of a file that was replaced or cut meanwhile', async () => {
    const path = copyOfLog()
    const size = statSync(path).size
    const read = (job: Omit<GatewayLogRangeJob, 'path'>) => readGatewayLogRange(createJsonlTailer(), createGatewayLogLineFilter(), { path, ...job })
    await expect(read({ ino: statSync(path).ino + 1, start: 0, end: 1000, exact: true })).rejects.toThrow(/rotated/)
    writeFileSync(path, readFileSync(LEGACY_LOG).subarray(0, 5000))
    await expect(read({ ino: statSync(path).ino, start: size - 1000, end: size, exact: false })).rejects.toThrow(/truncated/)
    await expect(read({ ino: statSync(path).ino, start: size - 1000, end: size, exact: true })).rejects.toThrow(/truncated/)
  })
})
