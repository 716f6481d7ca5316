/**
 * `GET /api/agents/model-statuses` over many agents under load, next to a bare Fastify route that
 * sends a precomputed body of the same size: the difference is what Switchboard itself costs.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import autocannon from 'autocannon'
import type { LoadResult, PacedOptions } from './paced-load.js'
import type { StatusesParams } from './bench-options.js'
import type { Dataset } from './dataset.generator.js'
import { BENCH_ROOT } from './dataset.generator.js'
import { getJson, REPO_ROOT, startServer } from './server.process.js'

export type { LoadResult }

const execFileAsync = promisify(execFile)

export interface StatusesResult {
  agents: number
  agentsListed: number
  switchboard: LoadResult
  /** The same route as a browser asks for it: `Accept-Encoding: gzip`. */
  gzip: LoadResult | null
  /** A poller that already has the current list: `If-None-Match` → 304. */
  notModified: LoadResult | null
  /** One client at a time, gzip: the latency of a request that does not queue behind others. */
  singleGzip: LoadResult | null
  /**
   * gzip at a steady `steadyRate` requests a second, evenly spaced, over the same number of
   * connections: the latency a request sees when the server is not saturated (`paced-load.ts`).
   */
  steadyGzip: LoadResult | null
  steadyRate: number
  baseline: LoadResult | null
  /** The bare route sending the same gzip bytes at the same steady rate. */
  baselineSteadyGzip: LoadResult | null
}

/** 100 dashboards polling every 5 s (seed 000's fallback) ask 20 a second; this is five times that. */
const STEADY_RATE = 100

interface StatusesBody {
  agents?: unknown[]
}

async function load(
  url: string,
  token: string | null,
  params: StatusesParams,
  responseBytes: number,
  extraHeaders: Record<string, string> = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: params.connections,
    duration: params.durationSec,
    timeout: 10,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders },
  })
  return {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    reqPerSec: result.requests.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    responseBytes,
  }
}

/**
 * Evenly spaced requests at {@link STEADY_RATE}, over `params.connections` connections, sent from
 * a process of their own (`paced-load.process.ts`): in this one, whose heap holds the earlier
 * runs' results, the client's own pauses would be counted as the server's.
 */
async function steady(url: string, token: string | null, params: StatusesParams, extraHeaders: Record<string, string>): Promise<LoadResult> {
  const options: PacedOptions = {
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders },
    rate: STEADY_RATE,
    durationSec: params.durationSec,
    connections: params.connections,
  }
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'paced-load.process.ts'), JSON.stringify(options)], {
    cwd: REPO_ROOT,
    timeout: (params.durationSec + 60) * 1000,
  })
  return JSON.parse(stdout) as LoadResult
}

async function startBaseline(bodyFile: string, gzipFile: string | null): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'baseline-server.ts'), bodyFile, ...(gzipFile ? [gzipFile] : [])], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('baseline server did not start within 20 s')), 20_000)
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`baseline server exited with ${code}`))
    })
  })
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        child.once('exit', () => {
          clearTimeout(killer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** The gzip bytes as sent (fetch would decompress them). */
function rawGzip(url: string, token: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' }, timeout: 30_000 }, (res) => {
      if (res.headers['content-encoding'] !== 'gzip') {
        res.resume()
        reject(new Error('the server did not answer with gzip'))
        return
      }
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(Buffer.concat(chunks)))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

export async function runStatusesBench(data: Dataset, params: StatusesParams, log: (m: string) => void): Promise<StatusesResult> {
  mkdirSync(BENCH_ROOT, { recursive: true })
  const work = mkdtempSync(join(BENCH_ROOT, 'statuses-'))
  const logDir = join(BENCH_ROOT, 'server-logs')
  mkdirSync(logDir, { recursive: true })
  const token = `bench-${Date.now().toString(36)}`
  const agents = data.agentIds.legacy.length + data.agentIds.sqlite.length
  try {
    const server = await startServer({
      dataDir: join(work, 'server'),
      openclawDirs: data.stateDirs,
      token,
      outputFile: join(logDir, `statuses-${token}.out`),
      expectAgents: agents,
      readyTimeoutMs: 300_000,
    })
    const url = `${server.baseUrl}/api/agents/model-statuses`
    let switchboard: LoadResult
    let gzip: LoadResult | null = null
    let notModified: LoadResult | null = null
    let singleGzip: LoadResult | null = null
    let steadyGzip: LoadResult | null = null
    let gzipBody: Buffer | null = null
    let body: string
    let listed = 0
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) })
      body = await res.text()
      listed = ((JSON.parse(body) as StatusesBody).agents ?? []).length
      if (listed < agents) {
        // The server said it was ready; give it a moment in case the listing lags behind.
        const again = await getJson<StatusesBody>(url, token, 30_000)
        listed = again.body?.agents?.length ?? listed
      }
      log(`  ${listed} agents, ${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB per response; ${params.durationSec} s × ${params.connections} connections…`)
      switchboard = await load(url, token, params, Buffer.byteLength(body))
      const zipped = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' }, signal: AbortSignal.timeout(30_000) })
      const etag = zipped.headers.get('etag')
      // fetch would unzip the body: the bytes on the wire come from node:zlib's own request.
      gzipBody = await rawGzip(url, token)
      const zippedBytes = gzipBody.length
      log(`  again with Accept-Encoding: gzip (${(zippedBytes / 1024).toFixed(0)} KiB)…`)
      gzip = await load(url, token, params, zippedBytes, { 'accept-encoding': 'gzip' })
      log('  again with gzip, one connection…')
      singleGzip = await load(url, token, { ...params, connections: 1 }, zippedBytes, { 'accept-encoding': 'gzip' })
      log(`  again with gzip, a steady ${STEADY_RATE} requests a second…`)
      steadyGzip = await steady(url, token, params, { 'accept-encoding': 'gzip' })
      if (etag) {
        log('  again with If-None-Match (a poller that is up to date)…')
        notModified = await load(url, token, params, 0, { 'if-none-match': etag })
      }
    } finally {
      await server.stop()
    }

    const bodyFile = join(work, 'body.json')
    writeFileSync(bodyFile, body)
    const gzipFile = gzipBody ? join(work, 'body.json.gz') : null
    if (gzipFile && gzipBody) writeFileSync(gzipFile, gzipBody)
    let baseline: LoadResult | null = null
    let baselineSteadyGzip: LoadResult | null = null
    const bare = await startBaseline(bodyFile, gzipFile)
    try {
      const bareUrl = `http://127.0.0.1:${bare.port}/api/agents/model-statuses`
      log('  bare Fastify baseline…')
      baseline = await load(bareUrl, null, params, Buffer.byteLength(body))
      if (gzipBody) {
        log(`  bare Fastify, gzip, a steady ${STEADY_RATE} requests a second…`)
        baselineSteadyGzip = await steady(bareUrl, null, params, { 'accept-encoding': 'gzip' })
      }
    } finally {
      await bare.stop()
    }
    return { agents, agentsListed: listed, switchboard, gzip, notModified, singleGzip, steadyGzip, steadyRate: STEADY_RATE, baseline, baselineSteadyGzip }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
