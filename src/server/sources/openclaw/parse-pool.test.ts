/**
 * The pool against real worker threads running a stand-in script (the real one is only built for
 * the server): how many requests a worker holds, the order of answers, and what a crash does.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createParsePool, type ParsePool, type ParseResult } from './parse-pool.js'
import type { TranscriptFileJob } from './transcript-file.reader.js'
import { initialTranscriptState } from './transcript.parser.js'
import { tempDir } from './openclaw.test-kit.js'

// Handles requests one at a time, as the real worker does, 15 ms each. Each answer says how many
// requests the worker held (received, not yet answered) when it answered. A transcript at the
// path "crash" throws outside any handler, which ends the worker with an 'error'.
const STAND_IN = `
import { parentPort } from 'node:worker_threads'
const held = []
let working = false
const next = () => {
  if (working || held.length === 0) return
  working = true
  const req = held[0]
  setTimeout(() => {
    if (req.job.path === 'crash') throw new Error('stand-in worker crashed')
    parentPort.postMessage({ id: req.id, ok: true, kind: 'transcript', events: [], rejected: [], checkpoint: undefined, state: req.job.state, result: null, path: req.job.path, held: held.length })
    held.shift()
    working = false
    next()
  }, 15)
}
parentPort.on('message', (req) => { held.push(req); next() })
`

type Answer = ParseResult & { path: string; held: number }

const job = (path: string): TranscriptFileJob => ({ agentId: 'a', sessionId: 's', path, checkpoint: undefined, state: initialTranscriptState() })

let pool: ParsePool | null = null
let cleanup: (() => void) | null = null

function standInPool(size: number): ParsePool {
  const t = tempDir('swb-parse-pool-')
  cleanup = t.cleanup
  const file = join(t.dir, 'stand-in.worker.mjs')
  writeFileSync(file, STAND_IN)
  pool = createParsePool(size, pathToFileURL(file))
  expect(pool).not.toBeNull()
  return pool!
}

afterEach(async () => {
  await pool?.close()
  pool = null
  cleanup?.()
  cleanup = null
})

describe('parse pool', () => {
  it('gives a worker its next request before it answers the current one, never more than two, and answers in order', async () => {
    const p = standInPool(1)
    const paths = ['a', 'b', 'c', 'd', 'e', 'f']
    const answers = (await Promise.all(paths.map((x) => p.readTranscript(job(x))))) as Answer[]
    expect(answers.map((a) => a.path)).toEqual(paths)
    // While the queue lasts the worker holds two; the last answer leaves it one.
    expect(answers.map((a) => a.held)).toEqual([2, 2, 2, 2, 2, 1])
  })

  it('shares requests out one per worker before any worker gets a second', async () => {
    const p = standInPool(2)
    const answers = (await Promise.all(['a', 'b'].map((x) => p.readTranscript(job(x))))) as Answer[]
    expect(answers.map((a) => a.held)).toEqual([1, 1])
  })

  it('fails both requests a crashed worker held, and serves the next request from a new worker', async () => {
    const p = standInPool(1)
    const held = await Promise.allSettled([p.readTranscript(job('crash')), p.readTranscript(job('b'))])
    expect(held.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'answered'))).toEqual([
      'stand-in worker crashed',
      'stand-in worker crashed',
    ])
    const after = (await p.readTranscript(job('c'))) as Answer
    expect(after.path).toBe('c')
  })

  it('fails what is queued and held when closed', async () => {
    const p = standInPool(1)
    const pending = Promise.allSettled(['a', 'b', 'c'].map((x) => p.readTranscript(job(x))))
    await p.close()
    const settled = await pending
    // Two were held by the worker, one was still queued.
    expect(settled.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'answered'))).toEqual([
      'parse pool closed',
      'parse pool closed',
      'parse pool closed',
    ])
  })
})
