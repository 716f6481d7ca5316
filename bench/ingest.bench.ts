/**
 * Cold ingest (an empty data dir reads everything) and restart (the same data dir, checkpoints
 * saved: only what is new is read).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { IngestParams } from './bench-options.js'
import type { Dataset } from './dataset.generator.js'
import { BENCH_ROOT } from './dataset.generator.js'
import { getJson, startServer, type RunningServer } from './server.process.js'

export interface IngestResult {
  inputBytes: number
  inputJsonlBytes: number
  inputSqliteBytes: number
  agents: number
  cold: {
    readyMs: number
    readyBy: RunningServer['readyBy']
    mbPerSec: number
    serverBytesRead: number | null
    eventsApplied: number | null
    rssMb: number | null
    /** RSS once the idle server has given back what parsing borrowed (V8 shrinks its heap when idle). */
    settledRssMb: number | null
    settledAfterMs: number | null
    hwmMb: number | null
    agentsListed: number
    agentsWithActivity: number
  }
  restart: {
    stopMs: number
    readyMs: number
    readyBy: RunningServer['readyBy']
    serverBytesRead: number | null
    rssMb: number | null
  }
}

interface StatusesBody {
  agents?: { agentId: string; lastActivityAt: number | null }[]
}

const MB = 1024 * 1024

export async function runIngestBench(data: Dataset, params: IngestParams, log: (m: string) => void): Promise<IngestResult> {
  const dataDir = mkdtempSync(join(BENCH_ROOT, 'server-data-'))
  const logDir = join(BENCH_ROOT, 'server-logs')
  mkdirSync(logDir, { recursive: true })
  const token = `bench-${Date.now().toString(36)}`
  const expectAgents = data.agentIds.legacy.length + data.agentIds.sqlite.length
  const server = (): Promise<RunningServer> =>
    startServer({
      dataDir,
      openclawDirs: data.stateDirs,
      token,
      outputFile: join(logDir, `ingest-${token}.out`),
      expectAgents,
      readyTimeoutMs: params.readyTimeoutMs,
    })
  try {
    log(`  cold start on ${(data.bytes.total / MB).toFixed(0)} MB…`)
    const cold = await server()
    // Let the heap settle a moment so RSS is the steady state after ingest, not the last burst.
    await new Promise((r) => setTimeout(r, 1_000))
    const memory = cold.memory()
    // Then leave it idle: V8 hands back the heap it grew for the read after a while of idleness.
    let settledRssMb = memory?.rssMb ?? null
    let settledAfterMs: number | null = null
    const idleSince = performance.now()
    while (performance.now() - idleSince < params.settleTimeoutMs) {
      await new Promise((r) => setTimeout(r, 1_000))
      const now = cold.memory()?.rssMb ?? null
      if (now !== null && settledRssMb !== null && now < settledRssMb * 0.9) {
        settledRssMb = now
        settledAfterMs = performance.now() - idleSince + 1_000
        break
      }
    }
    const statuses = await getJson<StatusesBody>(`${cold.baseUrl}/api/agents/model-statuses`, token, 30_000)
    const agents = statuses.body?.agents ?? []
    const coldResult: IngestResult['cold'] = {
      readyMs: cold.readyMs,
      readyBy: cold.readyBy,
      mbPerSec: data.bytes.total / MB / (cold.readyMs / 1000),
      serverBytesRead: cold.healthz.ingest?.bytesRead ?? null,
      eventsApplied: cold.healthz.ingest?.eventsApplied ?? null,
      rssMb: memory?.rssMb ?? null,
      settledRssMb,
      settledAfterMs,
      hwmMb: memory?.hwmMb ?? null,
      agentsListed: agents.length,
      agentsWithActivity: agents.filter((a) => a.lastActivityAt !== null).length,
    }
    log(`  ready in ${(cold.readyMs / 1000).toFixed(2)} s; restarting…`)
    const stopped = await cold.stop()
    const warm = await server()
    const warmMemory = warm.memory()
    const restart: IngestResult['restart'] = {
      stopMs: stopped.ms,
      readyMs: warm.readyMs,
      readyBy: warm.readyBy,
      serverBytesRead: warm.healthz.ingest?.bytesRead ?? null,
      rssMb: warmMemory?.rssMb ?? null,
    }
    await warm.stop()
    return {
      inputBytes: data.bytes.total,
      inputJsonlBytes: data.bytes.jsonl,
      inputSqliteBytes: data.bytes.sqlite,
      agents: expectAgents,
      cold: coldResult,
      restart,
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
