import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { startServer } from './server.process.js'
const work = mkdtempSync('/tmp/pingprof-')
const token = 'tok-prof'
const server = await startServer({ dataDir: join(work, 'd'), openclawDirs: [join(work, 'none')], token, outputFile: join(work, 'out'), expectAgents: 0, readyTimeoutMs: 60000, extraArgs: ['--ping-rate-limit', '100000', '--ping-burst', '100000'] })
const requests: any[] = []
for (let i = 0; i < 1000; i++) {
  const agentId = `host-${i}`
  const res = await fetch(`${server.baseUrl}/api/v1/agents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: agentId, pool_id: `pool-${i % 10}` }) })
  const { credential } = await res.json() as any
  requests.push({ method: 'POST', path: `/api/v1/agents/${agentId}/ping`, headers: { 'content-type': 'application/json', 'x-app-key': credential.app_key, 'x-app-secret': credential.app_secret }, body: JSON.stringify({ status: 'busy', cpu_usage: i % 100, memory_usage: 40, running_tasks: i % 3 ? [] : [{ task_id: i, task_type: 'plan', workspace_id: 'ws-1', started_at: new Date().toISOString() }], interval_sec: 10 }) })
}
const r = await autocannon({ url: server.baseUrl, connections: 20, duration: Number(process.argv[2] ?? 8), requests })
console.log('req/s', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx)
await server.stop()
