import { splitModelRef } from '../../src/shared/model-status.js'
import { FAILURES, type FailureShape } from './failure-catalogue.js'
import type { SeededRandom } from './seeded-random.js'
import type { TextSource } from './text-source.js'
import type { AttemptOutcome, AttemptSpec, ModelChain, TokenUsage, TurnSpec } from './types.js'

/** One attempt with everything decided: times, profile, wording. */
export interface PlannedAttempt {
  /** 0-based position in this turn. */
  index: number
  /** 1-based position in the configured chain (OpenClaw's `attempt`); falls back to index + 1. */
  chainPosition: number
  modelRef: string
  provider: string
  modelId: string
  outcome: AttemptOutcome
  probe: boolean
  profileId: string
  startAt: number
  endAt: number
  /** Cooldown, or disable window for billing, that this failure starts. 0 for none. */
  windowMs: number
  failure: FailureShape | null
  /** The provider's error text (2026.9.6 wording); null for `ok`. */
  errorMessage: string | null
  /** The 2026.4.15 log's `errorPreview`; null for `ok`. */
  legacyPreview: string | null
}

export interface PlannedUsage extends TokenUsage {
  totalTokens: number
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number }
}

export interface TurnPlan {
  runId: string
  prompt: string
  reply: string
  usage: PlannedUsage
  requested: { ref: string; provider: string; modelId: string }
  /** Size of the configured chain (OpenClaw's `total`). */
  total: number
  attempts: PlannedAttempt[]
  answered: PlannedAttempt | null
  startAt: number
  endAt: number
  /** Timestamp of the user's message (a moment before the run starts). */
  promptAt: number
}

export interface PlanContext {
  chain: ModelChain
  random: SeededRandom
  text: TextSource
  now: number
  /** Turns of one agent do not overlap: a turn starts no earlier than this. */
  notBefore: number
  profileFor(modelRef: string): string
  costFor(modelRef: string): { input: number; output: number }
}

const DURATION_MS: Record<AttemptOutcome, readonly [number, number]> = {
  ok: [600, 4_000],
  rate_limit: [60, 400],
  timeout: [8_000, 8_400],
  auth: [40, 200],
  billing: [40, 200],
  overloaded: [300, 2_000],
  cooldown_skip: [1, 10],
}

export function planTurn(spec: TurnSpec, ctx: PlanContext): TurnPlan {
  const { random } = ctx
  if (spec.attempts.length === 0) throw new RangeError('a turn needs at least one attempt')
  const chainRefs = [ctx.chain.primary, ...ctx.chain.fallbacks]
  const prompt = spec.prompt ?? ctx.text.prompt()
  const reply = spec.reply ?? ctx.text.reply()

  // Stop at the first answer: OpenClaw does not try further candidates once one succeeded.
  const firstOk = spec.attempts.findIndex((a) => a.outcome === 'ok')
  const specs: AttemptSpec[] = firstOk < 0 ? spec.attempts : spec.attempts.slice(0, firstOk + 1)

  let durations = specs.map((a) => a.durationMs ?? drawDuration(a.outcome, reply.length, random))
  let gaps = specs.map((a, i) => (i === 0 ? 0 : a.outcome === 'cooldown_skip' ? random.int(1, 5) : random.int(80, 600)))
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0)
  const room = ctx.now - ctx.notBefore
  if (spec.startAt === undefined && room < sum(durations) + sum(gaps) && room >= 50 * specs.length) {
    // The agent's previous turn ended moments ago: squeeze this one in rather than end in the future.
    const factor = room / (sum(durations) + sum(gaps))
    durations = durations.map((d) => Math.max(1, Math.floor(d * factor)))
    gaps = gaps.map((g) => Math.floor(g * factor))
  }
  const total = sum(durations) + sum(gaps)
  const startAt = spec.startAt ?? Math.max(ctx.now - total, ctx.notBefore)
  const promptAt = startAt - random.int(50, 400)

  let t = startAt
  const attempts = specs.map((a, index): PlannedAttempt => {
    t += gaps[index] ?? 0
    const begin = t
    t += durations[index] ?? 0
    const { provider, model } = splitModelRef(a.model)
    const failure = a.outcome === 'ok' ? null : FAILURES[a.outcome]
    const windowMs = a.cooldownMs ?? failure?.defaultWindowMs ?? 0
    const profileId = ctx.profileFor(a.model)
    const chainIndex = chainRefs.indexOf(a.model)
    const fctx = { modelId: model, modelRef: a.model, windowMs, profileId }
    return {
      index,
      chainPosition: chainIndex >= 0 ? chainIndex + 1 : index + 1,
      modelRef: a.model,
      provider,
      modelId: model,
      outcome: a.outcome,
      probe: a.probe ?? false,
      profileId,
      startAt: begin,
      endAt: t,
      windowMs,
      failure,
      errorMessage: failure ? failure.errorMessage(fctx) : null,
      legacyPreview: failure ? failure.legacyPreview(fctx) : null,
    }
  })

  const answered = attempts.find((a) => a.outcome === 'ok') ?? null
  const requested = splitModelRef(ctx.chain.primary)
  return {
    runId: random.uuid(),
    prompt,
    reply,
    usage: answered ? drawUsage(spec.usage, ctx.costFor(answered.modelRef), random) : zeroUsage(),
    requested: { ref: ctx.chain.primary, provider: requested.provider, modelId: requested.model },
    total: Math.max(chainRefs.length, attempts.length),
    attempts,
    answered,
    startAt,
    endAt: t,
    promptAt,
  }
}

function drawDuration(outcome: AttemptOutcome, replyChars: number, random: SeededRandom): number {
  const [min, max] = DURATION_MS[outcome]
  const base = random.int(min, max)
  return outcome === 'ok' ? Math.min(base + Math.round(replyChars / 40), 30_000) : base
}

function drawUsage(
  given: Partial<TokenUsage> | undefined,
  price: { input: number; output: number },
  random: SeededRandom,
): PlannedUsage {
  const input = given?.input ?? random.int(800, 9_000)
  const output = given?.output ?? random.int(20, 1_500)
  const cacheRead = given?.cacheRead ?? (random.chance(0.4) ? random.int(500, 20_000) : 0)
  const cacheWrite = given?.cacheWrite ?? 0
  const costIn = round9((input * price.input) / 1e6)
  const costOut = round9((output * price.output) / 1e6)
  const costCache = round9((cacheRead * price.input * 0.1) / 1e6)
  return {
    input,
    output,
    cacheRead,
    cacheWrite,
    totalTokens: input + output + cacheRead + cacheWrite,
    cost: { input: costIn, output: costOut, cacheRead: costCache, cacheWrite: 0, total: round9(costIn + costOut + costCache) },
  }
}

export function zeroUsage(): PlannedUsage {
  return {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 0,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  }
}

function round9(n: number): number {
  return Math.round(n * 1e9) / 1e9
}
