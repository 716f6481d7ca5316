/** Prometheus metrics (seed 000 §7.2 names kept, plus ingestion and WebSocket counters). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  apiRequests: Counter<'method' | 'endpoint' | 'status'>
  apiResponseTime: Histogram<'method' | 'endpoint'>
  wsConnections: Gauge
  wsMessagesSent: Counter
  wsSlowConsumersDropped: Counter
  stateCacheSize: Gauge
  ingestEvents: Counter<'source'>
  ingestRejected: Counter<'source'>
  ingestBytes: Counter<'source'>
  hubSeq: Gauge
  heartbeats: Counter<'result'>
  hostAgentsOnline: Gauge
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_process_' })
  return {
    registry,
    apiRequests: new Counter({
      name: 'api_requests_total',
      help: 'Total API requests',
      labelNames: ['method', 'endpoint', 'status'],
      registers: [registry],
    }),
    apiResponseTime: new Histogram({
      name: 'api_response_time_seconds',
      help: 'API response time',
      labelNames: ['method', 'endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    wsConnections: new Gauge({ name: 'websocket_connections', help: 'Active WebSocket connections', registers: [registry] }),
    wsMessagesSent: new Counter({ name: 'websocket_messages_sent_total', help: 'WebSocket messages written', registers: [registry] }),
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
    heartbeats: new Counter({
      name: 'heartbeats_total',
      help: 'Agent pings, by result (accepted, invalid, unauthorized, forbidden, rate_limited, too_large)',
      labelNames: ['result'],
      registers: [registry],
    }),
    hostAgentsOnline: new Gauge({ name: 'host_agents_online', help: 'Registered agents whose heartbeat is current', registers: [registry] }),
  }
}
