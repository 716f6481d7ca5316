/**
 * The parts of `openclaw.json` (JSON5) that Switchboard needs. The parsed document also holds
 * provider API keys and the gateway token; only the fields below leave this module, the rest is
 * dropped with the parsed object.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import JSON5 from 'json5'
import type { ModelChainConfig } from '../../../shared/model-status.js'
import { errorText, isObject, obj, setOwn, str, type JsonObject } from './record-fields.js'
import { readRegularFile, SkippedFileError } from './regular-file.js'

export interface ConfiguredAgent {
  id: string
  name: string
  /** The agent's own `model` merged over the defaults. */
  model: ModelChainConfig
}

export interface OpenClawConfigSummary {
  defaults: ModelChainConfig
  /** In config order. */
  agents: ConfiguredAgent[]
  authProfiles: Record<string, { provider: string; mode: string }>
  /** `logging.file`, resolved to an absolute path; null when not set. */
  logFile: string | null
}

export type ConfigReadResult =
  | { kind: 'ok'; config: OpenClawConfigSummary }
  | { kind: 'missing' }
  | { kind: 'invalid'; place: string; reason: string }

export const EMPTY_CHAIN: ModelChainConfig = { primary: null, fallbacks: [] }

type ModelSpec = { primary?: string | null; fallbacks?: string[] }

function modelSpec(value: unknown): ModelSpec | null {
  if (typeof value === 'string') return value.trim() ? { primary: value.trim() } : null
  const o = obj(value)
  if (o === null) return null
  const spec: ModelSpec = {}
  const primary = str(o.primary)
  if (primary !== null) spec.primary = primary
  if (Array.isArray(o.fallbacks)) spec.fallbacks = o.fallbacks.filter((f): f is string => typeof f === 'string' && f.length > 0)
  return spec
}

/** A per-agent model overrides only the keys it sets: a bare primary keeps the default fallbacks. */
function mergeChain(base: ModelChainConfig, spec: ModelSpec | null): ModelChainConfig {
  if (spec === null) return { primary: base.primary, fallbacks: [...base.fallbacks] }
  return {
    primary: spec.primary ?? base.primary,
    fallbacks: spec.fallbacks ? [...spec.fallbacks] : [...base.fallbacks],
  }
}

function agentName(id: string, entry: JsonObject): string {
  const identity = obj(entry.identity)
  return str(entry.name) ?? (identity ? str(identity.name) : null) ?? id
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home
  if (path.startsWith('~/')) return join(home, path.slice(2))
  return path
}

/** Extracts the summary from a parsed document. Exported for tests; use `parseOpenClawConfig`. */
export function summarizeConfig(document: unknown, stateDir: string, home: string = homedir()): OpenClawConfigSummary {
  const root = obj(document) ?? {}
  const agentsNode = obj(root.agents) ?? {}
  const defaultsNode = obj(agentsNode.defaults) ?? {}
  const defaults = mergeChain(EMPTY_CHAIN, modelSpec(defaultsNode.model))

  const agents: ConfiguredAgent[] = []
  const seen = new Set<string>()
  const add = (id: string, entry: JsonObject) => {
    if (seen.has(id)) return
    seen.add(id)
    agents.push({ id, name: agentName(id, entry), model: mergeChain(defaults, modelSpec(entry.model)) })
  }
  // 2026.7+ keys agents by id; older releases keep a list.
  const entries = obj(agentsNode.entries)
  if (entries !== null) {
    for (const [id, entry] of Object.entries(entries)) if (id && isObject(entry)) add(id, entry)
  }
  if (Array.isArray(agentsNode.list)) {
    for (const entry of agentsNode.list) {
      if (!isObject(entry)) continue
      const id = str(entry.id)
      if (id !== null) add(id, entry)
    }
  }

  const authProfiles: OpenClawConfigSummary['authProfiles'] = {}
  const profiles = obj(obj(root.auth)?.profiles)
  if (profiles !== null) {
    for (const [id, p] of Object.entries(profiles)) {
      if (!isObject(p)) continue
      setOwn(authProfiles, id, { provider: str(p.provider) ?? '', mode: str(p.mode) ?? '' })
    }
  }

  const file = str(obj(root.logging)?.file)
  const logFile = file === null ? null : resolve(stateDir, expandHome(file, home))

  return { defaults, agents, authProfiles, logFile: logFile && isAbsolute(logFile) ? logFile : null }
}

/** `text` as plain JSON, or undefined when it is not (JSON5's comments, trailing commas…). */
function parsePlainJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

export function parseOpenClawConfig(text: string, stateDir: string, home?: string): ConfigReadResult {
  let document: unknown
  try {
    // OpenClaw writes its config as plain JSON; JSON5 is for one edited by hand. Plain JSON is a
    // subset that JSON.parse reads the same and a hundred times faster (0.2 ms against 20–40 ms
    // for a 40 KB config of 100 agents, on every start and every change).
    document = parsePlainJson(text) ?? JSON5.parse(text)
  } catch (err) {
    const line = (err as { lineNumber?: unknown }).lineNumber
    return {
      kind: 'invalid',
      place: `${join(stateDir, 'openclaw.json')}:${typeof line === 'number' ? line : 1}`,
      reason: `invalid JSON5: ${errorText(err)}`,
    }
  }
  if (!isObject(document)) {
    return { kind: 'invalid', place: `${join(stateDir, 'openclaw.json')}:1`, reason: 'openclaw.json is not an object' }
  }
  return { kind: 'ok', config: summarizeConfig(document, stateDir, home) }
}

export async function readOpenClawConfig(stateDir: string, home?: string): Promise<ConfigReadResult> {
  let text: string
  try {
    text = await readRegularFile(join(stateDir, 'openclaw.json'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' }
    if (err instanceof SkippedFileError) return { kind: 'invalid', place: err.path, reason: err.reason }
    return { kind: 'invalid', place: join(stateDir, 'openclaw.json'), reason: `unreadable: ${errorText(err)}` }
  }
  return parseOpenClawConfig(text, stateDir, home)
}
