/** The printed table and the targets each number is held to. */
import type { FreshnessResult } from './freshness.bench.js'
import type { IngestResult } from './ingest.bench.js'
import type { StatusesResult } from './model-statuses.bench.js'
import type { PingLoad, PingsResult } from './pings.bench.js'
import type { DashboardResult } from './dashboard.bench.js'
import type { ExecutionsResult } from './executions.bench.js'

export interface BenchResults {
  ingest?: IngestResult
  freshness?: FreshnessResult
  statuses?: StatusesResult
  pings?: PingsResult
  executions?: ExecutionsResult
  dashboard?: DashboardResult
  errors: Record<string, string>
}

export interface TargetCheck {
  name: string
  value: number | null
  unit: string
  target: string
  pass: boolean | null
}

const MB = 1024 * 1024

export function checkTargets(r: BenchResults): TargetCheck[] {
  const check = (name: string, value: number | null | undefined, unit: string, target: string, ok: (v: number) => boolean): TargetCheck => ({
    name,
    value: value ?? null,
    unit,
    target,
    pass: value === null || value === undefined ? null : ok(value),
  })
  const out: TargetCheck[] = []
  if (r.freshness || r.errors.freshness) {
    out.push(check('freshness p99', r.freshness?.all?.p99, 'ms', '< 100 ms', (v) => v < 100 && (r.freshness?.missed ?? 1) === 0))
  }
  if (r.statuses || r.errors.statuses) {
    out.push(check('GET model-statuses p99', r.statuses?.steadyGzip?.p99, 'ms', '< 10 ms', (v) => v < 10))
  }
  if (r.pings || r.errors.pings) {
    const p = r.pings
    out.push(check('pings/s', p?.switchboard.reqPerSec, 'req/s', '≥ 10000/s', (v) => v >= 10_000 && p?.switchboard.non2xx === 0))
    out.push(check('ping p99', p?.switchboard.p99, 'ms', '< 20 ms', (v) => v < 20))
    out.push(
      check('pings vs bare Fastify', p?.baseline ? p.switchboard.reqPerSec / p.baseline.reqPerSec : null, '×', '≥ 0.5×', (v) => v >= 0.5),
    )
    out.push(check('memory per dashboard', p?.memory?.perClientKb, 'KB', '< 20 KB', (v) => v < 20))
  }
  if (r.ingest || r.errors.ingest) {
    out.push(check('restart to ready', r.ingest ? r.ingest.restart.readyMs / 1000 : null, 's', '< 1 s', (v) => v < 1))
    out.push(check('cold ingest', r.ingest?.cold.mbPerSec, 'MB/s', '≥ 200 MB/s', (v) => v >= 200))
    out.push(check('RSS after ingest', r.ingest?.cold.settledRssMb, 'MB', '< 200 MB', (v) => v < 200))
  }
  return out
}

const f = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '–' : v.toFixed(digits))

export function renderReport(r: BenchResults, targets: TargetCheck[]): string {
  const rows: string[][] = [['benchmark', 'metric', 'value', 'target', 'result']]
  const verdict = (name: string): [string, string] => {
    const t = targets.find((x) => x.name === name)
    if (!t) return ['', '']
    return [t.target, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS']
  }
  if (r.ingest) {
    const i = r.ingest
    rows.push([
      'cold ingest',
      'input',
      `${f(i.inputBytes / MB, 0)} MB, ${i.agents} agents (${f(i.inputJsonlBytes / MB, 0)} MB JSONL, ${f(i.inputSqliteBytes / MB, 0)} MB SQLite)`,
      '',
      '',
    ])
    const warmed = (w: IngestResult['pageCache']['cold']): string => `${f(w.bytes / MB, 0)} MB in ${w.files} files, ${f(w.ms / 1000, 1)} s`
    rows.push(['cold ingest', 'read into the page cache first', warmed(i.pageCache.cold), '', ''])
    rows.push(['cold ingest', `time to ready (${i.cold.readyBy})`, `${f(i.cold.readyMs / 1000, 2)} s`, '', ''])
    rows.push(['cold ingest', 'throughput', `${f(i.cold.mbPerSec)} MB/s`, ...verdict('cold ingest')])
    if (i.cold.cpu) {
      const cores = i.cold.cpu.allSec / (i.cold.readyMs / 1000)
      rows.push([
        'cold ingest',
        'CPU used, start → ready (/proc)',
        `${f(i.cold.cpu.allSec, 1)} s, all threads (${f(cores, 2)} cores busy on average); main thread ${f(i.cold.cpu.mainSec, 1)} s`,
        '',
        '',
      ])
    }
    rows.push(['cold ingest', 'RSS 1 s after ready (VmRSS)', `${f(i.cold.rssMb)} MB`, '', ''])
    rows.push([
      'cold ingest',
      'conversations read (start → done)',
      i.cold.conversationsReadyMs === null ? 'not within the timeout' : `${f(i.cold.conversationsReadyMs / 1000, 2)} s`,
      '',
      '',
    ])
    rows.push([
      'cold ingest',
      'RSS once conversations are read and idle (VmRSS)',
      `${f(i.cold.settledRssMb)} MB after ${f((i.cold.settledAfterMs ?? 0) / 1000, 0)} s idle; V8 heap in use ${f(i.cold.heapUsedMb)} MB`,
      ...verdict('RSS after ingest'),
    ])
    rows.push(['cold ingest', 'peak RSS (VmHWM)', `${f(i.cold.hwmMb)} MB`, '', ''])
    rows.push([
      'cold ingest',
      'server counters',
      `bytesRead ${i.cold.serverBytesRead === null ? '–' : f(i.cold.serverBytesRead / MB, 0) + ' MB'}, events ${i.cold.eventsApplied ?? '–'}, agents listed ${i.cold.agentsListed} (${i.cold.agentsWithActivity} with activity)`,
      '',
      '',
    ])
    rows.push(['restart', 'read into the page cache first (data set + data dir)', warmed(i.pageCache.restart), '', ''])
    rows.push([
      'restart',
      `time to ready (${i.restart.readyBy}), median of ${i.restart.runs.length}`,
      `${f(i.restart.readyMs / 1000, 2)} s (${i.restart.runs.map((r) => f(r.readyMs / 1000, 2)).join(', ')} s in turn)`,
      ...verdict('restart to ready'),
    ])
    rows.push(['restart', 'stop (SIGTERM → exit)', `${f(i.restart.stopMs / 1000, 2)} s`, '', ''])
    rows.push(['restart', 'RSS after restart', `${f(i.restart.rssMb)} MB`, '', ''])
  }
  if (r.freshness) {
    const x = r.freshness
    const line = (s: FreshnessResult['all']): string => (s ? `${f(s.p50)} / ${f(s.p90)} / ${f(s.p99)} / ${f(s.max)} ms (n=${s.samples})` : '–')
    rows.push(['freshness', 'write → WS p50 / p90 / p99 / max', line(x.all), ...verdict('freshness p99')])
    rows.push(['freshness', '  legacy JSONL', line(x.byLayout.legacy), '', ''])
    rows.push(['freshness', '  SQLite WAL', line(x.byLayout.sqlite), '', ''])
    rows.push([
      'freshness',
      'writes',
      `${x.writes} by ${x.agents} agents at ${f(x.writesPerSecond)}/s; ${x.missed} never seen; first seen in ${Object.entries(x.firstSeenIn)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '–'}`,
      '',
      '',
    ])
  }
  if (r.statuses) {
    const s = r.statuses
    const line = (l: StatusesResult['switchboard']): string =>
      `${f(l.p50)} / ${f(l.p99)} ms, ${f(l.reqPerSec, 0)} req/s (${l.non2xx} non-2xx, ${l.errors} errors)`
    // Paced: counted from when each request was issued; beside it, from when it was due (the
    // client's own timer lateness included) and that lateness.
    const paced = (l: StatusesResult['switchboard'] | null): string =>
      !l
        ? '–'
        : `${line(l)}${l.fromDue && l.lateness ? `; from due ${f(l.fromDue.p50)} / ${f(l.fromDue.p99)} ms, client lateness p99 ${f(l.lateness.p99)} ms` : ''}`
    rows.push([
      'GET statuses',
      `gzip, evenly paced at ${s.steadyRate} req/s, ${s.agentsListed}/${s.agents} agents`,
      paced(s.steadyGzip),
      ...verdict('GET model-statuses p99'),
    ])
    rows.push(['GET statuses', '  bare Fastify, same gzip bytes, same rate', paced(s.baselineSteadyGzip), '', ''])
    rows.push(['GET statuses', `saturated (each connection asks again at once), ${f(s.switchboard.responseBytes / 1024, 0)} KiB raw`, line(s.switchboard), '', ''])
    if (s.gzip) rows.push(['GET statuses', `  gzip (${f(s.gzip.responseBytes / 1024, 0)} KiB on the wire)`, line(s.gzip), '', ''])
    if (s.singleGzip) rows.push(['GET statuses', '  gzip, one connection', line(s.singleGzip), '', ''])
    if (s.notModified) rows.push(['GET statuses', '  If-None-Match → 304', line(s.notModified), '', ''])
    rows.push(['GET statuses', '  bare Fastify, same raw body', s.baseline ? line(s.baseline) : '–', '', ''])
  }
  if (r.pings) {
    const p = r.pings
    const line = (l: PingLoad): string => `${f(l.p50)} / ${f(l.p99)} ms, ${f(l.reqPerSec, 0)} req/s (${l.non2xx} non-2xx, ${l.errors} errors)`
    rows.push(['pings', 'setup', `${p.agents} agents in ${p.pools} pools, ${p.clients} dashboards subscribed, ${p.connections} connections`, '', ''])
    rows.push(['pings', 'switchboard p50 / p99, req/s', line(p.switchboard), ...verdict('pings/s')])
    rows.push(['pings', '  p99', `${f(p.switchboard.p99)} ms`, ...verdict('ping p99')])
    rows.push(['pings', 'switchboard, no dashboard connected', line(p.noDashboards), '', ''])
    rows.push(['pings', 'bare Fastify, same requests', p.baseline ? line(p.baseline) : '–', '', ''])
    rows.push(['pings', '  switchboard ÷ bare', p.baseline ? `${f(p.switchboard.reqPerSec / p.baseline.reqPerSec, 2)}×` : '–', ...verdict('pings vs bare Fastify')])
    // Where the two cores went: all of these run on this machine at once.
    const pct = (share: number): string => `${f(share * 100, 0)} %`
    const cpu = (l: PingLoad | null): string =>
      l?.cpu
        ? `server main thread ${pct(l.cpu.serverMain)} (all threads ${pct(l.cpu.serverAll)}), load generator ${pct(l.cpu.loadGenerator)}` +
          (l.cpu.dashboards !== null ? `, dashboard clients ${pct(l.cpu.dashboards)}` : '')
        : '–'
    rows.push(['pings', 'CPU, share of a core: with dashboards', cpu(p.switchboard), '', ''])
    rows.push(['pings', '  no dashboard', cpu(p.noDashboards), '', ''])
    rows.push(['pings', '  bare Fastify', cpu(p.baseline), '', ''])
    if (p.memory) {
      rows.push([
        'pings',
        'RSS per connected dashboard',
        `${f(p.memory.perClientKb)} KB (${f(p.memory.beforeClientsMb)} → ${f(p.memory.withClientsMb)} MB)`,
        ...verdict('memory per dashboard'),
      ])
    }
    if (p.delivered) {
      rows.push([
        'pings',
        'pushed to dashboards',
        `${p.delivered.updates} metrics_update (${f(p.delivered.updatesPerSec, 0)}/s), ${f(p.delivered.megabytes)} MB, ${p.delivered.clientsOpen}/${p.clients} still open`,
        '',
        '',
      ])
    }
  }
  if (r.executions) {
    const x = r.executions
    rows.push(['executions', 'queued at once', `${x.executions} agent tests (\`cat\`), ${x.concurrency} at a time`, '', ''])
    rows.push(['executions', 'all finished', `${x.succeeded}/${x.executions} succeeded in ${f(x.totalMs / 1000, 2)} s = ${f(x.perSec, 0)}/s`, '', ''])
    rows.push([
      'executions',
      'state change → WS client',
      `p50 ${f(x.pushLatency.p50)} ms, p99 ${f(x.pushLatency.p99)} ms, max ${f(x.pushLatency.max)} ms (n=${x.pushLatency.samples})`,
      '',
      '',
    ])
    if (x.rss) rows.push(['executions', 'server RSS before → after (peak)', `${f(x.rss.beforeMb)} → ${f(x.rss.afterMb)} MB (${f(x.rss.peakMb)} MB)`, '', ''])
  }
  if (r.dashboard) {
    const d = r.dashboard
    const load = (p: DashboardResult['fleet']): string =>
      `${f(p.firstCardMs)} ms (${p.runs.map((x) => f(x)).join(', ')}); longest task ${f(p.longestTaskMs)} ms; ${p.elements} elements; JS heap ${f(p.heapMb)} MB`
    rows.push(['dashboard', `first agent card, ${d.fleet.agents} agents (median)`, load(d.fleet), '', ''])
    rows.push(['dashboard', `  the same page, ${d.baseline.agents} agents`, load(d.baseline), '', ''])
    rows.push(['dashboard', `  ${d.fleet.agents} ÷ ${d.baseline.agents} agents`, `${f(d.fleet.firstCardMs / Math.max(1, d.baseline.firstCardMs), 2)}×`, '', ''])
    rows.push(['dashboard', 'hosts pinging meanwhile', `${d.hosts} in ${d.pools} pools, ${f(d.pingsPerSec)} pings/s`, '', ''])
    const busy = (p: DashboardResult['pages'][number]): string =>
      `${f(p.busyPct)} % busy over ${f(p.windowSec)} s; ${p.longestTaskMs > 0 ? `longest task ${f(p.longestTaskMs)} ms` : 'no task over 50 ms'}; ${p.elements} elements`
    for (const p of d.pages) rows.push(['dashboard', `  browser main thread on ${p.route}`, busy(p), '', ''])
    rows.push(['dashboard', 'OpenClaw agents writing', `${f(d.turns.turnsPerSec)} turns/s (the hosts stopped)`, '', ''])
    for (const p of d.turns.pages) rows.push(['dashboard', `  browser main thread on ${p.route}`, `${busy(p)}; ${p.messages} live messages`, '', ''])
  }
  for (const [name, message] of Object.entries(r.errors)) rows.push([name, 'ERROR', message.split('\n')[0] ?? '', '', 'n/a'])

  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => [...(row[c] ?? '')].length))) ?? []
  return rows
    .map((row, i) => {
      const line = row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()
      return i === 0 ? `${line}\n${'-'.repeat(line.length)}` : line
    })
    .join('\n')
}
