/**
 * Prometheus metrics (seed 000 §7.2 names kept, plus ingestion and WebSocket counters).
 *
 * What every request or message touches is counted in plain numbers and handed to the registry
 * when it is scraped: a labelled prom-client child validates and hashes its labels on every call,
 * a visible share of a heartbeat's cost at thousands a second.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client'

/** One label set of a {@link Tally}: looked up once, then `inc()` is an addition. */
export interface TallyCell {
  inc(by?: number): void
}

/** A labelled counter kept in plain numbers. */
export interface Tally<L extends string> {
  labels(values: Record<L, string>): TallyCell
}

/** One label set of a {@link Timings} histogram. */
export interface TimingCell {
  observe(seconds: number): void
}

/** A labelled histogram of durations kept in plain numbers. */
export interface Timings<L extends string> {
  labels(values: Record<L, string>): TimingCell
}

export interface Metrics {
  registry: Registry
  apiRequests: Tally<'method' | 'endpoint' | 'status'>
  apiResponseTime: Timings<'method' | 'endpoint'>
  wsConnections: Gauge
  wsMessagesSent: TallyCell
  wsSlowConsumersDropped: Counter
  stateCacheSize: Gauge
  ingestEvents: Counter<'source'>
  ingestRejected: Counter<'source'>
  ingestBytes: Counter<'source'>
  hubSeq: Gauge
  heartbeats: Tally<'result'>
  hostAgentsOnline: Gauge
}

const PROCESS_PREFIX = 'switchboard_process_'
/**
 * Default metrics left out: counting active handles and resources lists every one of them on each
 * scrape, and a server that watches a thousand agent folders has thousands. That blocked the event
 * loop for about 13 ms per scrape at 1,000 agents, long enough to show in the API's tail latency.
 */
export const OMITTED_PROCESS_METRICS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'].map(
  (name) => PROCESS_PREFIX + name,
)

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: PROCESS_PREFIX })
  for (const name of OMITTED_PROCESS_METRICS) registry.removeSingleMetric(name)
  return {
    registry,
    apiRequests: createTally({ name: 'api_requests_total', help: 'Total API requests', labelNames: ['method', 'endpoint', 'status'] }, registry),
    apiResponseTime: createTimings(
      {
        name: 'api_response_time_seconds',
        help: 'API response time',
        labelNames: ['method', 'endpoint'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      },
      registry,
    ),
    wsConnections: new Gauge({ name: 'websocket_connections', help: 'Active WebSocket connections', registers: [registry] }),
    wsMessagesSent: createTally({ name: 'websocket_messages_sent_total', help: 'WebSocket messages written', labelNames: [] }, registry).labels({}),
    wsSlowConsumersDropped: new Counter({
      name: 'websocket_slow_consumers_dropped_total',
      help: 'WebSocket clients cut off because their send buffer was full',
      registers: [registry],
    }),
    stateCacheSize: new Gauge({ name: 'state_cache_size', help: 'Number of agents in the state cache', registers: [registry] }),
    ingestEvents: new Counter({ name: 'ingest_events_total', help: 'Domain events ingested', labelNames: ['source'], registers: [registry] }),
    ingestRejected: new Counter({
      name: 'ingest_rejected_total',
      help: 'Malformed records skipped (lines, rows)',
      labelNames: ['source'],
      registers: [registry],
    }),
    ingestBytes: new Counter({ name: 'ingest_bytes_total', help: 'Bytes of input read', labelNames: ['source'], registers: [registry] }),
    hubSeq: new Gauge({ name: 'push_seq', help: 'Sequence number of the last pushed message', registers: [registry] }),
    heartbeats: createTally(
      {
        name: 'heartbeats_total',
        help: 'Agent pings, by result (accepted, invalid, unauthorized, forbidden, rate_limited, too_large)',
        labelNames: ['result'],
      },
      registry,
    ),
    hostAgentsOnline: new Gauge({ name: 'host_agents_online', help: 'Registered agents whose heartbeat is current', registers: [registry] }),
  }
}

interface MetricConfig<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
}

/** Cells by label values, each created once. */
function cellsOf<L extends string, C>(labelNames: readonly L[], create: (labels: Record<L, string>) => C): { get(values: Record<L, string>): C; all(): C[] } {
  const cells = new Map<string, C>()
  return {
    get(values) {
      const key = labelNames.map((n) => values[n]).join('\u0000')
      let cell = cells.get(key)
      if (!cell) {
        const labels = {} as Record<L, string>
        for (const n of labelNames) labels[n] = values[n]
        cells.set(key, (cell = create(labels)))
      }
      return cell
    },
    all: () => [...cells.values()],
  }
}

/** A counter whose totals live in plain numbers; the registry copies them in when scraped. */
export function createTally<L extends string>(config: MetricConfig<L>, registry: Registry): Tally<L> {
  const cells = cellsOf(config.labelNames, (labels) => {
    const cell = { labels, n: 0, inc: (by = 1) => void (cell.n += by) }
    return cell
  })
  new Counter<L>({
    name: config.name,
    help: config.help,
    labelNames: config.labelNames,
    registers: [registry],
    collect() {
      this.reset()
      for (const c of cells.all()) this.inc(c.labels as Partial<Record<L, string>>, c.n)
    },
  })
  return { labels: cells.get }
}

/**
 * A histogram of durations whose buckets live in plain numbers. It is a registry metric of its
 * own, giving the registry what a prom-client histogram gives: `_bucket` lines with cumulative
 * counts per `le`, then `_sum` and `_count`.
 */
export function createTimings<L extends string>(config: MetricConfig<L> & { buckets: number[] }, registry: Registry): Timings<L> {
  const bounds = [...config.buckets].sort((a, b) => a - b)
  const cells = cellsOf(config.labelNames, (labels) => {
    const cell = {
      labels,
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      observe(seconds: number) {
        let i = 0
        while (i < bounds.length && seconds > bounds[i]!) i++
        cell.counts[i]!++
        cell.sum += seconds
      },
    }
    return cell
  })
  const bucketName = `${config.name}_bucket`
  const metric = {
    name: config.name,
    help: config.help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      // As prom-client gives them: `le` first, the cell's labels after it.
      const values: { labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }[] = []
      for (const c of cells.all()) {
        let cumulative = 0
        bounds.forEach((le, i) => {
          cumulative += c.counts[i]!
          values.push({ labels: { le }, sharedLabels: c.labels, value: cumulative, metricName: bucketName })
        })
        const count = cumulative + c.counts[bounds.length]!
        values.push({ labels: { le: '+Inf' }, sharedLabels: c.labels, value: count, metricName: bucketName })
        values.push({ labels: {}, sharedLabels: c.labels, value: c.sum, metricName: `${config.name}_sum` })
        values.push({ labels: {}, sharedLabels: c.labels, value: count, metricName: `${config.name}_count` })
      }
      return { name: config.name, help: config.help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {
      for (const c of cells.all()) {
        c.counts.fill(0)
        c.sum = 0
      }
    },
  }
  registry.registerMetric(metric as unknown as Metric)
  return { labels: cells.get }
}
