import { randomInt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { splitModelRef } from '../../src/shared/model-status.js'
import { applyAttempt, isUnavailable, type AuthFailureEvent } from './auth-state.rules.js'
import { buildTurnLogLines, createGatewayLogWriter, type GatewayLogWriter } from './gateway-log.writer.js'
import { createLegacyLayoutWriter } from './legacy-layout.writer.js'
import { apiOf, CONFIG_FILE, profileIdOf, readConfigFile } from './openclaw-config.js'
import { createSeededRandom } from './seeded-random.js'
import { createSqliteLayoutWriter } from './sqlite-layout.writer.js'
import { createTextSource } from './text-source.js'
import { planTurn } from './turn-plan.js'
import type { AgentInfo, AgentSpec, ModelChain, ProviderSpec, TurnResult, TurnSpec, UsageStats, WriterLayout } from './types.js'
import type { AgentRecord, LayoutContext, LayoutFactory, LayoutWriter, ProviderRecord, WriterConfig } from './writer-model.js'

/** Each layout's writer, by kind. */
const LAYOUTS: Record<WriterLayout, LayoutFactory> = {
  sqlite: createSqliteLayoutWriter,
  legacy: createLegacyLayoutWriter,
}

export interface OpenClawWriterOptions {
  /** Directory playing `~/.openclaw`; created when missing. */
  stateDir: string
  /** `sqlite` (2026.8+, the current one) or `legacy` (JSONL, ≤ 2026.6). */
  layout: WriterLayout
  /**
   * OpenClaw's JSONL log to append fallback decisions to; also written to `logging.file` in
   * `openclaw.json`. Default is none (no log).
   */
  logFile?: string | null
  /** `agents.defaults.model`. Default is the first agent's chain, or `openai/gpt-5.1` → `anthropic/claude-sonnet-4-5`. */
  defaults?: ModelChain
  /** Providers and how they authenticate. Providers named in chains but not here get `profile` auth. */
  providers?: ProviderSpec[]
  agents?: AgentSpec[]
  /** Clock for turns without `startAt`. Default is `Date.now`. */
  now?: () => number
  /** Seed of every id, text and duration. Default is a random seed. */
  seed?: number
  /**
   * Rewrite whole files (`sessions.json`, `auth-state.json`) only on `flush()`/`close()` instead of
   * after every turn; for bulk generation. Default is false.
   */
  deferRewrites?: boolean
  /** Agent databases kept open at once (SQLite layout). Default is 64. */
  maxOpenDatabases?: number
  /** `hostname` in log lines. Default is `openclaw-host`. */
  hostname?: string
}

export type OpenExistingOptions = Omit<OpenClawWriterOptions, 'layout' | 'defaults' | 'providers' | 'agents'> & {
  /** Default is what `openclaw.json` says (`agents.entries` → sqlite, `agents.list` → legacy). */
  layout?: WriterLayout
}

export interface OpenClawWriter {
  readonly stateDir: string
  readonly layout: WriterLayout
  readonly logFile: string | null
  agents(): AgentInfo[]
  addAgent(spec: AgentSpec): AgentInfo
  /** Starts a new session (the old transcript stays); returns its id. */
  startSession(agentId: string, at?: number): string
  /** Appends everything one turn produces: transcript, trajectory, session index, auth state, log. */
  writeTurn(agentId: string, turn: TurnSpec): TurnResult
  /** The auth profile a model's calls go through (`<provider>:default` or `inline-api-key:<provider>`). */
  profileFor(modelRef: string): string
  usageStats(agentId: string): Record<string, UsageStats>
  /** True while the model's profile is cooling down for it or disabled. */
  isUnavailable(agentId: string, modelRef: string, at?: number): boolean
  /** Replaces a profile's usage stats (null clears them) and writes the auth state. */
  setUsageStats(agentId: string, profileId: string, stats: UsageStats | null, at?: number): void
  flush(): void
  close(): void
}

const FALLBACK_DEFAULTS: ModelChain = { primary: 'openai/gpt-5.1', fallbacks: ['anthropic/claude-sonnet-4-5'] }

/** Creates a new install in `stateDir` (config, global database) with the given agents. */
export function createOpenClawWriter(options: OpenClawWriterOptions): OpenClawWriter {
  if (existsSync(join(options.stateDir, CONFIG_FILE))) {
    throw new Error(`${options.stateDir} already holds an install; use openOpenClawWriter() to append to it`)
  }
  const seed = options.seed ?? randomInt(0, 2 ** 31)
  const defaults = options.defaults ?? options.agents?.find((a) => a.model)?.model ?? FALLBACK_DEFAULTS
  const config: WriterConfig = {
    defaults: { primary: defaults.primary, fallbacks: [...defaults.fallbacks] },
    providers: new Map(),
    agents: [],
    gatewayToken: `dummy-gateway-token-${createSeededRandom(seed ^ 0x5a5a).hex(8)}`,
    logFile: options.logFile ?? null,
  }
  for (const p of options.providers ?? []) {
    config.providers.set(p.id, { id: p.id, auth: p.auth ?? 'profile', cost: p.cost ?? { input: 1, output: 2 }, models: [] })
  }
  const writer = assemble(options, config, seed)
  writer.addChainModels(config.defaults)
  for (const spec of options.agents ?? []) writer.register(spec)
  const at = (options.now ?? Date.now)()
  writer.layout.writeConfig(config, at)
  for (const agent of config.agents) writer.layout.createAgent(agent, at)
  return writer.api
}

/** Opens an install this writer created earlier, to keep appending to it. */
export function openOpenClawWriter(options: OpenExistingOptions): OpenClawWriter {
  if (!existsSync(join(options.stateDir, CONFIG_FILE))) throw new Error(`no ${CONFIG_FILE} in ${options.stateDir}`)
  const parsed = readConfigFile(options.stateDir)
  const seed = options.seed ?? randomInt(0, 2 ** 31)
  const config: WriterConfig = {
    defaults: parsed.defaults,
    providers: new Map(parsed.providers.map((p) => [p.id, p])),
    agents: [],
    gatewayToken: parsed.gatewayToken,
    logFile: options.logFile ?? parsed.logFile,
  }
  const writer = assemble({ ...options, layout: options.layout ?? parsed.layout }, config, seed)
  for (const spec of parsed.agents) writer.layout.loadAgent(writer.register(spec))
  return writer.api
}

interface Assembled {
  api: OpenClawWriter
  layout: LayoutWriter
  register(spec: AgentSpec): AgentRecord
  addChainModels(chain: ModelChain): void
}

function assemble(options: OpenClawWriterOptions, config: WriterConfig, seed: number): Assembled {
  const now = options.now ?? Date.now
  const random = createSeededRandom(seed)
  const text = createTextSource(random.fork())
  const log: GatewayLogWriter | null = config.logFile ? createGatewayLogWriter(config.logFile) : null
  const byId = new Map<string, AgentRecord>()

  const profileFor = (modelRef: string): string => {
    const { provider } = splitModelRef(modelRef)
    return profileIdOf(provider, config.providers.get(provider)?.auth ?? 'inline')
  }
  // 2026.4.15 kept usage stats only for stored profiles; inline keys left no trace.
  const recordsUsage = (profileId: string): boolean =>
    options.layout === 'sqlite' || !profileId.startsWith('inline-api-key:')

  const ctx: LayoutContext = {
    stateDir: options.stateDir,
    random: random.fork(),
    config,
    deferRewrites: options.deferRewrites ?? false,
    maxOpenDatabases: options.maxOpenDatabases ?? 64,
    now,
    profileFor,
    apiFor: apiOf,
  }
  const layout = LAYOUTS[options.layout](ctx)

  const addChainModels = (chain: ModelChain): void => {
    for (const ref of [chain.primary, ...chain.fallbacks]) {
      const { provider, model } = splitModelRef(ref)
      if (!provider) continue
      let p: ProviderRecord | undefined = config.providers.get(provider)
      if (!p) {
        p = { id: provider, auth: 'profile', cost: { input: 1, output: 2 }, models: [] }
        config.providers.set(provider, p)
      }
      if (!p.models.includes(model)) p.models.push(model)
    }
  }

  const register = (spec: AgentSpec): AgentRecord => {
    if (byId.has(spec.id)) throw new Error(`agent ${spec.id} already exists`)
    if (spec.model) addChainModels(spec.model)
    const agent: AgentRecord = {
      spec,
      id: spec.id,
      name: spec.name ?? spec.id,
      chain: spec.model ?? config.defaults,
      sessionId: null,
      sessionStartedAt: 0,
      lastEntryId: null,
      lastSnapshotRef: null,
      sessionCostUsd: 0,
      lastTurnEndAt: 0,
      usage: new Map(),
      history: [],
    }
    byId.set(spec.id, agent)
    config.agents.push(agent)
    return agent
  }

  const get = (agentId: string): AgentRecord => {
    const agent = byId.get(agentId)
    if (!agent) throw new Error(`unknown agent ${agentId}`)
    return agent
  }

  const info = (a: AgentRecord): AgentInfo => ({
    id: a.id,
    name: a.name,
    chain: { primary: a.chain.primary, fallbacks: [...a.chain.fallbacks] },
    sessionId: a.sessionId,
    lastTurnAt: a.lastTurnEndAt > 0 ? a.lastTurnEndAt : null,
  })

  const api: OpenClawWriter = {
    stateDir: options.stateDir,
    layout: options.layout,
    logFile: config.logFile,

    agents: () => config.agents.map(info),

    addAgent(spec) {
      const agent = register(spec)
      const at = now()
      layout.writeConfig(config, at)
      layout.createAgent(agent, at)
      return info(agent)
    },

    startSession(agentId, at) {
      const agent = get(agentId)
      layout.startSession(agent, at ?? now(), agent.sessionId)
      return agent.sessionId ?? ''
    },

    writeTurn(agentId, turn) {
      const agent = get(agentId)
      const plan = planTurn(turn, {
        chain: agent.chain,
        random,
        text,
        now: now(),
        notBefore: agent.lastTurnEndAt + 50,
        profileFor,
        costFor: (ref) => config.providers.get(splitModelRef(ref).provider)?.cost ?? { input: 1, output: 2 },
      })
      if (turn.newSession || !agent.sessionId) {
        layout.startSession(agent, plan.promptAt - random.int(200, 900), agent.sessionId)
      }
      const authEvents: AuthFailureEvent[] = []
      const probeReasons = new Map<number, string>()
      let authChanged = false
      for (const attempt of plan.attempts) {
        const current = agent.usage.get(attempt.profileId)
        if (attempt.probe) {
          probeReasons.set(attempt.index, current?.cooldownReason ?? current?.disabledReason ?? 'rate_limit')
        }
        if (!recordsUsage(attempt.profileId)) continue
        const { next, event } = applyAttempt(current, attempt)
        if (next !== current && next) {
          agent.usage.set(attempt.profileId, next)
          authChanged = true
        }
        if (event) authEvents.push(event)
      }
      const sessionId = agent.sessionId ?? ''
      const runId = options.layout === 'legacy' ? sessionId : plan.runId
      const written = layout.writeTurn(agent, { plan, runId, authChanged })
      agent.lastTurnEndAt = plan.endAt
      const lines = log
        ? buildTurnLogLines(plan, {
            layout: options.layout,
            sessionId,
            runId,
            authEvents,
            probeReasons,
            hostname: options.hostname ?? 'openclaw-host',
          })
        : []
      log?.append(lines)
      return {
        agentId,
        sessionId,
        runId,
        startedAt: plan.startAt,
        endedAt: plan.endAt,
        answeredBy: plan.answered?.modelRef ?? null,
        transcriptEvents: written.transcriptEvents,
        trajectoryEvents: written.trajectoryEvents,
        logLines: lines.length,
        bytesWritten: written.bytes,
        committedAt: written.committedAt,
      }
    },

    profileFor,

    usageStats(agentId) {
      return Object.fromEntries([...get(agentId).usage].map(([k, v]) => [k, { ...v }]))
    },

    isUnavailable(agentId, modelRef, at) {
      const agent = get(agentId)
      return isUnavailable(agent.usage.get(profileFor(modelRef)), splitModelRef(modelRef).model, at ?? now())
    },

    setUsageStats(agentId, profileId, stats, at) {
      const agent = get(agentId)
      if (stats) agent.usage.set(profileId, { ...stats })
      else agent.usage.delete(profileId)
      layout.writeAuthState(agent, at ?? now())
    },

    flush: () => layout.flush(),
    close: () => layout.close(),
  }

  return { api, layout, register, addChainModels }
}
