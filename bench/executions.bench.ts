/**
 * Executions (seed 002): many agent tests of a trivial `command` runner queued at once. Reports
 * throughput (queued → all finished), the time from a state change on the server to a WebSocket
 * client, and the server's memory.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import type { Execution } from '../src/shared/executions.js'
import type { ServerMessage } from '../src/shared/protocol.js'
import type { ExecutionsParams } from './bench-options.js'
import { BENCH_ROOT } from './dataset.generator.js'
import { startServer } from './server.process.js'

export interface ExecutionsResult {
  executions: number
  concurrency: number
  succeeded: number
  /** From the first POST to the last `succeeded` seen on the WebSocket. */
  totalMs: number
  perSec: number
  /** Server timestamp of each `execution_update` → its arrival at the client. */
  pushLatency: { p50: number; p99: number; max: number; samples: number }
  rss: { beforeMb: number; afterMb: number; peakMb: number } | null
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

export async function runExecutionsBench(params: ExecutionsParams, log: (m: string) => void): Promise<ExecutionsResult> {
  mkdirSync(BENCH_ROOT, { recursive: true })
  const work = mkdtempSync(join(BENCH_ROOT, 'executions-'))
  const logDir = join(BENCH_ROOT, 'server-logs')
  mkdirSync(logDir, { recursive: true })
  const token = `bench-${Date.now().toString(36)}`
  try {
    const server = await startServer({
      dataDir: join(work, 'server'),
      openclawDirs: [join(work, 'no-openclaw')],
      token,
      outputFile: join(logDir, `executions-${token}.out`),
      expectAgents: 0,
      readyTimeoutMs: 60_000,
      extraArgs: ['--max-running-executions', String(params.concurrency)],
    })
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const r = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`)
      return (await r.json()) as T
    }
    try {
      // A registered host is an agent too; its runner is `cat` (the input comes back as output).
      await call('POST', '/api/v1/agents', { agent_id: 'bench-agent', pool_id: 'bench' })
      await call('PUT', '/api/agents/bench-agent/runner', { kind: 'command', command: 'cat' })
      const latencies: number[] = []
      const done = new Set<number>()
      let lastDone = 0
      const ws = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/ws?topics=executions`, ['switchboard.v1', `bearer.${token}`])
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (raw: Buffer) => {
          const m = JSON.parse(raw.toString()) as ServerMessage
          if (m.type === 'subscribed') resolve()
          if (m.type !== 'execution_update') return
          latencies.push(Date.now() - m.timestamp)
          if (m.data.status === 'succeeded') {
            done.add(m.data.id)
            lastDone = performance.now()
          }
        })
        ws.once('error', reject)
      })
      const before = server.memory()
      log(`  queueing ${params.executions} agent tests (\`cat\`), ${params.concurrency} at a time…`)
      const t0 = performance.now()
      const ids: number[] = []
      for (let i = 0; i < params.executions; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, params.executions - i) }, (_, k) =>
            call<Execution>('POST', '/api/agents/bench-agent/test', { test_input: `test ${i + k}` }),
          ),
        )
        ids.push(...batch.map((e) => e.id))
      }
      const deadline = Date.now() + params.timeoutMs
      while (done.size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      const after = server.memory()
      ws.close()
      const sorted = latencies.sort((a, b) => a - b)
      const totalMs = lastDone - t0
      return {
        executions: params.executions,
        concurrency: params.concurrency,
        succeeded: done.size,
        totalMs,
        perSec: (done.size / totalMs) * 1000,
        pushLatency: { p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted.at(-1) ?? 0, samples: sorted.length },
        rss: before && after ? { beforeMb: before.rssMb, afterMb: after.rssMb, peakMb: after.hwmMb } : null,
      }
    } finally {
      await server.stop()
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
