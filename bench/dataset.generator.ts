/**
 * Benchmark data: OpenClaw installs written with the writer, one legacy (JSONL) and one current
 * (SQLite), with realistic turns — long prompts and answers, bootstrap-context entries, fallbacks,
 * cooldowns — and their gateway logs. Big sets are cached under the temp dir, keyed by parameters.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createOpenClawWriter,
  createSeededRandom,
  createTextSource,
  type AgentSpec,
  type AttemptOutcome,
  type AttemptSpec,
  type ModelChain,
  type OpenClawWriter,
  type ProviderSpec,
  type SeededRandom,
  type TextSource,
  type WriterLayout,
} from '../scripts/openclaw-writer/index.js'

/** Bump when generated data changes shape, so caches are rebuilt. */
const GENERATOR_VERSION = 4

export interface DatasetSpec {
  name: string
  legacyAgents: number
  sqliteAgents: number
  /** Target JSONL bytes per legacy agent. */
  legacyBytesPerAgent: number
  /** Target transcript + trajectory JSON bytes per SQLite agent. */
  sqliteBytesPerAgent: number
  /** At least this many turns per agent, whatever the byte target. */
  minTurns: number
  /** `large`: prompts and answers of kilobytes, some pasted documents. `small`: a sentence or two. */
  texts: 'large' | 'small'
  seed: number
}

export interface Dataset {
  dir: string
  /** SQLite install first (when there is one), then the legacy one. */
  stateDirs: string[]
  logFiles: string[]
  agentIds: { legacy: string[]; sqlite: string[] }
  bytes: { jsonl: number; sqlite: number; log: number; other: number; total: number }
  turns: number
  generatedMs: number
  cached: boolean
}

interface Manifest extends Omit<Dataset, 'cached' | 'dir'> {
  spec: DatasetSpec
  version: number
}

export const BENCH_ROOT = join(tmpdir(), 'switchboard-bench')
const MANIFEST = 'manifest.json'
const START = Date.UTC(2026, 10, 1) // history spans the weeks before "now" of the run

const PROVIDERS: ProviderSpec[] = [
  { id: 'anthropic', auth: 'profile', cost: { input: 3, output: 15 } },
  { id: 'openai', auth: 'profile', cost: { input: 1.25, output: 10 } },
  { id: 'google', auth: 'inline', cost: { input: 1.25, output: 5 } },
  { id: 'deepseek', auth: 'inline', cost: { input: 0.27, output: 1.1 } },
  { id: 'qwen', auth: 'profile', cost: { input: 0.4, output: 1.2 } },
  { id: 'moonshot', auth: 'profile', cost: { input: 0.6, output: 2.5 } },
  { id: 'openrouter', auth: 'profile', cost: { input: 0.2, output: 0.6 } },
]

const CHAINS: ModelChain[] = [
  { primary: 'anthropic/claude-sonnet-4-5', fallbacks: ['openai/gpt-5.1', 'deepseek/deepseek-chat'] },
  { primary: 'openai/gpt-5.1', fallbacks: ['anthropic/claude-sonnet-4-5'] },
  { primary: 'google/gemini-2.5-pro', fallbacks: ['openai/gpt-5.1-mini'] },
  { primary: 'qwen/qwen3-max', fallbacks: ['moonshot/kimi-k2', 'deepseek/deepseek-chat'] },
  { primary: 'openrouter/meta-llama/llama-4-maverick', fallbacks: ['deepseek/deepseek-chat'] },
  { primary: 'deepseek/deepseek-chat', fallbacks: [] },
]

const PRIMARY_OUTCOMES: readonly (readonly [AttemptOutcome, number])[] = [
  ['ok', 0.88],
  ['rate_limit', 0.05],
  ['overloaded', 0.03],
  ['timeout', 0.02],
  ['auth', 0.01],
  ['billing', 0.01],
]

const FALLBACK_OUTCOMES: readonly (readonly [AttemptOutcome, number])[] = [
  ['ok', 0.9],
  ['rate_limit', 0.04],
  ['overloaded', 0.03],
  ['timeout', 0.03],
]

function cacheKey(spec: DatasetSpec): string {
  return createHash('sha256')
    .update(JSON.stringify({ spec, version: GENERATOR_VERSION }))
    .digest('hex')
    .slice(0, 12)
}

/** Returns the cached data set for `spec`, generating it first when missing or incomplete. */
export function ensureDataset(spec: DatasetSpec, opts: { regenerate?: boolean; log?: (m: string) => void } = {}): Dataset {
  const dir = join(BENCH_ROOT, `${spec.name}-${cacheKey(spec)}`)
  const manifestFile = join(dir, MANIFEST)
  if (!opts.regenerate && existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest
    if (m.version === GENERATOR_VERSION) {
      return { ...m, dir, cached: true }
    }
  }
  // A directory without a manifest is a generation that did not finish; other keys of the same
  // name are sets made with other parameters, replaced by this one.
  rmSync(dir, { recursive: true, force: true })
  if (existsSync(BENCH_ROOT)) {
    const stale = new RegExp(`^${spec.name}-[0-9a-f]{12}$`)
    for (const entry of readdirSync(BENCH_ROOT)) {
      if (stale.test(entry)) rmSync(join(BENCH_ROOT, entry), { recursive: true, force: true })
    }
  }
  return generateDataset(spec, dir, opts.log)
}

/** Writes a fresh data set into `dir` (which must not exist or be empty). */
export function generateDataset(spec: DatasetSpec, dir: string, log: (m: string) => void = () => {}): Dataset {
  const started = Date.now()
  mkdirSync(dir, { recursive: true })
  const random = createSeededRandom(spec.seed)
  const text = createTextSource(random.fork())
  const installs: { layout: WriterLayout; count: number; bytesPerAgent: number; prefix: string }[] = [
    { layout: 'sqlite' as const, count: spec.sqliteAgents, bytesPerAgent: spec.sqliteBytesPerAgent, prefix: 's' },
    { layout: 'legacy' as const, count: spec.legacyAgents, bytesPerAgent: spec.legacyBytesPerAgent, prefix: 'l' },
  ].filter((i) => i.count > 0)

  const stateDirs: string[] = []
  const logFiles: string[] = []
  const agentIds: Dataset['agentIds'] = { legacy: [], sqlite: [] }
  let turns = 0
  for (const install of installs) {
    const stateDir = join(dir, `openclaw-${install.layout}`)
    const logFile = join(dir, 'logs', install.layout, 'openclaw-2026-11-22.log')
    let t = START
    const agents: AgentSpec[] = Array.from({ length: install.count }, (_, i) => {
      const n = String(i + 1).padStart(4, '0')
      return {
        id: `${install.prefix}-agent-${n}`,
        name: i % 5 === 4 ? `助手 ${n}` : `Agent ${install.prefix.toUpperCase()}${n}`,
        model: CHAINS[i % CHAINS.length] as ModelChain,
      }
    })
    const writer = createOpenClawWriter({
      stateDir,
      layout: install.layout,
      logFile,
      defaults: CHAINS[0] as ModelChain,
      providers: PROVIDERS,
      agents,
      now: () => t,
      seed: random.int(1, 2 ** 30),
      deferRewrites: true,
      maxOpenDatabases: 16,
    })
    for (const agent of agents) {
      t = START + random.int(0, 3_600_000)
      let bytes = 0
      let n = 0
      // Bounded by bytes and by a hard turn cap, whatever the texts come out as.
      while ((bytes < install.bytesPerAgent || n < spec.minTurns) && n < 200_000) {
        t += random.int(20_000, 1_200_000)
        const result = writer.writeTurn(agent.id, {
          attempts: attemptsFor(writer, agent.id, agent.model as ModelChain, t, random),
          prompt: promptText(spec.texts, text, random),
          reply: replyText(spec.texts, text, random),
          newSession: n > 0 && random.chance(0.004),
        })
        bytes += result.bytesWritten
        n++
      }
      turns += n
      if (install.layout === 'legacy') agentIds.legacy.push(agent.id)
      else agentIds.sqlite.push(agent.id)
    }
    writer.close()
    stateDirs.push(stateDir)
    logFiles.push(logFile)
    log(`  ${install.layout}: ${install.count} agents written`)
  }

  const bytes = measure(dir)
  const manifest: Manifest = {
    spec,
    version: GENERATOR_VERSION,
    stateDirs,
    logFiles,
    agentIds,
    bytes,
    turns,
    generatedMs: Date.now() - started,
  }
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2))
  // Written out now, not by the kernel during the measurements that follow: the one full run
  // started right after a generation gave a paced GET p99 of 15.3 ms, the next 7.4 ms (bare 5.7).
  const flushStarted = Date.now()
  spawnSync('sync', { stdio: 'ignore' })
  log(`  written to disk in ${((Date.now() - flushStarted) / 1000).toFixed(1)} s`)
  return { ...manifest, dir, cached: false }
}

function attemptsFor(writer: OpenClawWriter, agentId: string, chain: ModelChain, at: number, random: SeededRandom): AttemptSpec[] {
  const out: AttemptSpec[] = []
  const refs = [chain.primary, ...chain.fallbacks]
  for (const [i, ref] of refs.entries()) {
    if (writer.isUnavailable(agentId, ref, at)) {
      out.push({ model: ref, outcome: 'cooldown_skip' })
      continue
    }
    const outcome = random.weighted(i === 0 ? PRIMARY_OUTCOMES : FALLBACK_OUTCOMES)
    out.push({ model: ref, outcome })
    if (outcome === 'ok') break
  }
  return out
}

function promptText(kind: DatasetSpec['texts'], text: TextSource, random: SeededRandom): string {
  if (kind === 'small') return text.prompt()
  // Now and then a pasted document or log excerpt; mostly a paragraph.
  return random.chance(0.15) ? `${text.prompt()}\n\n${text.prose(random.int(2_000, 12_000))}` : text.prose(random.int(60, 1_200))
}

function replyText(kind: DatasetSpec['texts'], text: TextSource, random: SeededRandom): string {
  return kind === 'small' ? text.reply() : text.prose(random.int(200, 9_000))
}

function measure(dir: string): Dataset['bytes'] {
  const bytes = { jsonl: 0, sqlite: 0, log: 0, other: 0, total: 0 }
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) {
        walk(p)
        continue
      }
      if (e.name === MANIFEST) continue
      const size = statSync(p).size
      if (e.name.endsWith('.jsonl')) bytes.jsonl += size
      else if (e.name.includes('.sqlite')) bytes.sqlite += size
      else if (e.name.endsWith('.log')) bytes.log += size
      else bytes.other += size
      bytes.total += size
    }
  }
  walk(dir)
  return bytes
}
