/**
 * `npm run bench [-- --quick] [-- --only ingest,freshness,statuses]`: generates (or reuses) data
 * sets with the OpenClaw writer, runs the built server against them on 127.0.0.1, prints a table
 * with targets, and writes bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseBenchArgs, USAGE, type BenchOptions } from './bench-options.js'
import { BENCH_ROOT, ensureDataset, type Dataset, type DatasetSpec } from './dataset.generator.js'
import { runFreshnessBench } from './freshness.bench.js'
import { runIngestBench } from './ingest.bench.js'
import { runStatusesBench } from './model-statuses.bench.js'
import { runPingsBench } from './pings.bench.js'
import { runDashboardBench } from './dashboard.bench.js'
import { runExecutionsBench } from './executions.bench.js'
import { checkTargets, renderReport, type BenchResults } from './report.js'
import { buildServer, REPO_ROOT } from './server.process.js'

const log = (m: string): void => {
  process.stdout.write(`${m}\n`)
}
const MB = 1024 * 1024

function ingestSpec(o: BenchOptions): DatasetSpec {
  const p = o.ingest
  return {
    name: o.quick ? 'ingest-quick' : 'ingest',
    legacyAgents: p.legacyAgents,
    sqliteAgents: p.sqliteAgents,
    legacyBytesPerAgent: Math.ceil(p.legacyBytes / Math.max(1, p.legacyAgents)),
    sqliteBytesPerAgent: Math.ceil(p.sqliteBytes / Math.max(1, p.sqliteAgents)),
    minTurns: 5,
    texts: 'large',
    seed: o.seed,
  }
}

function statusesSpec(o: BenchOptions): DatasetSpec {
  const p = o.statuses
  return {
    name: o.quick ? 'statuses-quick' : 'statuses',
    legacyAgents: p.legacyAgents,
    sqliteAgents: p.sqliteAgents,
    legacyBytesPerAgent: 0,
    sqliteBytesPerAgent: 0,
    minTurns: 4,
    texts: 'small',
    seed: o.seed + 1,
  }
}

function dataset(spec: DatasetSpec, o: BenchOptions): Dataset {
  log(`data set "${spec.name}": ${spec.legacyAgents} legacy + ${spec.sqliteAgents} SQLite agents…`)
  const d = ensureDataset(spec, { regenerate: o.regenerate, log })
  log(
    `  ${d.cached ? 'cached' : `generated in ${(d.generatedMs / 1000).toFixed(1)} s`}: ${(d.bytes.total / MB).toFixed(0)} MB ` +
      `(${(d.bytes.jsonl / MB).toFixed(0)} MB JSONL, ${(d.bytes.sqlite / MB).toFixed(0)} MB SQLite, ${(d.bytes.log / MB).toFixed(1)} MB log), ` +
      `${d.turns} turns, in ${d.dir}`,
  )
  return d
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    log(USAGE)
    return 0
  }
  let options: BenchOptions
  try {
    options = parseBenchArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    return 2
  }
  mkdirSync(BENCH_ROOT, { recursive: true })
  const startedAt = new Date().toISOString()
  log(`Switchboard benchmark (${options.quick ? 'quick' : 'full'}): ${options.only.join(', ')}; data under ${BENCH_ROOT}`)

  const results: BenchResults = { errors: {} }
  const wants = (name: BenchOptions['only'][number]): boolean => options.only.includes(name)
  if (options.generateOnly) {
    if (wants('ingest')) dataset(ingestSpec(options), options)
    if (wants('statuses')) dataset(statusesSpec(options), options)
    return 0
  }
  buildServer(log)

  if (wants('ingest')) {
    log('\n[ingest] cold start, then restart on the same data dir')
    try {
      results.ingest = await runIngestBench(dataset(ingestSpec(options), options), options.ingest, log)
    } catch (err) {
      results.errors.ingest = err instanceof Error ? err.message : String(err)
    }
  }
  if (wants('freshness')) {
    log('\n[freshness] write → WebSocket')
    try {
      results.freshness = await runFreshnessBench(options.freshness, options.seed + 2, log)
    } catch (err) {
      results.errors.freshness = err instanceof Error ? err.message : String(err)
    }
  }
  if (wants('statuses')) {
    log('\n[statuses] GET /api/agents/model-statuses under load')
    try {
      results.statuses = await runStatusesBench(dataset(statusesSpec(options), options), options.statuses, log)
    } catch (err) {
      results.errors.statuses = err instanceof Error ? err.message : String(err)
    }
  }

  if (wants('pings')) {
    log('\n[pings] heartbeats with dashboards subscribed')
    try {
      results.pings = await runPingsBench(options.pings, log)
    } catch (err) {
      results.errors.pings = err instanceof Error ? err.message : String(err)
    }
  }

  if (wants('executions')) {
    log('\n[executions] agent tests queued at once')
    try {
      results.executions = await runExecutionsBench(options.executions, log)
    } catch (err) {
      results.errors.executions = err instanceof Error ? err.message : String(err)
    }
  }

  if (wants('dashboard')) {
    log('\n[dashboard] the web app in Chromium at 1,000 agents')
    try {
      results.dashboard = await runDashboardBench(dataset(statusesSpec(options), options), options.dashboard, log)
    } catch (err) {
      results.errors.dashboard = err instanceof Error ? err.message : String(err)
    }
  }

  const targets = checkTargets(results)
  log(`\n${renderReport(results, targets)}\n`)
  const outDir = join(REPO_ROOT, 'bench', 'results')
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, 'latest.json')
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt,
        finishedAt: new Date().toISOString(),
        host: { node: process.version, platform: process.platform, cpus: cpus().length, totalMemMb: Math.round(totalmem() / MB) },
        options,
        results,
        targets,
      },
      null,
      2,
    ),
  )
  log(`results: ${file}`)
  return Object.keys(results.errors).length > 0 ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  },
)
