/**
 * A live demo fleet: two OpenClaw installs in temp dirs, one in the current SQLite layout and one in
 * the legacy JSONL layout, with twenty minutes of history and a new turn every few seconds —
 * fallbacks, cooldowns, a disabled profile now and then, recoveries, new sessions, new agents.
 *
 * `startDemo()` is called by `scripts/start.js --demo`; `node --import tsx scripts/demo.ts` runs it alone.
 */
import { randomInt } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  createFleetScenario,
  createOpenClawWriter,
  createSeededRandom,
  type AgentSpec,
  type OpenClawWriter,
  type ProviderSpec,
  type StepReport,
} from './openclaw-writer/index.js'

export interface DemoOptions {
  /** Directory to create the installs in. Default is a new directory under `os.tmpdir()`, removed by `stop()`. */
  baseDir?: string
  /** Mean pause between live turns; each pause is drawn from 0.6×–1.6× of it. Default is 1.5–4 s. */
  intervalMs?: number
  /** Receives one line per notable event (incidents, fallbacks, recoveries, new agents). Default is silence. */
  log?: (msg: string) => void
  /** Same seed, same story (ids, texts, outcomes, timings). Default is a random seed, logged at start. */
  seed?: number
  /** Minutes of history written before the live turns start. Default is 20. */
  historyMinutes?: number
  /** The moment the history ends and the live turns start, epoch ms. Default is now. */
  startAt?: number
}

export interface DemoHandle {
  /** OpenClaw state dirs (`~/.openclaw` equivalents): the SQLite install first, then the legacy one. */
  stateDirs: string[]
  /** OpenClaw JSONL logs, one per install (also named in each `openclaw.json` as `logging.file`). */
  logFiles: string[]
  stop(): Promise<void>
}

const CURRENT_PROVIDERS: ProviderSpec[] = [
  { id: 'anthropic', auth: 'profile', cost: { input: 3, output: 15 } },
  { id: 'openai', auth: 'profile', cost: { input: 1.25, output: 10 } },
  { id: 'deepseek', auth: 'inline', cost: { input: 0.27, output: 1.1 } },
  { id: 'qwen', auth: 'profile', cost: { input: 0.4, output: 1.2 } },
  { id: 'moonshot', auth: 'profile', cost: { input: 0.6, output: 2.5 } },
  { id: 'zhipu', auth: 'inline', cost: { input: 0.5, output: 2 } },
  { id: 'openrouter', auth: 'profile', cost: { input: 0.2, output: 0.6 } },
]

const CURRENT_AGENTS: AgentSpec[] = [
  { id: 'main', name: 'Main' },
  { id: 'research', name: '研究助理', model: { primary: 'openai/gpt-5.1', fallbacks: ['anthropic/claude-sonnet-4-5'] } },
  {
    id: 'ops',
    name: 'Ops On-call',
    model: { primary: 'openrouter/meta-llama/llama-4-maverick', fallbacks: ['deepseek/deepseek-chat'] },
  },
  { id: 'kefu', name: '客服小美', model: { primary: 'qwen/qwen3-max', fallbacks: ['moonshot/kimi-k2', 'deepseek/deepseek-chat'] } },
  {
    id: 'coder',
    name: 'Coder',
    model: { primary: 'anthropic/claude-opus-4-1', fallbacks: ['anthropic/claude-sonnet-4-5', 'openai/gpt-5.1-codex'] },
  },
  { id: 'fanyi', name: '翻译官', model: { primary: 'zhipu/glm-4.6', fallbacks: ['qwen/qwen3-max'] } },
]

const LEGACY_PROVIDERS: ProviderSpec[] = [
  { id: 'openai', auth: 'profile', cost: { input: 2, output: 8 } },
  { id: 'anthropic', auth: 'inline', cost: { input: 3, output: 15 } },
  { id: 'moonshot', auth: 'profile', cost: { input: 0.6, output: 2.5 } },
  { id: 'deepseek', auth: 'inline', cost: { input: 0.27, output: 1.1 } },
]

const LEGACY_AGENTS: AgentSpec[] = [
  { id: 'assistant', name: 'Assistant' },
  { id: 'xiezuo', name: '写作助手', model: { primary: 'moonshot/kimi-k2', fallbacks: ['deepseek/deepseek-chat'] } },
  { id: 'cron', name: 'Nightly Cron', model: { primary: 'deepseek/deepseek-chat', fallbacks: [] } },
]

const MAX_NEW_AGENTS = 4

export async function startDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  const log = opts.log ?? (() => {})
  const ownsBase = opts.baseDir === undefined
  const base = opts.baseDir ? resolve(opts.baseDir) : mkdtempSync(join(tmpdir(), 'switchboard-demo-'))
  mkdirSync(base, { recursive: true })
  // A demo always starts from scratch; only its own entries of a given base dir are replaced.
  for (const entry of ['openclaw-current', 'openclaw-legacy', 'logs']) rmSync(join(base, entry), { recursive: true, force: true })
  const seed = opts.seed ?? randomInt(1, 2 ** 31)
  const random = createSeededRandom(seed)
  const startAt = opts.startAt ?? Date.now()
  const historyMs = (opts.historyMinutes ?? 20) * 60_000
  const day = new Date(startAt).toISOString().slice(0, 10)

  let virtualNow = startAt - historyMs
  const clock = (): number => virtualNow

  const stateDirs = [join(base, 'openclaw-current'), join(base, 'openclaw-legacy')]
  const logFiles = [
    join(base, 'logs', 'current', `openclaw-${day}.log`),
    join(base, 'logs', 'legacy', `openclaw-${day}.log`),
  ]
  const installs: OpenClawWriter[] = [
    createOpenClawWriter({
      stateDir: stateDirs[0] as string,
      layout: 'sqlite',
      logFile: logFiles[0] as string,
      defaults: { primary: 'anthropic/claude-sonnet-4-5', fallbacks: ['openai/gpt-5.1', 'deepseek/deepseek-chat'] },
      providers: CURRENT_PROVIDERS,
      agents: CURRENT_AGENTS,
      now: clock,
      seed: random.int(1, 2 ** 30),
      hostname: 'demo-gateway',
    }),
    createOpenClawWriter({
      stateDir: stateDirs[1] as string,
      layout: 'legacy',
      logFile: logFiles[1] as string,
      defaults: { primary: 'openai/gpt-4.1', fallbacks: ['anthropic/claude-3-7-sonnet'] },
      providers: LEGACY_PROVIDERS,
      agents: LEGACY_AGENTS,
      now: clock,
      seed: random.int(1, 2 ** 30),
    }),
  ]
  const scenario = createFleetScenario({ installs, random: random.fork() })
  const names = new Map<string, string>()
  for (const w of installs) for (const a of w.agents()) names.set(a.id, a.name)

  const lastAnswer = new Map<string, string>()
  const describe = (r: StepReport): string | null => {
    const name = names.get(r.agentId) ?? r.agentId
    const parts: string[] = []
    if (r.incident) {
      parts.push(`incident: ${r.incident.provider} ${r.incident.kind} for ${Math.round((r.incident.until - virtualNow) / 1000)}s`)
    }
    if (r.newSession) parts.push(`${name}: new session`)
    const answered = r.result.answeredBy
    const primary = r.attempts[0]?.model
    const steps = r.attempts
      .filter((a) => a.outcome !== 'ok')
      .map((a) => (a.outcome === 'cooldown_skip' ? `${a.model} skipped (cooling down)` : `${a.model} ${a.outcome}`))
    if (steps.length > 0) parts.push(`${name}: ${steps.join(' → ')} → ${answered ? `answered by ${answered}` : 'turn failed'}`)
    else if (answered && answered === primary && lastAnswer.has(r.agentId) && lastAnswer.get(r.agentId) !== answered) {
      parts.push(`${name}: back on ${answered}`)
    }
    if (answered) lastAnswer.set(r.agentId, answered)
    return parts.length ? parts.join(' | ') : null
  }

  // History: one turn every 8–30 s over the last `historyMinutes`.
  let turns = 0
  while (turns < 2_000) {
    const next = virtualNow + random.int(8_000, 30_000)
    if (next > startAt - 15_000) break
    virtualNow = next
    scenario.step(virtualNow)
    turns++
  }

  // Leave a few states to look at right away: cooldowns ticking, a disabled profile, fallbacks.
  virtualNow = startAt - 12_000
  scenario.startIncident('openrouter', 'rate_limit', virtualNow, 90_000)
  scenario.stage(0, 'ops', ['rate_limit', 'ok'], 75_000)
  virtualNow = startAt - 8_000
  scenario.startIncident('qwen', 'billing', virtualNow, 150_000)
  scenario.stage(0, 'kefu', ['billing', 'ok'], 180_000)
  virtualNow = startAt - 4_000
  scenario.stage(1, 'xiezuo', ['rate_limit', 'ok'], 60_000)
  virtualNow = startAt
  scenario.stage(0, 'research', ['timeout', 'ok'])
  for (const w of installs) w.flush()
  log(`[demo] OpenClaw installs: ${stateDirs.join(', ')} (${turns + 4} turns of history, seed ${seed})`)

  // Live: pauses are drawn from the seed and laid on the wall clock, so lateness never accumulates.
  let stopped = false
  let timer: NodeJS.Timeout | null = null
  let added = 0
  let nextAgentAt = startAt + random.int(180, 360) * 1000
  const realAnchor = Date.now()
  let elapsed = 0
  let failures = 0

  const drawPause = (): number =>
    opts.intervalMs !== undefined
      ? random.int(Math.max(1, Math.round(opts.intervalMs * 0.6)), Math.max(1, Math.round(opts.intervalMs * 1.6)))
      : random.int(1_500, 4_000)

  const tick = (): void => {
    virtualNow = startAt + elapsed
    if (virtualNow >= nextAgentAt && added < MAX_NEW_AGENTS) {
      nextAgentAt = virtualNow + random.int(180, 360) * 1000
      const created = scenario.addAgent()
      if (created) {
        added++
        names.set(created.agent.id, created.agent.name ?? created.agent.id)
        log(`[demo] new agent ${created.agent.name ?? created.agent.id} (${created.install === 0 ? 'sqlite' : 'legacy'} install)`)
      }
    }
    const report = scenario.step(virtualNow)
    const line = describe(report)
    if (line) log(`[demo] ${line}`)
  }

  const schedule = (): void => {
    if (stopped) return
    elapsed += drawPause()
    const wait = Math.max(0, realAnchor + elapsed - Date.now())
    timer = setTimeout(() => {
      timer = null
      if (stopped) return
      try {
        tick()
        failures = 0
      } catch (err) {
        failures++
        // Keep going: a demo that stops on one bad write is worse than one that logs it.
        if (failures <= 3 || failures % 50 === 0) log(`[demo] write failed: ${err instanceof Error ? err.message : String(err)}`)
      }
      schedule()
    }, wait)
  }
  schedule()

  return {
    stateDirs,
    logFiles,
    async stop() {
      if (stopped) return
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      for (const w of installs) {
        try {
          w.close()
        } catch (err) {
          log(`[demo] close failed: ${err instanceof Error ? err.message : String(err)}`)
        }
      }
      if (ownsBase) rmSync(base, { recursive: true, force: true })
    },
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href
if (invokedDirectly) {
  startDemo({ log: (m) => console.log(m) }).then(
    (demo) => {
      console.log(`state dirs: ${demo.stateDirs.join(' ')}\nlog files:  ${demo.logFiles.join(' ')}\nCtrl-C to stop.`)
      const shutdown = (): void => {
        void demo.stop().then(() => process.exit(0))
      }
      process.once('SIGINT', shutdown)
      process.once('SIGTERM', shutdown)
    },
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
