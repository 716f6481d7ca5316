/**
 * Model status rules: pure functions of an agent's facts and the time. No I/O, no clock of their
 * own — tests pin `now`. The rules are those of seed 000 §4.1.2, combined with OpenClaw's own
 * auth-profile state (which, when present, is an observation and wins over any inference).
 */
import {
  clockTime,
  splitModelRef,
  type AgentModelStatus,
  type AuthProfileStatus,
  type FailureReason,
  type ModelError,
  type ModelStatus,
  type ModelSwitchEvent,
  type SwitchReason,
} from '../../shared/model-status.js'
import { shortHash } from './short-hash.js'
import { FACT_WINDOW, SWITCH_MEMORY, type AgentFacts, type AttemptFact, type DecisionFact } from './agent-facts.js'

/** Two records of the same attempt from different places lie at most this far apart. */
const SAME_ATTEMPT_MS = 30_000
/** A switch read from a transcript and the same switch read from the log lie at most this far apart. */
const SAME_SWITCH_MS = 120_000
/** Seed rule 4: more than this many consecutive rate-limit failures… */
const DISABLE_AFTER_RATE_LIMITS = 3
/** …within this window, with no success since, and the model is considered disabled (inferred). */
const DISABLE_WINDOW_MS = 10 * 60_000

interface Outcome {
  model: string
  sessionId: string | null
  at: number
  ok: boolean
  reason: FailureReason | null
  httpStatus: number | null
  message: string | null
  /** Lower wins when records are merged: OpenClaw's log states its own classification. */
  rank: number
}

const RANK = { log: 0, trajectory: 1, transcript: 2 } as const

/**
 * A candidate skipped because its auth profile is cooling down fails with no reason of its own
 * ("Auth profile … is temporarily unavailable"); the probe decision just before it names the
 * cooldown's reason.
 */
function decisionReason(d: DecisionFact, decisions: DecisionFact[], index: number): FailureReason | null {
  if (d.reason && d.reason !== 'unknown') return d.reason
  for (let i = index - 1; i >= 0; i--) {
    const p = decisions[i]!
    if (d.at - p.at > SAME_ATTEMPT_MS) break
    if (p.decision === 'probe_cooldown_candidate' && p.candidate === d.candidate && p.runId === d.runId && p.reason) return p.reason
  }
  return d.reason
}

function sameSession(a: string | null, b: string | null): boolean {
  return a === null || b === null || a === b
}

/** Every outcome (answer or failure) once, merged across the log, trajectories and transcripts. */
export function mergeOutcomes(facts: Pick<AgentFacts, 'attempts' | 'decisions'>): Outcome[] {
  const raw: Outcome[] = []
  for (const a of facts.attempts) {
    if (a.outcome === 'started') continue
    raw.push({
      model: a.model,
      sessionId: a.sessionId,
      at: a.at,
      ok: a.outcome === 'succeeded',
      reason: a.outcome === 'succeeded' ? null : (a.reason ?? (a.outcome === 'aborted' ? 'timeout' : 'unknown')),
      httpStatus: a.httpStatus,
      message: a.message,
      rank: RANK[a.source],
    })
  }
  facts.decisions.forEach((d, index) => {
    if (d.decision !== 'candidate_failed' && d.decision !== 'candidate_succeeded') return
    raw.push({
      model: d.candidate,
      sessionId: d.sessionId,
      at: d.at,
      ok: d.decision === 'candidate_succeeded',
      reason: d.decision === 'candidate_failed' ? (decisionReason(d, facts.decisions, index) ?? 'unknown') : null,
      httpStatus: d.httpStatus,
      message: d.message,
      rank: RANK.log,
    })
  })
  raw.sort((a, b) => a.at - b.at || a.rank - b.rank)
  const merged: Outcome[] = []
  for (const o of raw) {
    let match: Outcome | undefined
    for (let i = merged.length - 1; i >= 0; i--) {
      const m = merged[i]!
      if (o.at - m.at > SAME_ATTEMPT_MS) break
      if (m.model === o.model && m.ok === o.ok && m.rank !== o.rank && sameSession(m.sessionId, o.sessionId)) {
        match = m
        break
      }
    }
    if (!match) {
      merged.push({ ...o })
    } else if (o.rank < match.rank) {
      match.reason = o.reason ?? match.reason
      match.httpStatus = o.httpStatus ?? match.httpStatus
      match.message = o.message ?? match.message
      match.rank = o.rank
      match.sessionId = match.sessionId ?? o.sessionId
    } else {
      match.httpStatus = match.httpStatus ?? o.httpStatus
      match.sessionId = match.sessionId ?? o.sessionId
    }
  }
  return merged
}

function makeSwitch(
  facts: AgentFacts,
  id: string,
  from: string,
  to: string,
  reason: SwitchReason,
  at: number,
  extra: Partial<Pick<ModelSwitchEvent, 'sessionId' | 'runId' | 'httpStatus' | 'message'>> & {
    source: ModelSwitchEvent['source']
  },
): ModelSwitchEvent {
  return {
    id,
    agentId: facts.agentId,
    fromModel: from,
    toModel: to,
    reason,
    timestamp: at,
    time: clockTime(at),
    sessionId: extra.sessionId ?? null,
    runId: extra.runId ?? null,
    httpStatus: extra.httpStatus ?? null,
    source: extra.source,
    message: extra.message ?? null,
  }
}

function chainIndex(facts: AgentFacts, model: string): number {
  if (facts.config.primary === model) return 0
  const i = facts.config.fallbacks.indexOf(model)
  return i < 0 ? Number.POSITIVE_INFINITY : i + 1
}

/** Which source's `started` records describe a session's attempts: transcripts when it has them. */
function startsBySession(attempts: AttemptFact[]): Map<string, AttemptFact[]> {
  const bySession = new Map<string, { transcript: AttemptFact[]; trajectory: AttemptFact[] }>()
  for (const a of attempts) {
    if (a.outcome !== 'started') continue
    const s = bySession.get(a.sessionId) ?? { transcript: [], trajectory: [] }
    s[a.source].push(a)
    bySession.set(a.sessionId, s)
  }
  const out = new Map<string, AttemptFact[]>()
  for (const [id, s] of bySession) out.set(id, s.transcript.length > 0 ? s.transcript : s.trajectory)
  return out
}

/**
 * Switches derivable from the facts in the window: failovers stated by OpenClaw's log, failovers
 * seen as consecutive attempts on different models within a turn, and changes of the answering
 * model between turns (recovery to a higher model, a manual `/model`, or a skip past a model).
 * A transcript switch that the log also states is reported once, as the log states it.
 */
export function deriveSwitches(facts: AgentFacts, outcomes: Outcome[] = mergeOutcomes(facts)): ModelSwitchEvent[] {
  const logSwitches: ModelSwitchEvent[] = []
  facts.decisions.forEach((d, index) => {
    if (d.decision !== 'candidate_failed' || !d.next) return
    logSwitches.push(
      makeSwitch(facts, `log:${d.eventId}`, d.candidate, d.next, decisionReason(d, facts.decisions, index) ?? 'unknown', d.at, {
        source: 'log',
        sessionId: d.sessionId,
        runId: d.runId,
        httpStatus: d.httpStatus,
        message: d.message,
      }),
    )
  })
  const matchesLog = (from: string, to: string, at: number, sessionId: string | null): boolean =>
    logSwitches.some(
      (l) =>
        l.fromModel === from &&
        l.toModel === to &&
        Math.abs(l.timestamp - at) <= SAME_SWITCH_MS &&
        (sameSession(l.sessionId, sessionId) || l.runId === sessionId),
    )

  const failures = outcomes.filter((o) => !o.ok)
  const lastFailureBetween = (model: string, sessionId: string, from: number, to: number): Outcome | undefined => {
    let found: Outcome | undefined
    for (const f of failures) {
      if (f.at < from - 1) continue
      if (f.at > to) break
      if (f.model === model && sameSession(f.sessionId, sessionId)) found = f
    }
    return found
  }

  const answers = outcomes.filter((o) => o.ok)
  const answeredBetween = (sessionId: string, from: number, to: number): boolean =>
    answers.some((a) => a.at > from && a.at < to && sameSession(a.sessionId, sessionId))

  const attemptSwitches: ModelSwitchEvent[] = []
  for (const [sessionId, starts] of startsBySession(facts.attempts)) {
    let current: AttemptFact | undefined
    let turnFirst: AttemptFact | undefined
    for (const s of starts) {
      if (!current || s.model === current.model) {
        current = s
        turnFirst ??= s
        continue
      }
      // A failover is a new candidate after a failure within the same turn. Without a failure in
      // between, after an answer, or back to where the turn began or up the chain (fallbacks only
      // go down it), the new attempt opens a new turn instead.
      const failure = lastFailureBetween(current.model, sessionId, current.at, s.at)
      const newTurn =
        !failure ||
        answeredBetween(sessionId, current.at, s.at) ||
        s.model === turnFirst?.model ||
        chainIndex(facts, s.model) < chainIndex(facts, current.model)
      if (newTurn) {
        current = s
        turnFirst = s
        continue
      }
      if (!matchesLog(current.model, s.model, s.at, sessionId)) {
        attemptSwitches.push(
          makeSwitch(facts, `att:${s.eventId}`, current.model, s.model, failure?.reason ?? 'unknown', s.at, {
            source: s.source,
            sessionId,
            runId: s.runId,
            httpStatus: failure?.httpStatus ?? null,
            message: failure?.message ?? null,
          }),
        )
      }
      current = s
    }
  }

  const failovers = [...logSwitches, ...attemptSwitches]
  const answerSwitches: ModelSwitchEvent[] = []
  for (let i = 1; i < answers.length; i++) {
    const prev = answers[i - 1]!
    const next = answers[i]!
    if (prev.model === next.model) continue
    const explained = failovers.some(
      (f) => f.toModel === next.model && f.timestamp >= prev.at - 1 && f.timestamp <= next.at + 1,
    )
    if (explained) continue
    const manual = facts.modelChanges.some(
      (c) => !c.initial && c.model === next.model && c.at > prev.at && c.at <= next.at,
    )
    let reason: SwitchReason
    if (manual) reason = 'manual'
    else if (chainIndex(facts, next.model) < chainIndex(facts, prev.model)) reason = 'recovery'
    else reason = lastFailureBetween(prev.model, next.sessionId ?? '', prev.at, next.at)?.reason ?? 'unknown'
    answerSwitches.push(
      makeSwitch(facts, `ans:${shortHash(`${next.sessionId ?? ''}:${next.at}`)}`, prev.model, next.model, reason, next.at, {
        source: manual ? 'transcript' : 'transcript',
        sessionId: next.sessionId,
      }),
    )
  }

  return [...failovers, ...answerSwitches].sort((a, b) => b.timestamp - a.timestamp || a.id.localeCompare(b.id))
}

/**
 * Merges freshly derived switches into the known history. Switches whose facts are still in the
 * window are replaced by what the window says now (a transcript switch the log later states
 * differently is removed); older ones are kept as they were.
 */
export function mergeSwitchHistory(
  facts: AgentFacts,
  derived: ModelSwitchEvent[],
): { history: ModelSwitchEvent[]; added: ModelSwitchEvent[]; removed: string[] } {
  const attemptsFull = facts.attempts.length >= FACT_WINDOW
  const decisionsFull = facts.decisions.length >= FACT_WINDOW
  const attemptFloor = attemptsFull ? facts.attempts[0]!.at + SAME_SWITCH_MS : Number.NEGATIVE_INFINITY
  const decisionFloor = decisionsFull ? facts.decisions[0]!.at + SAME_SWITCH_MS : Number.NEGATIVE_INFINITY
  const derivable = (source: string, timestamp: number): boolean =>
    source === 'log' ? timestamp >= decisionFloor : timestamp >= attemptFloor

  // Snapshots saved before `knownSwitches` existed start from their history.
  const known: Map<string, string> =
    (facts.knownSwitches as Map<string, string> | undefined) ?? new Map(facts.switchHistory.map((s) => [s.id, switchSignature(s)]))
  const nextKnown = new Map<string, string>()
  const added: ModelSwitchEvent[] = []
  for (const s of derived) {
    const sig = switchSignature(s)
    nextKnown.set(s.id, sig)
    if (known.get(s.id) !== sig) added.push(s)
  }
  // A switch the window no longer yields although its facts are still there was superseded (the
  // log stated it differently); one whose facts left the window simply stays as saved.
  const removed: string[] = []
  for (const [id, sig] of known) {
    if (nextKnown.has(id)) continue
    const [ts, source] = sig.split('|', 2)
    if (derivable(source ?? '', Number(ts))) removed.push(id)
  }
  facts.knownSwitches = nextKnown
  const gone = new Set(removed)
  // A switch read from a transcript whose facts left the window before the log stated it is
  // still the same switch: the log's word replaces it here too.
  const logSwitches = derived.filter((s) => s.source === 'log')
  const statedByLog = (s: ModelSwitchEvent): boolean =>
    s.source !== 'log' &&
    logSwitches.some((l) => l.fromModel === s.fromModel && l.toModel === s.toModel && Math.abs(l.timestamp - s.timestamp) <= SAME_SWITCH_MS)
  for (const s of facts.switchHistory) {
    if (nextKnown.has(s.id) || gone.has(s.id) || !statedByLog(s)) continue
    gone.add(s.id)
    removed.push(s.id)
  }
  const kept = facts.switchHistory.filter((s) => !nextKnown.has(s.id) && !gone.has(s.id))
  const history = [...derived, ...kept].sort((a, b) => b.timestamp - a.timestamp || a.id.localeCompare(b.id)).slice(0, SWITCH_MEMORY)
  return { history, added, removed }
}

function switchSignature(s: ModelSwitchEvent): string {
  return `${s.timestamp}|${s.source}|${shortHash(`${s.fromModel}>${s.toModel}:${s.reason}:${s.httpStatus ?? ''}`)}`
}

function authProfiles(facts: AgentFacts, now: number): AuthProfileStatus[] {
  const ids = new Set([...Object.keys(facts.authProfileConfig), ...Object.keys(facts.auth)])
  const out: AuthProfileStatus[] = []
  for (const profileId of [...ids].sort()) {
    const cfg = facts.authProfileConfig[profileId]
    const s = facts.auth[profileId] ?? {}
    // Profiles that were never configured are named `<kind>:<provider>` (e.g. inline-api-key:mock).
    const [kind, rest] = profileId.includes(':') ? [profileId.slice(0, profileId.indexOf(':')), profileId.slice(profileId.indexOf(':') + 1)] : ['', profileId]
    const provider = cfg?.provider ?? (kind === 'inline-api-key' ? rest : kind || rest)
    const mode = cfg?.mode ?? (kind === 'inline-api-key' ? 'api_key' : 'unknown')
    const disabled = s.disabledUntil !== undefined && s.disabledUntil > now
    const cooling = s.cooldownUntil !== undefined && s.cooldownUntil > now
    out.push({
      profileId,
      provider,
      mode,
      status: disabled ? 'disabled' : cooling ? 'cooldown' : 'active',
      cooldownUntil: s.cooldownUntil ?? null,
      cooldownReason: s.cooldownReason ?? null,
      cooldownModel: s.cooldownModel ?? null,
      disabledUntil: s.disabledUntil ?? null,
      disabledReason: s.disabledReason ?? null,
      errorCount: s.errorCount ?? 0,
      lastFailureAt: s.lastFailureAt ?? null,
      lastUsedAt: s.lastUsed ?? null,
    })
  }
  return out
}

interface ModelEvidence {
  lastSuccess: Outcome | undefined
  lastFailure: Outcome | undefined
  attempts: number
  failures: number
  recentRateLimits: number[]
  lastStartedAt: number | null
}

function evidenceByModel(facts: AgentFacts, outcomes: Outcome[]): Map<string, ModelEvidence> {
  const map = new Map<string, ModelEvidence>()
  const get = (m: string): ModelEvidence => {
    let e = map.get(m)
    if (!e) {
      e = { lastSuccess: undefined, lastFailure: undefined, attempts: 0, failures: 0, recentRateLimits: [], lastStartedAt: null }
      map.set(m, e)
    }
    return e
  }
  for (const o of outcomes) {
    const e = get(o.model)
    e.attempts++
    if (o.ok) {
      e.lastSuccess = o
      e.recentRateLimits = []
    } else {
      e.failures++
      e.lastFailure = o
      // Seed rule 4 counts consecutive rate limits: any other failure ends the run.
      if (o.reason === 'rate_limit') e.recentRateLimits.push(o.at)
      else e.recentRateLimits = []
    }
  }
  for (const a of facts.attempts) if (a.outcome === 'started') get(a.model).lastStartedAt = a.at
  for (const d of facts.decisions) if (d.decision === 'probe_cooldown_candidate') get(d.candidate)
  return map
}

/**
 * The first model tried in the most recent turn: the turn in progress after the last answer, or
 * else the turn that produced the last answer. Turns are delimited by answers.
 */
function latestTurnFirstModel(facts: AgentFacts, outcomes: Outcome[]): { model: string; at: number } | null {
  const evs: { model: string; at: number; ok: boolean }[] = outcomes.map((o) => ({ model: o.model, at: o.at, ok: o.ok }))
  for (const a of facts.attempts) if (a.outcome === 'started') evs.push({ model: a.model, at: a.at, ok: false })
  evs.sort((a, b) => a.at - b.at)
  let last = -1
  for (let i = evs.length - 1; i >= 0; i--) if (evs[i]!.ok) { last = i; break }
  let from = 0
  if (last >= 0 && last < evs.length - 1) from = last + 1
  else if (last >= 0) {
    for (let i = last - 1; i >= 0; i--) if (evs[i]!.ok) { from = i + 1; break }
  }
  const first = evs[from]
  return first ? { model: first.model, at: first.at } : null
}

function toError(o: Outcome): ModelError {
  return { type: o.reason ?? 'unknown', message: o.message ?? '', timestamp: o.at, code: o.httpStatus }
}

/**
 * The status of one model at `now`. Order of precedence:
 * 1. OpenClaw says the model's auth profile is disabled → `disabled` (observed);
 * 2. OpenClaw says it is cooling down → `cooldown` (observed), with `cooldownUntil`;
 * 3. seed rule 4: more than 3 rate limits in 10 minutes and no answer since → `disabled` (inferred);
 * 4. seed rule 5: it failed and the latest turn started past it → `cooldown` (inferred);
 * 5. seed rule 3: the last failure is newer than the last answer → `error` (observed);
 * 6. seed rules 1–2: it answered last, or was never used → `healthy`.
 */
export function modelStatus(
  facts: AgentFacts,
  modelId: string,
  ev: ModelEvidence | undefined,
  profiles: AuthProfileStatus[],
  now: number,
  latestTurn: { model: string; at: number } | null,
): ModelStatus {
  const { provider, model } = splitModelRef(modelId)
  const role: ModelStatus['role'] =
    facts.config.primary === modelId ? 'primary' : facts.config.fallbacks.includes(modelId) ? 'fallback' : 'other'
  const totals = facts.totals[modelId]
  const lastFailure = ev?.lastFailure
  const lastSuccess = ev?.lastSuccess
  const base: ModelStatus = {
    modelId,
    provider,
    status: 'healthy',
    statusSource: 'observed',
    statusReason: null,
    role,
    lastUsedAt: maxOf(lastSuccess?.at, lastFailure?.at, ev?.lastStartedAt ?? undefined),
    lastError: lastFailure ? toError(lastFailure) : null,
    cooldownUntil: null,
    disabledUntil: null,
    disabledReason: null,
    attempts: ev?.attempts ?? 0,
    failures: ev?.failures ?? 0,
    tokens: totals ? { ...totals.tokens } : { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    costUsd: totals?.costUsd ?? 0,
  }

  const mine = profiles.filter((p) => p.provider === provider && (!p.cooldownModel || p.cooldownModel === model || p.status === 'disabled'))
  const disabled = mine.filter((p) => p.status === 'disabled')
  if (disabled.length > 0) {
    const until = Math.max(...disabled.map((p) => p.disabledUntil ?? 0))
    return { ...base, status: 'disabled', statusReason: 'auth_profile_disabled', disabledUntil: until, disabledReason: disabled[0]!.disabledReason }
  }
  const cooling = mine.filter((p) => p.status === 'cooldown')
  if (cooling.length > 0) {
    const until = Math.max(...cooling.map((p) => p.cooldownUntil ?? 0))
    return { ...base, status: 'cooldown', statusReason: `auth_profile_cooldown:${cooling[0]!.cooldownReason ?? 'unknown'}`, cooldownUntil: until }
  }

  const failingNow = lastFailure !== undefined && (lastSuccess === undefined || lastFailure.at > lastSuccess.at)
  if (failingNow && ev) {
    const recent = ev.recentRateLimits.filter((t) => now - t < DISABLE_WINDOW_MS)
    if (recent.length > DISABLE_AFTER_RATE_LIMITS) {
      // Until one rate limit too few is left in the window, barring an answer or a new failure.
      const disabledUntil = recent[recent.length - 1 - DISABLE_AFTER_RATE_LIMITS]! + DISABLE_WINDOW_MS
      return { ...base, status: 'disabled', statusSource: 'inferred', statusReason: `rate_limited_${recent.length}x_in_10m`, disabledUntil }
    }
    const skipped =
      latestTurn !== null &&
      latestTurn.at > lastFailure.at &&
      latestTurn.model !== modelId &&
      chainIndex(facts, latestTurn.model) > chainIndex(facts, modelId)
    if (skipped) {
      return { ...base, status: 'cooldown', statusSource: 'inferred', statusReason: 'skipped_after_failure' }
    }
    return { ...base, status: 'error', statusReason: lastFailure.reason ?? 'unknown' }
  }
  if (!lastSuccess && !lastFailure) return { ...base, statusSource: 'inferred', statusReason: 'never_used' }
  return { ...base, statusReason: 'answered_last' }
}

function maxOf(...xs: (number | undefined)[]): number | null {
  let m: number | null = null
  for (const x of xs) if (x !== undefined && (m === null || x > m)) m = x
  return m
}

export interface AgentView {
  status: AgentModelStatus
  derivedSwitches: ModelSwitchEvent[]
}

/** The whole read model of one agent at `now`. `switchHistory` must already be merged into facts. */
export function computeAgentStatus(facts: AgentFacts, now: number, outcomes: Outcome[] = mergeOutcomes(facts)): AgentModelStatus {
  const evidence = evidenceByModel(facts, outcomes)
  const profiles = authProfiles(facts, now)
  const latestTurn = latestTurnFirstModel(facts, outcomes)
  const models = new Set<string>()
  if (facts.config.primary) models.add(facts.config.primary)
  for (const f of facts.config.fallbacks) models.add(f)
  for (const m of evidence.keys()) models.add(m)
  for (const m of Object.keys(facts.totals)) models.add(m)
  const allModels = [...models].map((m) => modelStatus(facts, m, evidence.get(m), profiles, now, latestTurn))
  allModels.sort((a, b) => chainIndex(facts, a.modelId) - chainIndex(facts, b.modelId) || a.modelId.localeCompare(b.modelId))

  let current: ModelStatus | null = null
  let lastAnswerAt = Number.NEGATIVE_INFINITY
  for (const o of outcomes) {
    if (o.ok && o.at >= lastAnswerAt) {
      lastAnswerAt = o.at
      current = allModels.find((m) => m.modelId === o.model) ?? null
    }
  }
  // The auth profile shown is that of the answering model's provider; with no answer in the
  // window, that of the configured primary's provider (currentModel stays null: unknown).
  const currentProvider = current ? current.provider : facts.config.primary ? splitModelRef(facts.config.primary).provider : null
  const authProfile =
    profiles.find((p) => p.provider === currentProvider && p.status !== 'active') ??
    profiles.find((p) => p.provider === currentProvider) ??
    null

  return {
    agentId: facts.agentId,
    agentName: facts.name,
    config: { primary: facts.config.primary, fallbacks: [...facts.config.fallbacks] },
    currentModel: current,
    allModels,
    switchHistory: facts.switchHistory.slice(0, 20),
    authProfile,
    authProfiles: profiles,
    lastActivityAt: facts.lastActivityAt,
    source: { stateDir: facts.stateDir, layout: facts.layout },
  }
}

/** The next moment the status may change with no new data (a cooldown or disable ending). */
export function nextExpiry(status: AgentModelStatus, now: number): number | null {
  let next: number | null = null
  const consider = (t: number | null): void => {
    if (t !== null && t > now && (next === null || t < next)) next = t
  }
  for (const m of status.allModels) {
    consider(m.cooldownUntil)
    consider(m.disabledUntil)
  }
  // A profile's own status (listed with the agent) ends too, whether or not a listed model uses it.
  for (const p of status.authProfiles) {
    consider(p.cooldownUntil)
    consider(p.disabledUntil)
  }
  return next
}

export type { Outcome, DecisionFact }
