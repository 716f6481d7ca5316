import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readAgentDbEvents, type AgentDbEventsJob } from './agent-db.reader.js'
import { createJsonlTailer } from './jsonl-tailer.js'
import { createOpenClawAgentReader } from './openclaw-agent.reader.js'
import type { ParsePool } from './parse-pool.js'
import { createMemorySink, CURRENT_HOME, ofKind, unusedPool } from './openclaw.test-kit.js'

const MAIN_DB = join(CURRENT_HOME, 'agents/main/agent/openclaw-agent.sqlite')
const log = { info() {}, debug() {}, warn() {}, error() {} }

/** A pool that reads agent databases in this thread, as a worker would, and records each job. */
function inThreadPool(fail = false): ParsePool & { jobs: AgentDbEventsJob[] } {
  const jobs: AgentDbEventsJob[] = []
  return {
    ...unusedPool(),
    jobs,
    async readAgentDbEvents(job) {
      jobs.push(structuredClone(job))
      if (fail) throw new Error('worker crashed')
      return structuredClone(readAgentDbEvents(job))
    },
  }
}

/** Reads main once; the sink's checkpoints are where the reader stands, as the collector's are. */
async function scanMain(pool: ParsePool | null, threshold?: number, saved?: Map<string, unknown>) {
  const out = createMemorySink()
  for (const [k, v] of saved ?? []) out.checkpoints.set(k, v)
  const reader = createOpenClawAgentReader({
    agentId: 'main',
    stateDir: CURRENT_HOME,
    dbPath: MAIN_DB,
    tailer: createJsonlTailer(),
    parsePool: pool,
    ...(threshold !== undefined ? { parsePoolThreshold: threshold } : {}),
    checkpoints: out.checkpoints,
    log,
  })
  await reader.scan(out)
  reader.close()
  return out
}

const records = (events: ReturnType<typeof createMemorySink>['events']) => events.filter((e) => e.kind !== 'session_seen')

describe('agent reader: a first read of an agent database in a parse worker', () => {
  it('gives the records, auth state and positions a read in place gives', async () => {
    const inPlace = await scanMain(null)
    const pool = inThreadPool()
    const pooled = await scanMain(pool, 0)
    expect(pool.jobs).toEqual([{ agentId: 'main', dbPath: MAIN_DB }])
    expect(ofKind(inPlace.events, 'model_attempt').length).toBeGreaterThan(0)
    expect(records(pooled.events)).toEqual(records(inPlace.events))
    expect(ofKind(pooled.events, 'auth_state')).toHaveLength(1)
    expect(pooled.checkpoints).toEqual(inPlace.checkpoints)
  })

  it('reads in place a database whose positions are saved (a restart), or that is small', async () => {
    const first = await scanMain(null)
    const pool = inThreadPool()
    const again = await scanMain(pool, 0, first.checkpoints)
    expect(pool.jobs).toEqual([])
    expect(ofKind(again.events, 'model_attempt')).toEqual([])
    await scanMain(pool, 64 * 1024 * 1024)
    expect(pool.jobs).toEqual([])
  })

  it('reads in place when the worker fails', async () => {
    const inPlace = await scanMain(null)
    const pool = inThreadPool(true)
    const fellBack = await scanMain(pool, 0)
    expect(pool.jobs).toHaveLength(1)
    expect(records(fellBack.events)).toEqual(records(inPlace.events))
  })
})
