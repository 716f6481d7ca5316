/** Command line of `npm run bench` and the sizes of a full and a quick run. */

export const BENCH_NAMES = ['ingest', 'freshness', 'statuses', 'pings', 'executions', 'dashboard'] as const
export type BenchName = (typeof BENCH_NAMES)[number]

export interface IngestParams {
  legacyAgents: number
  sqliteAgents: number
  /** Total JSONL bytes to spread over the legacy agents. */
  legacyBytes: number
  /** Total transcript + trajectory JSON bytes to spread over the SQLite agents. */
  sqliteBytes: number
  readyTimeoutMs: number
  /** How long to wait, idle, for the server's memory to settle after the first read. */
  settleTimeoutMs: number
}

export interface FreshnessParams {
  legacyAgents: number
  sqliteAgents: number
  samples: number
  writesPerSecond: number
  /** How long to wait for the last writes to show up. */
  drainMs: number
}

export interface StatusesParams {
  legacyAgents: number
  sqliteAgents: number
  durationSec: number
  connections: number
}

export interface PingsParams {
  agents: number
  pools: number
  /** Dashboard WebSocket clients, spread over the pools. */
  clients: number
  durationSec: number
  /** Seconds of the same load before each measured run, not counted. */
  warmupSec: number
  connections: number
}

export interface ExecutionsParams {
  executions: number
  concurrency: number
  /** How long to wait for all of them to finish. */
  timeoutMs: number
}

export interface DashboardParams {
  /** Page loads measured per fleet (after one not counted). */
  loads: number
  hosts: number
  pools: number
  pingEverySec: number
  /** How long each page is watched while the hosts ping or the agents write. */
  windowSec: number
  /** Turns a second the OpenClaw agents write while the Agents page is watched. */
  turnsPerSec: number
}

export interface BenchOptions {
  quick: boolean
  only: BenchName[]
  regenerate: boolean
  /** Generate (or find cached) data sets, run nothing. */
  generateOnly: boolean
  seed: number
  ingest: IngestParams
  freshness: FreshnessParams
  statuses: StatusesParams
  pings: PingsParams
  executions: ExecutionsParams
  dashboard: DashboardParams
}

const MiB = 1024 * 1024

const FULL = {
  ingest: { legacyAgents: 150, sqliteAgents: 50, legacyBytes: 1024 * MiB, sqliteBytes: 200 * MiB, readyTimeoutMs: 15 * 60_000, settleTimeoutMs: 60_000 },
  freshness: { legacyAgents: 50, sqliteAgents: 50, samples: 600, writesPerSecond: 20, drainMs: 5_000 },
  statuses: { legacyAgents: 500, sqliteAgents: 500, durationSec: 10, connections: 10 },
  pings: { agents: 1000, pools: 10, clients: 1000, durationSec: 10, warmupSec: 3, connections: 20 },
  executions: { executions: 1000, concurrency: 4, timeoutMs: 300_000 },
  dashboard: { loads: 5, hosts: 1000, pools: 10, pingEverySec: 5, windowSec: 10, turnsPerSec: 20 },
} satisfies Pick<BenchOptions, 'ingest' | 'freshness' | 'statuses' | 'pings' | 'executions' | 'dashboard'>

const QUICK = {
  ingest: { legacyAgents: 16, sqliteAgents: 4, legacyBytes: 64 * MiB, sqliteBytes: 16 * MiB, readyTimeoutMs: 3 * 60_000, settleTimeoutMs: 10_000 },
  freshness: { legacyAgents: 10, sqliteAgents: 10, samples: 120, writesPerSecond: 20, drainMs: 3_000 },
  statuses: { legacyAgents: 100, sqliteAgents: 100, durationSec: 3, connections: 10 },
  pings: { agents: 200, pools: 4, clients: 200, durationSec: 3, warmupSec: 1, connections: 20 },
  executions: { executions: 100, concurrency: 4, timeoutMs: 120_000 },
  dashboard: { loads: 3, hosts: 200, pools: 4, pingEverySec: 5, windowSec: 5, turnsPerSec: 20 },
} satisfies Pick<BenchOptions, 'ingest' | 'freshness' | 'statuses' | 'pings' | 'executions' | 'dashboard'>

export const USAGE = `Usage: npm run bench -- [--quick] [--only <name>[,<name>…]] [--regenerate] [--generate-only] [--seed <n>]

  --quick           small data sets and short runs (a minute or two)
  --only <names>    run only these: ${BENCH_NAMES.join(', ')}
  --regenerate      rebuild the cached data sets
  --generate-only   build (or find) the data sets and stop
  --seed <n>        seed of the generated data (default 1)

Prints a table and writes bench/results/latest.json.`

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let quick = false
  let regenerate = false
  let generateOnly = false
  let seed = 1
  const only: BenchName[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value\n\n${USAGE}`)
      return v
    }
    if (arg === '--quick') quick = true
    else if (arg === '--regenerate') regenerate = true
    else if (arg === '--generate-only') generateOnly = true
    else if (arg === '--seed') seed = Number.parseInt(value(), 10)
    else if (arg === '--only') {
      for (const name of value().split(',')) {
        if (!(BENCH_NAMES as readonly string[]).includes(name)) throw new Error(`unknown benchmark "${name}"\n\n${USAGE}`)
        only.push(name as BenchName)
      }
    } else if (arg === '--help' || arg === '-h') throw new Error(USAGE)
    else throw new Error(`unknown argument "${arg}"\n\n${USAGE}`)
  }
  if (!Number.isFinite(seed)) throw new Error(`--seed needs a number\n\n${USAGE}`)
  const sizes = quick ? QUICK : FULL
  return {
    quick,
    only: only.length ? only : [...BENCH_NAMES],
    regenerate,
    generateOnly,
    seed,
    ingest: { ...sizes.ingest },
    freshness: { ...sizes.freshness },
    statuses: { ...sizes.statuses },
    pings: { ...sizes.pings },
    executions: { ...sizes.executions },
    dashboard: { ...sizes.dashboard },
  }
}
