/**
 * `npm run bench:instructions`: what one heartbeat costs in machine instructions, Switchboard's
 * route against the bare Fastify route, each server run under valgrind's callgrind. Instruction
 * counts do not move with the machine's speed the way seconds do, so two builds can be compared
 * on a shared or noisy machine. Needs valgrind (Debian: `apt-get install valgrind`).
 *
 * Each server gets the same requests as the heartbeat benchmark (hosts registered, one body per
 * host), is warmed with `--warm` pings with the counting off, then counts exactly `--count` pings.
 * Options: --hosts N (default 1000), --warm N (30000), --count N (3000), --keep DIR (keep the
 * callgrind files and write `by-function.txt` beside them: each server's main thread by function,
 * self and inclusive, with V8's compiled JavaScript named from Node's `--perf-basic-prof` map).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { CreateHostAgentResponse } from '../src/shared/agent-hosts.js'
import { pingBody, type Request } from './pings.bench.js'
import { buildServer, freePort, REPO_ROOT, SERVER_BIN } from './server.process.js'

interface Counted {
  /** Instructions per ping on the thread that runs JavaScript. */
  mainPerPing: number
  /** The part of it under libuv's socket reads: the requests and answers, without timers. */
  requestPerPing: number
  /** Instructions per ping on every thread (V8's compiler and collector threads too). */
  allPerPing: number
}

const log = (m: string): void => void process.stderr.write(`${m}\n`)

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a positive whole number`)
  return v
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitForHttp(url: string, proc: ChildProcess): Promise<void> {
  // A server under callgrind starts about fifty times slower than usual.
  for (let i = 0; i < 1200; i++) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}) before it answered`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return
    } catch {
      await sleep(250)
    }
  }
  throw new Error(`${url} did not answer within 5 minutes`)
}

async function fire(url: string, requests: Request[], amount: number): Promise<void> {
  const r = await autocannon({ url, connections: 10, amount, requests, timeout: 120 })
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} answers were not 2xx and ${r.errors} requests failed`)
}

function annotate(file: string, inclusive: boolean): string {
  const r = spawnSync('callgrind_annotate', [`--inclusive=${inclusive ? 'yes' : 'no'}`, '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`callgrind_annotate: ${r.stderr || r.error?.message}`)
  return r.stdout
}

/** The function at each address of Node's perf map (`start size name` in hex, one a line). */
function perfMap(file: string): (address: number) => string | undefined {
  const entries = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ start: parseInt(m[1]!, 16), end: parseInt(m[1]!, 16) + parseInt(m[2]!, 16), name: m[3]! }))
        .sort((a, b) => a.start - b.start)
    : []
  return (address) => {
    let lo = 0
    let hi = entries.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const e = entries[mid]!
      if (address < e.start) hi = mid - 1
      else if (address >= e.end) lo = mid + 1
      else return e.name
    }
    return undefined
  }
}

/**
 * Copies the main thread's callgrind file and the perf map to `dest`, and writes `by-function.txt`
 * there: instructions per ping by function, self then inclusive, JIT code named from the map
 * (callgrind names code it has no symbols for by its address).
 */
function keepFiles(work: string, dest: string, pid: number, count: number): void {
  mkdirSync(dest, { recursive: true })
  copyFileSync(join(work, 'callgrind.out.1-01'), join(dest, 'callgrind.out.main'))
  const mapFile = `/tmp/perf-${pid}.map`
  if (existsSync(mapFile)) copyFileSync(mapFile, join(dest, 'perf.map'))
  const name = perfMap(mapFile)
  const table = (inclusive: boolean): string[] =>
    annotate(join(work, 'callgrind.out.1-01'), inclusive)
      .split('\n')
      .map((line) => /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .slice(1, 81)
      .map((m) => {
        const fn = m[3]!.replace(/^\?\?\?:0x([0-9a-f]+)\s.*$/, (whole, hex: string) => name(parseInt(hex, 16)) ?? whole)
        return `${(Number(m[1]!.replaceAll(',', '')) / count).toFixed(0).padStart(9)}  ${m[2]!.padStart(5)} %  ${fn}`
      })
  writeFileSync(
    join(dest, 'by-function.txt'),
    ['instructions per ping by function, self (not counting what it calls)', ...table(false), '', 'inclusive (with what it calls)', ...table(true), ''].join('\n'),
  )
  rmSync(mapFile, { force: true })
}

/** Runs one server under callgrind and counts `count` pings after `warm`. */
async function measure(which: 'switchboard' | 'bare', hosts: number, warm: number, count: number, keep: string | null): Promise<Counted> {
  const work = mkdtempSync(join(tmpdir(), 'swb-instructions-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const token = 'instructions-token'
  // Node writes /tmp/perf-<pid>.map with the address of each function V8 compiles.
  const nodeFlags = keep ? ['--perf-basic-prof'] : []
  const server =
    which === 'switchboard'
      ? [...nodeFlags, SERVER_BIN, 'serve', '--port', String(port), '--data-dir', join(work, 'data'), '--token', token, '--openclaw-dir', join(work, 'no-openclaw'), '--log-level', 'warn', '--ping-rate-limit', '100000', '--ping-burst', '100000']
      : [...nodeFlags, '--import', 'tsx', join(REPO_ROOT, 'bench', 'baseline-ping-server.ts'), '--port', String(port)]
  const out = join(work, 'callgrind.out')
  const proc = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${out}`, process.execPath, ...server], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  try {
    await waitForHttp(`${base}/healthz`, proc).catch((err: Error) => {
      throw new Error(`${which}: ${err.message}\n${stderr}`)
    })
    const requests: Request[] = []
    for (let i = 0; i < hosts; i++) {
      const agentId = `host-${String(i).padStart(4, '0')}`
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (which === 'switchboard') {
        const res = await fetch(`${base}/api/v1/agents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ agent_id: agentId, pool_id: `pool-${i % 10}` }),
        })
        if (res.status !== 201) throw new Error(`registering ${agentId}: HTTP ${res.status}`)
        const { credential } = (await res.json()) as CreateHostAgentResponse
        headers['x-app-key'] = credential.app_key
        headers['x-app-secret'] = credential.app_secret
      }
      requests.push({ method: 'POST', path: `/api/v1/agents/${agentId}/ping`, headers, body: pingBody(i) })
    }
    log(`  ${which}: ${warm} pings to warm up…`)
    await fire(base, requests, warm)
    const control = (command: string): void => {
      const r = spawnSync('callgrind_control', [command, String(proc.pid)], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`callgrind_control ${command}: ${r.stderr || r.error?.message}`)
    }
    log(`  ${which}: counting ${count} pings…`)
    control('--instr=on')
    await fire(base, requests, count)
    control('--dump')
    control('--instr=off')
    // One file per thread for the dump: `callgrind.out.1-01` is the main thread.
    const perThread = readdirSync(work)
      .filter((f) => /^callgrind\.out\.1-\d+$/.test(f))
      .map((f) => ({ main: f.endsWith('-01'), ir: Number(/^summary:\s*(\d+)/m.exec(readFileSync(join(work, f), 'utf8'))?.[1] ?? 0) }))
    const main = perThread.find((t) => t.main)
    if (!main || main.ir === 0) throw new Error(`${which}: callgrind wrote no count for the main thread`)
    const annotated = annotate(join(work, 'callgrind.out.1-01'), true)
    const streamIo = /^\s*([\d,]+) \([^)]*\)\s+\S*:uv__stream_io /m.exec(annotated)
    if (!streamIo) throw new Error(`${which}: callgrind_annotate found no socket reads (uv__stream_io) in the main thread`)
    if (keep) keepFiles(work, join(keep, which), proc.pid!, count)
    return {
      mainPerPing: main.ir / count,
      requestPerPing: Number(streamIo[1]!.replaceAll(',', '')) / count,
      allPerPing: perThread.reduce((sum, t) => sum + t.ir, 0) / count,
    }
  } finally {
    proc.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  }
}

async function main(): Promise<number> {
  const hosts = option('hosts', 1000)
  const warm = option('warm', 30_000)
  const count = option('count', 3_000)
  const keepAt = process.argv.indexOf('--keep')
  const keep = keepAt >= 0 ? process.argv[keepAt + 1] : null
  if (keep === undefined || keep?.startsWith('--')) throw new Error('--keep takes a directory')
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    log('valgrind is not installed: on Debian or Ubuntu, `apt-get install valgrind`.')
    return 1
  }
  buildServer(log)
  log(`heartbeats in instructions: ${hosts} hosts, ${warm} pings to warm up, ${count} counted`)
  const switchboard = await measure('switchboard', hosts, warm, count, keep)
  const bare = await measure('bare', hosts, warm, count, keep)
  const k = (n: number): string => `${(n / 1000).toFixed(1)}k`
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`
  process.stdout.write(
    [
      'instructions per ping     request path   main thread   all threads',
      `switchboard               ${k(switchboard.requestPerPing).padStart(12)}   ${k(switchboard.mainPerPing).padStart(11)}   ${k(switchboard.allPerPing).padStart(11)}`,
      `bare Fastify route        ${k(bare.requestPerPing).padStart(12)}   ${k(bare.mainPerPing).padStart(11)}   ${k(bare.allPerPing).padStart(11)}`,
      `switchboard ÷ bare        ${ratio(switchboard.requestPerPing, bare.requestPerPing).padStart(12)}   ${ratio(switchboard.mainPerPing, bare.mainPerPing).padStart(11)}   ${ratio(switchboard.allPerPing, bare.allPerPing).padStart(11)}`,
      '',
      'The request path is what runs under libuv\'s socket reads: parsing, routing, hooks, the',
      'handler and the answer. The main thread adds timers; under callgrind a server runs about',
      'fifty times slower while its timers keep their pace, so work done on a timer (saving',
      'heartbeat times, the offline sweep, the push grid) weighs more per ping there than at full',
      'speed, and moves from run to run. All threads add V8\'s compiler and collector threads.',
      '',
    ].join('\n'),
  )
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? err.message : String(err))
    process.exit(1)
  },
)
