/**
 * Freshness: agents keep writing (transcript lines appended, rows committed in WAL mode) while a
 * WebSocket client listens; each write names a model nobody used before, and the latency is the
 * time from the write returning to the first message that mentions that model.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { openOpenClawWriter, type OpenClawWriter } from '../scripts/openclaw-writer/index.js'
import type { FreshnessParams } from './bench-options.js'
import { BENCH_ROOT, generateDataset } from './dataset.generator.js'
import { startServer } from './server.process.js'

export interface LatencyStats {
  samples: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export interface FreshnessResult {
  agents: number
  writes: number
  matched: number
  missed: number
  writesPerSecond: number
  all: LatencyStats | null
  byLayout: Record<'legacy' | 'sqlite', LatencyStats | null>
  /** Which message types carried the first sighting, by count. */
  firstSeenIn: Record<string, number>
  wsMessages: number
}

export function latencyStats(values: number[]): LatencyStats | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return {
    samples: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function runFreshnessBench(params: FreshnessParams, seed: number, log: (m: string) => void): Promise<FreshnessResult> {
  mkdirSync(BENCH_ROOT, { recursive: true })
  const work = mkdtempSync(join(BENCH_ROOT, 'freshness-'))
  const token = `bench-${Date.now().toString(36)}`
  const writers: OpenClawWriter[] = []
  let ws: WebSocket | null = null
  try {
    // Written fresh every run: the benchmark appends to it.
    const data = generateDataset(
      {
        name: 'freshness',
        legacyAgents: params.legacyAgents,
        sqliteAgents: params.sqliteAgents,
        legacyBytesPerAgent: 0,
        sqliteBytesPerAgent: 0,
        minTurns: 4,
        texts: 'small',
        seed,
      },
      join(work, 'data'),
    )
    const logDir = join(BENCH_ROOT, 'server-logs')
    mkdirSync(logDir, { recursive: true })
    const server = await startServer({
      dataDir: join(work, 'server'),
      openclawDirs: data.stateDirs,
      token,
      outputFile: join(logDir, `freshness-${token}.out`),
      expectAgents: params.legacyAgents + params.sqliteAgents,
      readyTimeoutMs: 120_000,
    })
    try {
      const tag = Math.random().toString(36).slice(2, 8)
      const marker = new RegExp(`f${tag}x(\\d+)`, 'g')
      const sentAt = new Map<number, { at: number; layout: 'legacy' | 'sqlite' }>()
      const latencies: { ms: number; layout: 'legacy' | 'sqlite' }[] = []
      const firstSeenIn: Record<string, number> = {}
      let wsMessages = 0

      ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['switchboard.v1', `bearer.${token}`])
      const socket = ws
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('WebSocket did not open within 10 s')), 10_000)
        socket.once('open', () => {
          clearTimeout(timer)
          resolve()
        })
        socket.once('error', (err) => {
          clearTimeout(timer)
          reject(err)
        })
      })
      const subscribed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000)
        socket.on('message', (raw) => {
          const now = performance.now()
          wsMessages++
          const text = raw.toString()
          if (text.includes('"subscribed"')) {
            clearTimeout(timer)
            resolve()
          }
          for (const m of text.matchAll(marker)) {
            const i = Number(m[1])
            const sent = sentAt.get(i)
            if (!sent) continue
            sentAt.delete(i)
            latencies.push({ ms: now - sent.at, layout: sent.layout })
            const type = /"type":"([a-z_]+)"/.exec(text)?.[1] ?? 'unknown'
            firstSeenIn[type] = (firstSeenIn[type] ?? 0) + 1
          }
        })
      })
      socket.send(JSON.stringify({ type: 'subscribe', topics: ['agents'] }))
      await subscribed

      for (const dir of data.stateDirs) writers.push(openOpenClawWriter({ stateDir: dir, seed: seed + 17 }))
      const targets = writers.flatMap((w) => w.agents().map((a) => ({ writer: w, agentId: a.id, layout: w.layout })))
      log(`  ${targets.length} agents writing ${params.writesPerSecond}/s, ${params.samples} samples…`)

      const interval = 1000 / params.writesPerSecond
      const start = performance.now()
      for (let i = 0; i < params.samples; i++) {
        const due = start + i * interval
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
        const target = targets[i % targets.length]
        if (!target) break
        const result = target.writer.writeTurn(target.agentId, {
          attempts: [{ model: `bench/f${tag}x${i}`, outcome: 'ok' }],
          prompt: `freshness probe ${i}`,
          reply: `ok ${i}`,
        })
        sentAt.set(i, { at: result.committedAt, layout: target.layout })
      }
      const writeSeconds = (performance.now() - start) / 1000
      const drainUntil = performance.now() + params.drainMs
      while (sentAt.size > 0 && performance.now() < drainUntil) await sleep(20)

      const all = latencies.map((l) => l.ms)
      return {
        agents: targets.length,
        writes: params.samples,
        matched: latencies.length,
        missed: params.samples - latencies.length,
        writesPerSecond: params.samples / writeSeconds,
        all: latencyStats(all),
        byLayout: {
          legacy: latencyStats(latencies.filter((l) => l.layout === 'legacy').map((l) => l.ms)),
          sqlite: latencyStats(latencies.filter((l) => l.layout === 'sqlite').map((l) => l.ms)),
        },
        firstSeenIn,
        wsMessages,
      }
    } finally {
      ws?.close()
      await server.stop()
    }
  } finally {
    for (const w of writers) w.close()
    rmSync(work, { recursive: true, force: true })
  }
}
