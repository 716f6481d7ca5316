/**
 * Simulated agent hosts for the demo (seed 003): registered through the running server's operator
 * API, then pinging with the agent client every few seconds — CPU and memory that wander, tasks that
 * start and finish, a node that runs hot, and one that goes quiet for a while and comes back.
 * Some ids are the demo's OpenClaw agent ids, so the dashboard shows both sides of those agents.
 *
 * `startDemoHosts()` is called by `scripts/run-demo.ts` once the server listens.
 */
import { randomInt } from 'node:crypto'
import { createAgentClient, type AgentClient, type RunningTask } from '../src/agent-client/index.js'
import { createHostAgentsClient, OperatorApiError, type HostAgentsClient } from '../src/cli/host-agents.client.js'
import type { IssuedCredential } from '../src/shared/agent-hosts.js'
import { createSeededRandom, type SeededRandom } from './openclaw-writer/index.js'

export interface DemoHostsOptions {
  /** The running server. */
  url: string
  /** Its operator token. */
  token: string
  /** Seconds between pings of each host. Default is 5. */
  intervalSec?: number
  /** Receives one line per notable event (registration, a host going quiet or back). Default is silence. */
  log?: (msg: string) => void
  /** Same seed, same story. Default is a random seed. */
  seed?: number
}

export interface DemoHostsHandle {
  /** Stops pinging; every host says `offline` on the way out. */
  stop(): Promise<void>
}

interface HostSpec {
  id: string
  name: string
  pool: string
  tags: string[]
  /** Where CPU and memory hover when nothing runs. */
  cpu: number
  memory: number
  /** Runs hot: tasks cost it more, into the red. */
  hot?: boolean
  /** Goes quiet now and then (no pings, no goodbye), then comes back. */
  flaky?: boolean
}

const HOSTS: HostSpec[] = [
  // The first three are OpenClaw agents of the demo too.
  { id: 'main', name: 'Main', pool: 'gpu-cluster', tags: ['a100', 'eu-west'], cpu: 35, memory: 55 },
  { id: 'coder', name: 'Coder', pool: 'gpu-cluster', tags: ['a100', 'eu-west'], cpu: 45, memory: 62, hot: true },
  { id: 'research', name: '研究助理', pool: 'gpu-cluster', tags: ['h100'], cpu: 25, memory: 48 },
  { id: 'gpu-node-4', name: 'GPU node 4', pool: 'gpu-cluster', tags: ['h100', 'spot'], cpu: 15, memory: 30 },
  { id: 'kefu', name: '客服小美', pool: 'edge', tags: ['cn-east'], cpu: 20, memory: 40 },
  { id: 'ops', name: 'Ops On-call', pool: 'edge', tags: ['arm64'], cpu: 10, memory: 35, flaky: true },
  { id: 'edge-07', name: 'Edge 07', pool: 'edge', tags: ['arm64', 'cn-east'], cpu: 12, memory: 25 },
]

const TASK_TYPES = ['plan', 'apply', 'test', 'eval', 'index', 'chat']
const WORKSPACES = ['ws-alpha', 'ws-billing', 'ws-search', 'ws-support']
const TITLES: Record<string, string[]> = {
  plan: ['Plan the Q3 migration', 'Plan a rollout'],
  apply: ['Apply infra change #482', 'Apply schema update'],
  test: ['Regression suite', 'Smoke tests on staging'],
  eval: ['Eval: summarisation set', 'Eval: tool use'],
  index: ['Re-index the knowledge base', 'Embed new tickets'],
  chat: ['Customer conversation', '工单回复'],
}
const MAX_TASKS = 4

/** One simulated host: its own figures, tasks and credentials. */
function createSimulatedHost(spec: HostSpec, client: AgentClient, random: SeededRandom, intervalSec: number) {
  let cpu = spec.cpu
  let memory = spec.memory
  let tasks: RunningTask[] = []
  let nextTaskId = random.int(1_000, 9_000)
  const clamp = (v: number): number => Math.round(Math.min(100, Math.max(0, v)) * 10) / 10

  const step = (now: number): void => {
    if (tasks.length > 0 && random.chance(0.12 * tasks.length)) tasks = tasks.filter((_, i) => i !== random.int(0, tasks.length - 1))
    if (tasks.length < MAX_TASKS && random.chance(0.18)) {
      const type = random.pick(TASK_TYPES)
      tasks.push({
        task_id: nextTaskId++,
        task_type: type,
        workspace_id: random.pick(WORKSPACES),
        started_at: new Date(now - random.int(0, 20) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        title: random.pick(TITLES[type] ?? ['Task']),
      })
    }
    // Each task pulls the figures up; noise on top, and a drift back toward the target.
    const perTask = spec.hot ? 14 : 9
    const cpuTarget = spec.cpu + tasks.length * perTask
    const memTarget = spec.memory + tasks.length * (spec.hot ? 6 : 4)
    cpu = clamp(cpu + (cpuTarget - cpu) * 0.4 + (random.next() - 0.5) * 16)
    memory = clamp(memory + (memTarget - memory) * 0.2 + (random.next() - 0.5) * 4)
  }

  return {
    spec,
    async ping(status?: string): Promise<void> {
      if (status === undefined) step(Date.now())
      await client.ping(
        {
          status: status ?? (tasks.length > 0 ? 'busy' : 'idle'),
          cpu_usage: cpu,
          memory_usage: memory,
          running_tasks: status === 'offline' ? [] : tasks,
          interval_sec: intervalSec,
        },
        { timeoutMs: status === 'offline' ? 2_000 : 5_000 },
      )
    },
  }
}

/** Registers the host, or, when a kept data dir already has it, rotates its key: secrets are never kept. */
async function credentialFor(api: HostAgentsClient, spec: HostSpec): Promise<IssuedCredential> {
  try {
    return (await api.create({ agent_id: spec.id, agent_name: spec.name, pool_id: spec.pool, tags: spec.tags })).credential
  } catch (err) {
    if (!(err instanceof OperatorApiError) || err.code !== 'SWB_HOST_AGENT_EXISTS') throw err
  }
  await api.update(spec.id, { agent_name: spec.name, pool_id: spec.pool, tags: spec.tags })
  const existing = await api.get(spec.id)
  const key = existing.credentials[0]?.app_key
  return key ? api.rotateCredential(spec.id, key) : api.addCredential(spec.id)
}

export async function startDemoHosts(opts: DemoHostsOptions): Promise<DemoHostsHandle> {
  const log = opts.log ?? (() => {})
  const intervalSec = opts.intervalSec ?? 5
  const random = createSeededRandom(opts.seed ?? randomInt(1, 2 ** 31))
  const api = createHostAgentsClient({ url: opts.url, token: opts.token })

  const hosts: ReturnType<typeof createSimulatedHost>[] = []
  for (const spec of HOSTS) {
    const cred = await credentialFor(api, spec)
    const client = createAgentClient({ url: opts.url, agentId: spec.id, appKey: cred.app_key, appSecret: cred.app_secret })
    hosts.push(createSimulatedHost(spec, client, random.fork(), intervalSec))
  }
  const pools = [...new Set(HOSTS.map((h) => h.pool))]
  log(`[demo] ${hosts.length} agent hosts in pools ${pools.join(', ')}, pinging every ${intervalSec}s`)

  let stopped = false
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (!stopped) fn()
    }, ms)
    timers.add(t)
  }
  /** A flaky host's next silence, epoch ms: the first within about a minute, then every few minutes. */
  const silences = new Map<string, { from: number; until: number }>()
  const planSilence = (id: string, inSec: number): void => {
    const from = Date.now() + inSec * 1000
    silences.set(id, { from, until: from + random.int(40, 90) * 1000 })
  }
  for (const h of hosts) if (h.spec.flaky) planSilence(h.spec.id, random.int(40, 75))
  const quiet = (id: string): boolean => {
    const s = silences.get(id)
    return s !== undefined && Date.now() >= s.from && Date.now() < s.until
  }
  const wasQuiet = new Set<string>()
  const failures = new Map<string, number>()

  const loop = (host: (typeof hosts)[number]): void => {
    const id = host.spec.id
    const silent = quiet(id)
    if (silent && !wasQuiet.has(id)) {
      wasQuiet.add(id)
      const forSec = Math.round((silences.get(id)!.until - Date.now()) / 1000)
      log(`[demo] host ${id} goes quiet for ${forSec}s (no pings: the server will call it offline)`)
    } else if (!silent && wasQuiet.has(id)) {
      wasQuiet.delete(id)
      planSilence(id, random.int(120, 240))
      log(`[demo] host ${id} is back`)
    }
    if (!silent) {
      host.ping().then(
        () => failures.set(id, 0),
        (err: unknown) => {
          // A demo that stops on one failed ping is worse than one that logs it.
          const n = (failures.get(id) ?? 0) + 1
          failures.set(id, n)
          if (n === 1 || n % 50 === 0) log(`[demo] ping of ${id} failed: ${err instanceof Error ? err.message : String(err)}`)
        },
      )
    }
    later(intervalSec * 1000, () => loop(host))
  }
  // Spread over the first interval, so the pools fill in one by one.
  hosts.forEach((h, i) => later(Math.round((i * intervalSec * 1000) / hosts.length), () => loop(h)))

  return {
    async stop() {
      if (stopped) return
      stopped = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await Promise.allSettled(hosts.filter((h) => !quiet(h.spec.id)).map((h) => h.ping('offline')))
    },
  }
}
