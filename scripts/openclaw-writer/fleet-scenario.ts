import { splitModelRef } from '../../src/shared/model-status.js'
import type { OpenClawWriter } from './openclaw-writer.js'
import type { SeededRandom } from './seeded-random.js'
import type { AgentSpec, AttemptOutcome, AttemptSpec, TurnResult } from './types.js'

/**
 * A fleet that behaves like one in production: providers have incidents (rate limits, overload,
 * slow responses, a revoked key, an exhausted budget), OpenClaw falls back, skips cooling-down
 * profiles, sometimes probes them, and returns to the primary when they recover.
 * All decisions come from the given random source and clock, so a seed replays the same story.
 */
export interface FleetScenario {
  /** Writes one turn for an agent picked at random; `at` is the time the turn ends. */
  step(at: number): StepReport
  /** Writes a turn with the given outcomes for the first chain models (e.g. to stage a state). */
  stage(installIndex: number, agentId: string, outcomes: AttemptOutcome[], cooldownMs?: number): TurnResult
  /** Adds an agent to one of the installs; returns null when the name pool is used up. */
  addAgent(): { install: number; agent: AgentSpec } | null
  /** Starts an incident now (otherwise they start at random). */
  startIncident(provider: string, kind: IncidentKind, at: number, durationMs: number): void
  incidents(): { provider: string; kind: IncidentKind; until: number }[]
}

export type IncidentKind = 'rate_limit' | 'overloaded' | 'timeout' | 'auth' | 'billing'

export interface StepReport {
  install: number
  agentId: string
  result: TurnResult
  attempts: AttemptSpec[]
  /** Set when the turn started a new session. */
  newSession: boolean
  /** Set when an incident started at this step. */
  incident: { provider: string; kind: IncidentKind; until: number } | null
}

export interface FleetScenarioOptions {
  installs: OpenClawWriter[]
  random: SeededRandom
  /** Mean number of provider incidents starting per minute of scenario time. Default is 0.4. */
  incidentsPerMinute?: number
  /** Chance per turn that the agent starts a new session. Default is 0.02. */
  newSessionRate?: number
  /** Chance that a cooling-down candidate is probed instead of skipped. Default is 0.2. */
  probeRate?: number
  /** Agents that `addAgent` may create, in order. Default is a small mixed-language pool. */
  newAgentPool?: AgentSpec[]
}

const INCIDENT_WEIGHTS: readonly (readonly [IncidentKind, number])[] = [
  ['rate_limit', 5],
  ['overloaded', 3],
  ['timeout', 2],
  ['auth', 1],
  ['billing', 0.6],
]

const BASELINE: readonly (readonly [AttemptOutcome, number])[] = [
  ['ok', 0.93],
  ['rate_limit', 0.025],
  ['timeout', 0.015],
  ['overloaded', 0.018],
  ['auth', 0.006],
  ['billing', 0.004],
]

/** A turn with a timeout and two fallbacks takes about this long. */
const BUSY_MS = 12_000

const DEFAULT_POOL: AgentSpec[] = [
  { id: 'scout', name: 'Scout', model: { primary: 'openai/gpt-5.1-mini', fallbacks: ['deepseek/deepseek-chat'] } },
  { id: 'shuju', name: '数据分析师', model: { primary: 'qwen/qwen3-max', fallbacks: ['deepseek/deepseek-chat'] } },
  { id: 'release', name: 'Release Bot', model: { primary: 'anthropic/claude-sonnet-4-5', fallbacks: ['openai/gpt-5.1'] } },
  { id: 'zhoubao', name: '周报助手', model: { primary: 'moonshot/kimi-k2', fallbacks: ['zhipu/glm-4.6'] } },
  { id: 'triage', name: 'Triage', model: { primary: 'openrouter/meta-llama/llama-4-maverick', fallbacks: ['openai/gpt-5.1-mini'] } },
  { id: 'zhishi', name: '知识库管家', model: { primary: 'zhipu/glm-4.6', fallbacks: ['qwen/qwen3-max', 'deepseek/deepseek-chat'] } },
]

export function createFleetScenario(options: FleetScenarioOptions): FleetScenario {
  const { installs, random } = options
  const incidentsPerMinute = options.incidentsPerMinute ?? 0.4
  let lastStepAt: number | null = null
  const newSessionRate = options.newSessionRate ?? 0.02
  const probeRate = options.probeRate ?? 0.2
  const pool = [...(options.newAgentPool ?? DEFAULT_POOL)]
  const active = new Map<string, { kind: IncidentKind; until: number }>()

  const providers = (): string[] => {
    const set = new Set<string>()
    for (const w of installs) {
      for (const a of w.agents()) for (const ref of [a.chain.primary, ...a.chain.fallbacks]) set.add(splitModelRef(ref).provider)
    }
    return [...set].sort()
  }

  const windowFor = (outcome: AttemptOutcome): number | undefined => {
    switch (outcome) {
      case 'rate_limit':
        return random.int(30, 90) * 1000
      case 'auth':
        return random.int(30, 60) * 1000
      case 'overloaded':
        return random.int(30, 45) * 1000
      case 'billing':
        return random.int(120, 240) * 1000
      case 'ok':
      case 'timeout':
      case 'cooldown_skip':
        return undefined
    }
  }

  const draw = (modelRef: string, at: number): AttemptOutcome => {
    const incident = active.get(splitModelRef(modelRef).provider)
    if (incident && incident.until > at && random.chance(0.85)) return incident.kind
    return random.weighted(BASELINE)
  }

  const attemptsFor = (writer: OpenClawWriter, agentId: string, at: number): AttemptSpec[] => {
    const agent = writer.agents().find((a) => a.id === agentId)
    if (!agent) return []
    const out: AttemptSpec[] = []
    for (const ref of [agent.chain.primary, ...agent.chain.fallbacks]) {
      let probe = false
      if (writer.isUnavailable(agentId, ref, at)) {
        const stats = writer.usageStats(agentId)[writer.profileFor(ref)]
        const disabled = stats?.disabledUntil !== undefined && stats.disabledUntil > at
        if (disabled || !random.chance(probeRate)) {
          out.push({ model: ref, outcome: 'cooldown_skip' })
          continue
        }
        probe = true
      }
      const outcome = draw(ref, at)
      const cooldownMs = windowFor(outcome)
      out.push({ model: ref, outcome, ...(probe ? { probe } : {}), ...(cooldownMs ? { cooldownMs } : {}) })
      if (outcome === 'ok') break
    }
    return out
  }

  const maybeIncident = (at: number): StepReport['incident'] => {
    for (const [p, i] of active) if (i.until <= at) active.delete(p)
    const minutes = lastStepAt === null ? 0 : Math.max(0, at - lastStepAt) / 60_000
    lastStepAt = at
    // Poisson arrivals: the chance depends on elapsed time, not on how often turns are written.
    if (!random.chance(1 - Math.exp(-incidentsPerMinute * minutes))) return null
    const candidates = providers().filter((p) => !active.has(p))
    if (candidates.length === 0) return null
    const provider = random.pick(candidates)
    const kind = random.weighted(INCIDENT_WEIGHTS)
    const until = at + random.int(30, 150) * 1000
    active.set(provider, { kind, until })
    return { provider, kind, until }
  }

  const pickAgent = (at: number): { install: number; agentId: string } | null => {
    const idle: (readonly [{ install: number; agentId: string }, number])[] = []
    const all: (readonly [{ install: number; agentId: string }, number])[] = []
    installs.forEach((w, install) => {
      for (const a of w.agents()) {
        const choice = [{ install, agentId: a.id }, install === 0 ? 1.4 : 1] as const
        all.push(choice)
        // An agent still busy with its last turn would have to answer in the future.
        if (a.lastTurnAt === null || at - a.lastTurnAt > BUSY_MS) idle.push(choice)
      }
    })
    const pool = idle.length ? idle : all
    return pool.length ? random.weighted(pool) : null
  }

  return {
    step(at) {
      const incident = maybeIncident(at)
      const picked = pickAgent(at)
      if (!picked) throw new Error('the fleet has no agents')
      const writer = installs[picked.install] as OpenClawWriter
      const attempts = attemptsFor(writer, picked.agentId, at)
      const newSession = random.chance(newSessionRate)
      const result = writer.writeTurn(picked.agentId, { attempts, newSession })
      return { install: picked.install, agentId: picked.agentId, result, attempts, newSession, incident }
    },

    stage(installIndex, agentId, outcomes, cooldownMs) {
      const writer = installs[installIndex]
      if (!writer) throw new RangeError(`no install ${installIndex}`)
      const agent = writer.agents().find((a) => a.id === agentId)
      if (!agent) throw new Error(`unknown agent ${agentId}`)
      const chain = [agent.chain.primary, ...agent.chain.fallbacks]
      const attempts = outcomes.map((outcome, i): AttemptSpec => {
        const window = cooldownMs ?? windowFor(outcome)
        return { model: chain[Math.min(i, chain.length - 1)] ?? agent.chain.primary, outcome, ...(window ? { cooldownMs: window } : {}) }
      })
      return writer.writeTurn(agentId, { attempts })
    },

    addAgent() {
      const spec = pool.shift()
      if (!spec) return null
      const install = random.int(0, installs.length - 1)
      const writer = installs[install] as OpenClawWriter
      if (writer.agents().some((a) => a.id === spec.id)) return null
      writer.addAgent(spec)
      return { install, agent: spec }
    },

    startIncident(provider, kind, at, durationMs) {
      active.set(provider, { kind, until: at + durationMs })
    },

    incidents: () => [...active].map(([provider, i]) => ({ provider, ...i })),
  }
}
