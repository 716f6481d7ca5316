/**
 * The web dashboard in headless Chromium against the built server: how soon the first agent card
 * shows for a fleet of 1,000 agents, next to the same page for the 4 agents of a fixture (measured
 * in the same run, the floor set by loading the app itself), and how much of the browser's main
 * thread the pages take while 1,000 registered hosts ping every 5 seconds.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import JSON5 from 'json5'
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core'
import { openOpenClawWriter, type OpenClawWriter } from '../scripts/openclaw-writer/index.js'
import type { CreateHostAgentResponse } from '../src/shared/agent-hosts.js'
import type { DashboardParams } from './bench-options.js'
import { BENCH_ROOT, type Dataset } from './dataset.generator.js'
import { pingBody } from './pings.bench.js'
import { REPO_ROOT, startServer, type RunningServer } from './server.process.js'

export const CHROMIUM = process.env.SWB_CHROMIUM ?? '/usr/bin/chromium'

export interface PageLoad {
  agents: number
  /** Navigation → first agent card in the document, ms: the median, then every load. */
  firstCardMs: number
  runs: number[]
  /** Longest main-thread task of the load (median over the loads), ms. */
  longestTaskMs: number
  /** Elements in the page once it has settled. */
  elements: number
  /** Live JS heap once settled, MB. */
  heapMb: number
}

export interface PageUnderPings {
  route: string
  /** Share of the browser's main thread spent in tasks over the window (Chromium's TaskDuration). */
  busyPct: number
  longestTaskMs: number
  windowSec: number
  elements: number
}

export interface PageUnderTurns extends PageUnderPings {
  /** Live messages the page received over the window. */
  messages: number
}

export interface DashboardResult {
  fleet: PageLoad
  baseline: PageLoad
  hosts: number
  pools: number
  pingsPerSec: number
  pages: PageUnderPings[]
  /** Pages while the fleet's agents answer, fail over and recover on disk. */
  turns: { turnsPerSec: number; pages: PageUnderTurns[] }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The dashboard is served from dist/web: always built anew, as a stale build would measure old code. */
function buildWeb(log: (m: string) => void): void {
  log('  building the web app…')
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  })
  if (r.status !== 0) throw new Error('the web app does not build; see the errors above')
}

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or point SWB_CHROMIUM at one`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/**
 * Records every main-thread task over 50 ms, when the first card entered the document, and how many
 * WebSocket messages the page received.
 */
const PAGE_PROBE = `
  window.__swbMessages = 0
  window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', () => { window.__swbMessages += 1 })
    }
  }
  window.__swbTasks = []
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__swbTasks.push(e.duration) }).observe({ type: 'longtask', buffered: true })
  new MutationObserver(() => {
    if (!window.__swbFirstCard && document.querySelector('[data-testid="agent-card"]')) window.__swbFirstCard = performance.now()
  }).observe(document, { subtree: true, childList: true })
`

interface ProbeResult {
  firstCard: number
  longest: number
  elements: number
  heap: number
}

/** A fresh browser context signed in on the Agents page, its first card shown; closed after `use`. */
async function onDashboard<T>(browser: Browser, server: RunningServer, use: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  try {
    const page = await context.newPage()
    await page.addInitScript(PAGE_PROBE)
    await page.goto(`${server.baseUrl}/#/?token=${server.token}`)
    await page.waitForSelector('[data-testid="agent-card"]', { timeout: 60_000 })
    return await use(page, context)
  } finally {
    await context.close()
  }
}

function loadOnce(browser: Browser, server: RunningServer): Promise<ProbeResult> {
  return onDashboard(browser, server, async (page) => {
    await sleep(1500)
    return page.evaluate(() => {
      const w = window as unknown as { __swbFirstCard: number; __swbTasks: number[] }
      const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
      return {
        firstCard: w.__swbFirstCard,
        longest: Math.max(0, ...w.__swbTasks),
        elements: document.querySelectorAll('*').length,
        heap: (memory?.usedJSHeapSize ?? 0) / 1024 / 1024,
      }
    })
  })
}

async function measureLoads(browser: Browser, server: RunningServer, agents: number, loads: number): Promise<PageLoad> {
  // One load first, not counted: the server's first answer of the list and the disk cache.
  await loadOnce(browser, server)
  const runs: ProbeResult[] = []
  for (let i = 0; i < loads; i++) runs.push(await loadOnce(browser, server))
  return {
    agents,
    firstCardMs: median(runs.map((r) => r.firstCard)),
    runs: runs.map((r) => r.firstCard),
    longestTaskMs: median(runs.map((r) => r.longest)),
    elements: median(runs.map((r) => r.elements)),
    heapMb: median(runs.map((r) => r.heap)),
  }
}

async function taskSeconds(session: CDPSession): Promise<number> {
  const { metrics } = (await session.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0
}

/**
 * How busy the page at `route` keeps the browser's main thread over `windowSec`, and how many live
 * messages it received meanwhile (counted on its WebSocket frames).
 */
function watchPage(browser: Browser, server: RunningServer, route: string, windowSec: number): Promise<PageUnderTurns> {
  return onDashboard(browser, server, async (page, context) => {
    const messages = () => page.evaluate(() => (window as unknown as { __swbMessages: number }).__swbMessages)
    await page.evaluate((r) => (location.hash = `#${r}`), route)
    // Let the page load and render before the window opens.
    await sleep(4000)
    const session = await context.newCDPSession(page)
    await session.send('Performance.enable')
    await page.evaluate(() => ((window as unknown as { __swbTasks: number[] }).__swbTasks = []))
    const before = await taskSeconds(session)
    const messagesBefore = await messages()
    const t0 = performance.now()
    await sleep(windowSec * 1000)
    const busy = (await taskSeconds(session)) - before
    const elapsed = (performance.now() - t0) / 1000
    const probe = await page.evaluate(() => ({
      longest: Math.max(0, ...(window as unknown as { __swbTasks: number[] }).__swbTasks),
      elements: document.querySelectorAll('*').length,
    }))
    return {
      route,
      busyPct: (100 * busy) / elapsed,
      longestTaskMs: probe.longest,
      windowSec: elapsed,
      elements: probe.elements,
      messages: (await messages()) - messagesBefore,
    }
  })
}

/**
 * Has the fleet's agents write `perSec` turns a second, one agent after another: on the first round
 * of the fleet each agent's primary is rate-limited and its first fallback answers, on the next the
 * primary answers again. So cards change model, status and history, as in a busy fleet's bad hour.
 */
export function startTurns(stateDirs: string[], perSec: number, seed: number): { stop: () => Promise<number> } {
  const writers: OpenClawWriter[] = stateDirs.map((stateDir, i) => openOpenClawWriter({ stateDir, seed: seed + i }))
  const targets = writers.flatMap((writer) => writer.agents().map((agent) => ({ writer, agent })))
  let running = true
  let written = 0
  const started = performance.now()
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const due = started + (i * 1000) / perSec
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const target = targets[i % targets.length]
      if (!target) break
      const { primary, fallbacks } = target.agent.chain
      const fallback = fallbacks[0]
      const failOver = fallback !== undefined && Math.floor(i / targets.length) % 2 === 0
      target.writer.writeTurn(target.agent.id, {
        attempts: failOver
          ? [
              { model: primary, outcome: 'rate_limit', cooldownMs: 60_000 },
              { model: fallback, outcome: 'ok' },
            ]
          : [{ model: primary, outcome: 'ok' }],
      })
      written += 1
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      for (const w of writers) w.close()
      return written / ((performance.now() - started) / 1000)
    },
  }
}

/** Registers `hosts` agents in `pools` pools and has each ping every `everySec` seconds until stopped. */
async function startPinging(server: RunningServer, hosts: number, pools: number, everySec: number): Promise<{ stop: () => Promise<number> }> {
  const credentials: { id: string; key: string; secret: string }[] = []
  for (let i = 0; i < hosts; i++) {
    const id = `host-${String(i).padStart(4, '0')}`
    const r = await fetch(`${server.baseUrl}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: id, pool_id: `pool-${i % pools}` }),
    })
    if (r.status !== 201) throw new Error(`registering ${id}: HTTP ${r.status}`)
    const { credential } = (await r.json()) as CreateHostAgentResponse
    credentials.push({ id, key: credential.app_key, secret: credential.app_secret })
  }
  let running = true
  let sent = 0
  const started = performance.now()
  const ping = async (i: number): Promise<void> => {
    const c = credentials[i]
    if (!c) return
    const body = JSON.parse(pingBody(i + Math.floor(sent / hosts) * 7)) as Record<string, unknown>
    const r = await fetch(`${server.baseUrl}/api/v1/agents/${c.id}/ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-app-key': c.key, 'x-app-secret': c.secret },
      body: JSON.stringify({ ...body, interval_sec: everySec }),
    })
    await r.arrayBuffer()
    if (r.status !== 200) throw new Error(`ping ${c.id}: HTTP ${r.status}`)
    sent += 1
  }
  // Spread evenly: one slice of the hosts every 100 ms.
  const slices = everySec * 10
  const perSlice = Math.ceil(hosts / slices)
  const loop = (async () => {
    for (let slice = 0; running; slice = (slice + 1) % slices) {
      const t = performance.now()
      await Promise.all(Array.from({ length: perSlice }, (_, k) => ping(slice * perSlice + k)))
      await sleep(Math.max(0, 100 - (performance.now() - t)))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return sent / ((performance.now() - started) / 1000)
    },
  }
}

/**
 * Copies an OpenClaw install with its log, and points the copy's config at the copied log: the log
 * lives outside the state dir, and turns written to the copy must not grow the kept data set's.
 */
function copyInstall(stateDir: string, to: string): string {
  cpSync(stateDir, to, { recursive: true })
  const configPath = join(to, 'openclaw.json')
  const config = JSON5.parse<{ logging?: { file?: string } }>(readFileSync(configPath, 'utf8'))
  const log = config.logging?.file
  if (log) {
    const copy = `${to}.log`
    if (existsSync(log)) cpSync(log, copy)
    config.logging = { ...config.logging, file: copy }
    writeFileSync(configPath, JSON.stringify(config, null, 2))
  }
  return to
}

export async function runDashboardBench(data: Dataset, params: DashboardParams, log: (m: string) => void): Promise<DashboardResult> {
  buildWeb(log)
  const browser = await launch()
  mkdirSync(BENCH_ROOT, { recursive: true })
  const work = mkdtempSync(join(BENCH_ROOT, 'dashboard-'))
  const logDir = join(BENCH_ROOT, 'server-logs')
  mkdirSync(logDir, { recursive: true })
  const token = `bench-${Date.now().toString(36)}`
  const agents = data.agentIds.legacy.length + data.agentIds.sqlite.length
  try {
    const fixture = join(work, 'fixture-home')
    cpSync(join(REPO_ROOT, 'test', 'fixtures', 'openclaw-2026.9.6', 'openclaw-home'), fixture, { recursive: true })
    const small = await startServer({
      dataDir: join(work, 'small'),
      openclawDirs: [fixture],
      token,
      outputFile: join(logDir, `dashboard-small-${token}.out`),
      expectAgents: 4,
      readyTimeoutMs: 60_000,
    })
    let baseline: PageLoad
    try {
      log(`  the dashboard with the fixture's 4 agents, ${params.loads} loads…`)
      baseline = await measureLoads(browser, small, 4, params.loads)
    } finally {
      await small.stop()
    }

    // A copy, as the turns below write to it and the data set is kept for later runs.
    const stateDirs = data.stateDirs.map((dir, i) => copyInstall(dir, join(work, `state-${i}`)))
    const server = await startServer({
      dataDir: join(work, 'fleet'),
      openclawDirs: stateDirs,
      token,
      outputFile: join(logDir, `dashboard-${token}.out`),
      expectAgents: agents,
      readyTimeoutMs: 300_000,
    })
    try {
      log(`  the dashboard with ${agents} agents, ${params.loads} loads…`)
      const fleet = await measureLoads(browser, server, agents, params.loads)
      log(`  registering ${params.hosts} hosts in ${params.pools} pools, each pinging every ${params.pingEverySec} s…`)
      const pinging = await startPinging(server, params.hosts, params.pools, params.pingEverySec)
      let pingsPerSec = 0
      const pages: PageUnderPings[] = []
      try {
        // The first history and snapshots settle before anything is measured.
        await sleep(3000)
        for (const route of ['/pools', '/pools/pool-0', '/']) {
          log(`  ${route} for ${params.windowSec} s while they ping…`)
          const { messages: _, ...watched } = await watchPage(browser, server, route, params.windowSec)
          pages.push(watched)
        }
      } finally {
        pingsPerSec = await pinging.stop()
      }
      const writing = startTurns(stateDirs, params.turnsPerSec, 7)
      let turnsPerSec = 0
      const underTurns: PageUnderTurns[] = []
      try {
        for (const route of ['/', '/conversations']) {
          log(`  ${route} for ${params.windowSec} s while the agents write ${params.turnsPerSec} turns/s…`)
          underTurns.push(await watchPage(browser, server, route, params.windowSec))
        }
      } finally {
        turnsPerSec = await writing.stop()
      }
      return { fleet, baseline, hosts: params.hosts, pools: params.pools, pingsPerSec, pages, turns: { turnsPerSec, pages: underTurns } }
    } finally {
      await server.stop()
    }
  } finally {
    await browser.close()
    rmSync(work, { recursive: true, force: true })
  }
}
