/**
 * The Switchboard server as a child process on 127.0.0.1: start, wait until it has read
 * everything, measure its memory, stop it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SERVER_BIN = join(REPO_ROOT, 'bin', 'switchboard.js')
export const SERVER_ENTRY = join(REPO_ROOT, 'dist', 'server', 'cli', 'main.cjs')

export interface ServerOptions {
  dataDir: string
  openclawDirs: string[]
  token: string
  /** Where the server's stdout/stderr go. */
  outputFile: string
  /** Agents expected once ingest is done. */
  expectAgents: number
  readyTimeoutMs: number
  /** More `serve` arguments. Default is none. */
  extraArgs?: string[]
}

export interface Healthz {
  status?: string
  version?: string
  ingest?: { ready?: boolean; bytesRead?: number; eventsApplied?: number; agents?: number }
}

export interface RunningServer {
  pid: number
  port: number
  baseUrl: string
  token: string
  /** From spawn to ready, ms. */
  readyMs: number
  /** How readiness was seen: the server's own `ingest.ready`, or all agents listed with their activity. */
  readyBy: 'healthz' | 'model-statuses'
  healthz: Healthz
  /** CPU the process had used when it was seen ready (all threads, workers that ended included). */
  cpuAtReady: { mainSec: number; allSec: number } | null
  memory(): { rssMb: number; hwmMb: number } | null
  /** SIGTERM, then SIGKILL after 10 s; resolves with how long the exit took. */
  stop(): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export function serverIsBuilt(): boolean {
  return existsSync(SERVER_ENTRY)
}

/** Always rebuilt (esbuild takes a second or two): a stale bundle would measure old code. */
export function buildServer(log: (m: string) => void): void {
  log('building the server bundle…')
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-server.js')], { cwd: REPO_ROOT, stdio: 'inherit' })
  if (r.status !== 0 || !serverIsBuilt()) throw new Error('the server does not build; see the errors above')
}

export function readMemory(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0)
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 }
  } catch {
    return null
  }
}

/**
 * CPU time a process has used, in seconds: its main thread and all its threads (Linux `/proc`,
 * user + system, at the usual 100 clock ticks a second). Null where `/proc` cannot be read.
 */
export function readCpu(pid: number): { mainSec: number; allSec: number } | null {
  const seconds = (stat: string): number => {
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  }
  try {
    return { mainSec: seconds(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')), allSec: seconds(readFileSync(`/proc/${pid}/stat`, 'utf8')) }
  } catch {
    return null
  }
}

export async function getJson<T>(url: string, token: string | null, timeoutMs = 5_000): Promise<{ status: number; body: T | null; bytes: number }> {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await res.text()
  let body: T | null = null
  try {
    body = JSON.parse(text) as T
  } catch {
    body = null
  }
  return { status: res.status, body, bytes: Buffer.byteLength(text) }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface StatusesBody {
  agents?: { agentId: string; lastActivityAt: number | null }[]
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const args = [SERVER_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', opts.dataDir, '--token', opts.token]
  for (const d of opts.openclawDirs) args.push('--openclaw-dir', d)
  args.push('--log-level', 'warn', ...(opts.extraArgs ?? []))
  const out = createWriteStream(opts.outputFile, { flags: 'a' })
  const t0 = performance.now()
  // SWB_BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server under load.
  const nodeArgs = (process.env.SWB_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal }
      resolve(exited)
    })
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('the server did not start')

  const stop = async (): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> => {
    const s = performance.now()
    if (!exited) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exit
      clearTimeout(killer)
    }
    out.end()
    const e = exited ?? { code: null, signal: null }
    return { ms: performance.now() - s, ...e }
  }

  const deadline = t0 + opts.readyTimeoutMs
  let healthz: Healthz = {}
  let readyBy: RunningServer['readyBy'] | null = null
  let readyMs = 0
  let cpuAtReady: RunningServer['cpuAtReady'] = null
  try {
    while (performance.now() < deadline) {
      if (exited) throw new Error(`the server exited early (${JSON.stringify(exited)}); see ${opts.outputFile}`)
      try {
        const h = await getJson<Healthz>(`${baseUrl}/healthz`, null, 2_000)
        if (h.status === 200 && h.body) {
          healthz = h.body
          if (h.body.ingest?.ready === true) {
            readyMs = performance.now() - t0
            cpuAtReady = readCpu(pid)
            readyBy = 'healthz'
            break
          }
          if (h.body.ingest?.ready === undefined) {
            const s = await getJson<StatusesBody>(`${baseUrl}/api/agents/model-statuses`, opts.token, 10_000)
            const agents = s.body?.agents ?? []
            if (agents.length >= opts.expectAgents && agents.every((a) => a.lastActivityAt !== null)) {
              readyMs = performance.now() - t0
              cpuAtReady = readCpu(pid)
              readyBy = 'model-statuses'
              break
            }
            await sleep(80)
            continue
          }
        }
      } catch {
        // not listening yet, or busy reading
      }
      await sleep(15)
    }
    if (!readyBy) throw new Error(`the server was not ready within ${opts.readyTimeoutMs} ms; see ${opts.outputFile}`)
  } catch (err) {
    await stop()
    throw err
  }

  return {
    pid,
    port,
    baseUrl,
    token: opts.token,
    readyMs,
    readyBy,
    healthz,
    cpuAtReady,
    memory: () => readMemory(pid),
    stop,
  }
}
