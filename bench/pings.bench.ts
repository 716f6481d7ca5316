/**
 * Heartbeats (seed 003) under load: many agents pinging while many dashboards are subscribed to
 * their pools, next to a bare Fastify route that only parses the same requests. Also the memory a
 * connected dashboard costs the server.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import type { CreateHostAgentResponse } from '../src/shared/agent-hosts.js'
import type { PingsParams } from './bench-options.js'
import { BENCH_ROOT } from './dataset.generator.js'
import { readCpu, REPO_ROOT, startServer } from './server.process.js'

export interface PingLoad {
  p50: number
  p99: number
  max: number
  reqPerSec: number
  requests: number
  non2xx: number
  errors: number
  /**
   * Share of one core each process used during the run (warm-up included), all on this machine:
   * the server's main thread and all its threads, the load generator (this process), and the
   * dashboard clients' process when they are connected. Null where `/proc` cannot be read.
   */
  cpu: { serverMain: number; serverAll: number; loadGenerator: number; dashboards: number | null } | null
}

export interface PingsResult {
  agents: number
  pools: number
  clients: number
  connections: number
  switchboard: PingLoad
  /** The same load before any dashboard connects: what the fan-out costs is the difference. */
  noDashboards: PingLoad
  baseline: PingLoad | null
  /** Server RSS with every agent registered, then with every dashboard connected and idle. */
  memory: { beforeClientsMb: number; withClientsMb: number; perClientKb: number } | null
  delivered: { clientsOpen: number; messages: number; updates: number; megabytes: number; updatesPerSec: number } | null
}

/** The heartbeat host number `i` sends: a third idle, the rest busy with a task of up to ten minutes. */
export function pingBody(i: number): string {
  const started = new Date(Date.now() - (i % 600) * 1000).toISOString()
  return JSON.stringify({
    status: i % 3 === 0 ? 'idle' : 'busy',
    cpu_usage: (i * 37) % 100,
    memory_usage: (i * 53) % 100,
    running_tasks: i % 3 === 0 ? [] : [{ task_id: i, task_type: 'plan', workspace_id: `ws-${i % 17}`, started_at: started }],
    interval_sec: 10,
  })
}

export type Request = { method: string; path: string; headers: Record<string, string>; body: string }

/** CPU seconds the dashboard clients' process has used, as it reports them. */
async function clientsCpuSec(clients: { ask(line: string): Promise<string> }): Promise<number> {
  return (JSON.parse(await clients.ask('cpu')) as { cpuSec: number }).cpuSec
}

async function load(
  url: string,
  requests: Request[],
  params: PingsParams,
  serverPid: number,
  clients: { ask(line: string): Promise<string> } | null,
): Promise<PingLoad> {
  const serverBefore = readCpu(serverPid)
  const ownBefore = process.cpuUsage()
  const clientsBefore = clients ? await clientsCpuSec(clients) : null
  const startedAt = performance.now()
  // Each run, Switchboard's and the bare route's alike, starts with a short warm-up that is not
  // counted: the first seconds of a fresh process measure its compiler, not its steady state.
  const r = await autocannon({
    url,
    connections: params.connections,
    duration: params.durationSec,
    timeout: 10,
    requests,
    warmup: { connections: params.connections, duration: params.warmupSec },
  })
  const wallSec = (performance.now() - startedAt) / 1000
  const serverAfter = readCpu(serverPid)
  const own = process.cpuUsage(ownBefore)
  const clientsAfter = clients ? await clientsCpuSec(clients) : null
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    reqPerSec: r.requests.average,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    cpu:
      serverBefore && serverAfter
        ? {
            serverMain: (serverAfter.mainSec - serverBefore.mainSec) / wallSec,
            serverAll: (serverAfter.allSec - serverBefore.allSec) / wallSec,
            loadGenerator: (own.user + own.system) / 1e6 / wallSec,
            dashboards: clientsBefore !== null && clientsAfter !== null ? (clientsAfter - clientsBefore) / wallSec : null,
          }
        : null,
  }
}

/** A child process that prints one line when ready; lines can be sent and answered. */
function child(args: string[], ready: RegExp): Promise<{ proc: ChildProcess; match: RegExpExecArray; ask(line: string): Promise<string>; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: proc.stdout! })
  const waiting: ((l: string) => void)[] = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start within 120 s`)), 120_000)
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)))
    lines.on('line', (line) => {
      const m = ready.exec(line)
      if (m) {
        clearTimeout(timer)
        resolve({
          proc,
          match: m,
          ask: (l) =>
            new Promise((res) => {
              waiting.push(res)
              proc.stdin!.write(`${l}\n`)
            }),
          stop: () =>
            new Promise((res) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return res()
              proc.once('exit', () => res())
              proc.kill('SIGTERM')
            }),
        })
        return
      }
      waiting.shift()?.(line)
    })
  })
}

export async function runPingsBench(params: PingsParams, log: (m: string) => void): Promise<PingsResult> {
  mkdirSync(BENCH_ROOT, { recursive: true })
  const work = mkdtempSync(join(BENCH_ROOT, 'pings-'))
  const logDir = join(BENCH_ROOT, 'server-logs')
  mkdirSync(logDir, { recursive: true })
  const token = `bench-${Date.now().toString(36)}`
  const pools = Array.from({ length: params.pools }, (_, i) => `pool-${i}`)
  try {
    // The flood limit is raised: this measures throughput, not the limiter (default 2/s per agent).
    const server = await startServer({
      dataDir: join(work, 'server'),
      openclawDirs: [join(work, 'no-openclaw')],
      token,
      outputFile: join(logDir, `pings-${token}.out`),
      expectAgents: 0,
      readyTimeoutMs: 60_000,
      extraArgs: ['--ping-rate-limit', '100000', '--ping-burst', '100000'],
    })
    let result: Omit<PingsResult, 'baseline'>
    let requests: Request[] = []
    try {
      log(`  registering ${params.agents} agents in ${params.pools} pools…`)
      for (let i = 0; i < params.agents; i++) {
        const agentId = `host-${String(i).padStart(4, '0')}`
        const res = await fetch(`${server.baseUrl}/api/v1/agents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ agent_id: agentId, pool_id: pools[i % pools.length] }),
        })
        if (res.status !== 201) throw new Error(`registering ${agentId}: HTTP ${res.status}`)
        const { credential } = (await res.json()) as CreateHostAgentResponse
        requests.push({
          method: 'POST',
          path: `/api/v1/agents/${agentId}/ping`,
          headers: { 'content-type': 'application/json', 'x-app-key': credential.app_key, 'x-app-secret': credential.app_secret },
          body: pingBody(i),
        })
      }
      await new Promise((r) => setTimeout(r, 1500))
      const before = server.memory()
      log(`  connecting ${params.clients} dashboard WebSocket clients…`)
      const clients = await child([join(REPO_ROOT, 'bench', 'dashboard-clients.ts'), server.baseUrl, token, String(params.clients), ...pools], /^connected (\d+)/)
      try {
        await new Promise((r) => setTimeout(r, 1500))
        const withClients = server.memory()
        log(`  ${params.durationSec} s of pings × ${params.connections} connections, ${params.clients} dashboards subscribed…`)
        const switchboard = await load(server.baseUrl, requests, params, server.pid, clients)
        // Let the last throttled pushes go out before counting.
        await new Promise((r) => setTimeout(r, 1500))
        const counts = JSON.parse(await clients.ask('report')) as { open: number; messages: number; updates: number; bytes: number }
        await clients.stop()
        log(`  ${params.durationSec} s of pings × ${params.connections} connections, no dashboard connected…`)
        const noDashboards = await load(server.baseUrl, requests, params, server.pid, null)
        result = {
          agents: params.agents,
          pools: params.pools,
          clients: params.clients,
          connections: params.connections,
          switchboard,
          noDashboards,
          memory:
            before && withClients
              ? {
                  beforeClientsMb: before.rssMb,
                  withClientsMb: withClients.rssMb,
                  perClientKb: ((withClients.rssMb - before.rssMb) * 1024) / params.clients,
                }
              : null,
          delivered: {
            clientsOpen: counts.open,
            messages: counts.messages,
            updates: counts.updates,
            megabytes: counts.bytes / 1024 / 1024,
            // The dashboards receive during the warm-up too.
            updatesPerSec: counts.updates / (params.warmupSec + params.durationSec),
          },
        }
      } finally {
        await clients.stop()
      }
    } finally {
      await server.stop()
    }

    log('  bare Fastify baseline…')
    const bare = await child([join(REPO_ROOT, 'bench', 'baseline-ping-server.ts')], /^listening (\d+)/)
    let baseline: PingLoad | null = null
    try {
      baseline = await load(`http://127.0.0.1:${bare.match[1]}`, requests, params, bare.proc.pid!, null)
    } finally {
      await bare.stop()
      requests = []
    }
    return { ...result, baseline }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
