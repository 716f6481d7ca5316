import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ProviderRecord, WriterConfig } from './writer-model.js'
import type { AgentSpec, ModelChain, ProviderAuth, WriterLayout } from './types.js'

export const CONFIG_FILE = 'openclaw.json'

/** The dummy secrets written next to the data; tests look for them where nothing should serve them. */
export const DUMMY_SECRETS = {
  providerKey: (provider: string): string => `dummy-${provider}-key`,
  profileKey: (provider: string): string => `dummy-profile-key-${provider}`,
} as const

export function profileIdOf(provider: string, auth: ProviderAuth): string {
  return auth === 'profile' ? `${provider}:default` : `inline-api-key:${provider}`
}

export function apiOf(provider: string): string {
  if (provider === 'anthropic') return 'anthropic-messages'
  if (provider === 'google') return 'google-generative-ai'
  return 'openai-completions'
}

/** `openclaw.json` as the given release writes it: `agents.entries` (2026.8+) or `agents.list[]`. */
export function renderConfig(config: WriterConfig, layout: WriterLayout, at: number): object {
  const providers: Record<string, object> = {}
  for (const p of config.providers.values()) {
    providers[p.id] = {
      baseUrl: `https://${p.id}.example.invalid/v1`,
      apiKey: p.auth === 'profile' && layout === 'sqlite' ? `${p.id}:default` : DUMMY_SECRETS.providerKey(p.id),
      api: apiOf(p.id),
      ...(layout === 'sqlite' ? { timeoutSeconds: 60 } : {}),
      models: p.models.map((id) => ({
        id,
        name: id,
        reasoning: false,
        input: ['text'],
        cost: { input: p.cost.input, output: p.cost.output, cacheRead: 0, cacheWrite: 0 },
        contextWindow: 128000,
        maxTokens: 8192,
      })),
    }
  }
  const profiles: Record<string, object> = {}
  for (const p of config.providers.values()) {
    if (p.auth === 'profile') profiles[`${p.id}:default`] = { provider: p.id, mode: layout === 'sqlite' ? 'api_key' : 'token' }
  }
  const agentEntry = (a: AgentSpec): Record<string, unknown> => ({
    name: a.name ?? a.id,
    ...(a.model ? { model: { primary: a.model.primary, fallbacks: [...a.model.fallbacks] } } : {}),
  })
  const defaults = { primary: config.defaults.primary, fallbacks: [...config.defaults.fallbacks] }
  const gateway = { mode: 'local', bind: 'loopback', port: 18789, auth: { mode: 'token', token: config.gatewayToken } }
  const logging = config.logFile ? { logging: { file: config.logFile } } : {}

  if (layout === 'sqlite') {
    const entries: Record<string, unknown> = {}
    for (const a of config.agents) entries[a.id] = agentEntry(a.spec)
    return {
      models: { mode: 'merge', providers },
      agents: {
        defaults: { model: defaults, utilityModel: '', timeoutSeconds: 90 },
        ownership: 'explicit',
        entries,
      },
      gateway,
      meta: {
        migrations: { modelPolicyAllowlist: true, utilityModelSeparation: true },
        lastTouchedVersion: '2026.9.6',
      },
      auth: { profiles },
      ...logging,
    }
  }
  return {
    models: { mode: 'merge', providers },
    agents: {
      defaults: { model: defaults, timeoutSeconds: 60, llm: { idleTimeoutSeconds: 8 } },
      list: config.agents.map((a, i) => ({ id: a.id, ...(i === 0 ? { default: true } : {}), ...agentEntry(a.spec) })),
    },
    gateway,
    auth: { profiles },
    meta: { lastTouchedVersion: '2026.4.15', lastTouchedAt: new Date(at).toISOString() },
    ...logging,
  }
}

/** Atomic replace, as OpenClaw rewrites its config. */
export function writeConfigFile(stateDir: string, body: object): void {
  const file = join(stateDir, CONFIG_FILE)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n')
  renameSync(tmp, file)
}

export interface ParsedConfig {
  layout: WriterLayout
  defaults: ModelChain
  providers: ProviderRecord[]
  agents: AgentSpec[]
  gatewayToken: string
  logFile: string | null
}

/** Reads back a config this writer wrote (plain JSON), enough to append to that install. */
export function readConfigFile(stateDir: string): ParsedConfig {
  const raw = JSON.parse(readFileSync(join(stateDir, CONFIG_FILE), 'utf8')) as ConfigJson
  const agentsJson = raw.agents ?? {}
  const layout: WriterLayout = agentsJson.entries ? 'sqlite' : 'legacy'
  const profiles = raw.auth?.profiles ?? {}
  const providers: ProviderRecord[] = Object.entries(raw.models?.providers ?? {}).map(([id, p]) => ({
    id,
    auth: profiles[`${id}:default`] ? 'profile' : 'inline',
    cost: { input: p.models?.[0]?.cost?.input ?? 1, output: p.models?.[0]?.cost?.output ?? 2 },
    models: (p.models ?? []).map((m) => m.id),
  }))
  const toChain = (m: ChainJson | undefined): ModelChain | undefined =>
    m?.primary ? { primary: m.primary, fallbacks: [...(m.fallbacks ?? [])] } : undefined
  const agents: AgentSpec[] = agentsJson.entries
    ? Object.entries(agentsJson.entries).map(([id, a]) => withModel({ id, name: a.name ?? id }, toChain(a.model)))
    : (agentsJson.list ?? []).map((a) => withModel({ id: a.id, name: a.name ?? a.id }, toChain(a.model)))
  return {
    layout,
    defaults: toChain(agentsJson.defaults?.model) ?? { primary: 'openai/gpt-5.1', fallbacks: [] },
    providers,
    agents,
    gatewayToken: raw.gateway?.auth?.token ?? 'dummy-gateway-token',
    logFile: raw.logging?.file ?? null,
  }
}

function withModel(spec: AgentSpec, model: ModelChain | undefined): AgentSpec {
  return model ? { ...spec, model } : spec
}

interface ChainJson {
  primary?: string
  fallbacks?: string[]
}

interface ConfigJson {
  models?: { providers?: Record<string, { models?: { id: string; cost?: { input?: number; output?: number } }[] }> }
  agents?: {
    defaults?: { model?: ChainJson }
    entries?: Record<string, { name?: string; model?: ChainJson }>
    list?: { id: string; name?: string; model?: ChainJson }[]
  }
  gateway?: { auth?: { token?: string } }
  auth?: { profiles?: Record<string, unknown> }
  logging?: { file?: string }
}
