/**
 * What Switchboard knows about one agent: the facts folded from domain events. Serialisable, so
 * it can be saved with the ingestion checkpoints and a restart resumes from it. Bounded: the
 * per-attempt records are a window of the most recent ones; totals are kept incrementally.
 */
import type {
  FailureReason,
  ModelChainConfig,
  ModelSwitchEvent,
  OpenClawLayout,
  TokenTotals,
} from '../../shared/model-status.js'
import type {
  AgentConfiguredEvent,
  AuthStateEvent,
  FallbackDecisionEvent,
  ModelAttemptEvent,
  ModelChangedEvent,
} from './events.js'
import { shortHash } from './short-hash.js'

/** One attempt record, as kept in the window. */
export interface AttemptFact {
  sessionId: string
  runId: string | null
  eventId: string
  source: 'transcript' | 'trajectory'
  model: string
  at: number
  outcome: ModelAttemptEvent['outcome']
  reason: FailureReason | null
  httpStatus: number | null
  message: string | null
  turnStart: boolean
}

export interface DecisionFact {
  sessionId: string | null
  runId: string | null
  eventId: string
  at: number
  decision: FallbackDecisionEvent['decision']
  candidate: string
  next: string | null
  reason: FailureReason | null
  rawReason: string | null
  httpStatus: number | null
  message: string | null
}

export interface ModelChangeFact {
  sessionId: string
  eventId: string
  model: string
  at: number
  initial: boolean
}

export interface ModelTotals {
  tokens: TokenTotals
  costUsd: number
  answers: number
}

export interface AgentFacts {
  agentId: string
  name: string
  config: ModelChainConfig
  stateDir: string
  layout: OpenClawLayout
  /** False for an agent seen only through data (no `agent_configured` yet). */
  configured: boolean
  authProfileConfig: Record<string, { provider: string; mode: string }>
  auth: AuthStateEvent['profiles']
  authAt: number | null
  attempts: AttemptFact[]
  decisions: DecisionFact[]
  modelChanges: ModelChangeFact[]
  /** Token and cost totals per model, from answers in transcripts (never the window). */
  totals: Record<string, ModelTotals>
  lastActivityAt: number | null
  /** Switch history already known (newest first), including switches whose facts left the window. */
  switchHistory: ModelSwitchEvent[]
  /**
   * Every switch the window currently yields, by id → `timestamp|source|content hash`: tells new
   * and changed switches from ones already saved, beyond the few kept in `switchHistory`. Saved as
   * an object (`encodeFacts`); a Map here, since it is rebuilt on every derivation.
   */
  knownSwitches: Map<string, string>
}

/** How many attempt, decision and model-change records are kept per agent (the store keeps every switch). */
export const FACT_WINDOW = 120
/** How many switches are kept in memory per agent (the store keeps them all). */
export const SWITCH_MEMORY = 50

export function createAgentFacts(agentId: string): AgentFacts {
  return {
    agentId,
    name: agentId,
    config: { primary: null, fallbacks: [] },
    stateDir: '',
    layout: 'empty',
    configured: false,
    authProfileConfig: {},
    auth: {},
    authAt: null,
    attempts: [],
    decisions: [],
    modelChanges: [],
    totals: {},
    lastActivityAt: null,
    switchHistory: [],
    knownSwitches: new Map(),
  }
}

/**
 * The part of the facts that the config and the auth state update: a restart re-reads both for
 * every agent, and comparing them needs only this part (see `SavedFacts`).
 */
export type FactsHead = Pick<AgentFacts, 'agentId' | 'name' | 'config' | 'stateDir' | 'layout' | 'configured' | 'authProfileConfig' | 'auth' | 'authAt'>

type FactsBody = Omit<AgentFacts, keyof FactsHead | 'knownSwitches'> & { knownSwitches?: Record<string, string> | null }

const headOf = (f: FactsHead): FactsHead => ({
  agentId: f.agentId,
  name: f.name,
  config: f.config,
  stateDir: f.stateDir,
  layout: f.layout,
  configured: f.configured,
  authProfileConfig: f.authProfileConfig,
  auth: f.auth,
  authAt: f.authAt,
})

/**
 * Facts as saved: the head as one JSON line, then the rest (the record windows, totals, switches)
 * as another, with `knownSwitches` as an object. JSON text holds no raw line break, so the first
 * one ends the head. Facts saved before the split are one JSON document; both are read.
 */
export function encodeFacts(facts: AgentFacts): string {
  const body: FactsBody = {
    attempts: facts.attempts,
    decisions: facts.decisions,
    modelChanges: facts.modelChanges,
    totals: facts.totals,
    lastActivityAt: facts.lastActivityAt,
    switchHistory: facts.switchHistory,
    knownSwitches: Object.fromEntries(facts.knownSwitches),
  }
  return `${JSON.stringify(headOf(facts))}\n${JSON.stringify(body)}`
}

/**
 * Saved facts as the store gives them back: their UTF-8 bytes (what a restart reads), or text.
 * Bytes are a copy out of the database, where text costs a UTF-8 decode and, for facts that are
 * not all ASCII (names, error messages), two bytes a character on the heap.
 */
export type SavedText = string | Buffer

const NEWLINE = 0x0a
const asText = (saved: SavedText): string => (typeof saved === 'string' ? saved : saved.toString('utf8'))

/**
 * Saved facts read as far as a restart needs: the head is parsed, the rest (most of the text) is
 * kept as it was saved until something needs it (`withBody`). An agent with nothing new since the
 * last run never has it parsed.
 */
export interface SavedFacts {
  head: FactsHead
  /** The rest as saved, or null when it was read whole (facts saved before the split). */
  body: SavedText | null
  /** The whole facts, when they were read whole. */
  facts: AgentFacts | null
}

export function readSavedFacts(saved: SavedText): SavedFacts {
  // In UTF-8 the byte 0x0a is only ever a line break, so the bytes are cut where the text would be.
  const cut = typeof saved === 'string' ? saved.indexOf('\n') : saved.indexOf(NEWLINE)
  if (cut < 0) {
    const whole = JSON.parse(asText(saved)) as FactsHead & FactsBody
    const facts: AgentFacts = { ...headOf(whole), ...fromBody(whole) }
    return { head: facts, body: null, facts }
  }
  if (typeof saved === 'string') return { head: JSON.parse(saved.slice(0, cut)) as FactsHead, body: saved.slice(cut + 1), facts: null }
  return { head: JSON.parse(saved.toString('utf8', 0, cut)) as FactsHead, body: saved.subarray(cut + 1), facts: null }
}

/** The head (as it is now) and the saved rest, as whole facts. */
export function withBody(head: FactsHead, body: SavedText): AgentFacts {
  const b = JSON.parse(asText(body)) as FactsBody
  return { ...headOf(head), ...fromBody(b) }
}

/** Facts whose rest was never parsed, saved again: the head as it is now, the rest as it was read. */
export function encodeWithBody(head: FactsHead, body: SavedText): string {
  return `${JSON.stringify(headOf(head))}\n${asText(body)}`
}

function fromBody(b: FactsBody): Omit<AgentFacts, keyof FactsHead> {
  const known = b.knownSwitches
  return {
    attempts: b.attempts,
    decisions: b.decisions,
    modelChanges: b.modelChanges,
    totals: b.totals,
    lastActivityAt: b.lastActivityAt,
    switchHistory: b.switchHistory,
    // Snapshots saved before `knownSwitches` existed have none: it is then left out, and the next
    // derivation starts from the switch history.
    knownSwitches: (known && typeof known === 'object'
      ? new Map(Object.entries(known).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
      : undefined) as Map<string, string>,
  }
}

/** Saved facts (either form) back into their live shape. */
export function decodeFacts(text: SavedText): AgentFacts {
  const saved = readSavedFacts(text)
  return saved.facts ?? withBody(saved.head, saved.body!)
}

/**
 * Facts repeat the same strings (session ids, models, error texts) thousands of times, and parsed
 * JSON gives each its own copy: keeping one copy of each makes the window several times lighter.
 */
const interned = new Map<string, string>()
const INTERN_LIMIT = 50_000
function intern<T extends string | null>(s: T): T {
  if (s === null) return s
  const hit = interned.get(s)
  if (hit !== undefined) return hit as T
  if (interned.size >= INTERN_LIMIT) interned.clear()
  interned.set(s, s)
  return s
}

const emptyTokens = (): TokenTotals => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 })

/** Inserts keeping the list sorted by `at` (records mostly arrive in order: append is the fast path). */
function insertByTime<T extends { at: number; eventId: string }>(list: T[], item: T): boolean {
  let i = list.length
  while (i > 0 && list[i - 1]!.at > item.at) i--
  // The same record read twice (a re-read after truncation, say) must not count twice.
  for (let j = i - 1; j >= 0 && list[j]!.at === item.at; j--) if (list[j]!.eventId === item.eventId) return false
  for (let j = i; j < list.length && list[j]!.at === item.at; j++) if (list[j]!.eventId === item.eventId) return false
  list.splice(i, 0, item)
  if (list.length > FACT_WINDOW) list.splice(0, list.length - FACT_WINDOW)
  return true
}

function touch(facts: AgentFacts, at: number): void {
  if (facts.lastActivityAt === null || at > facts.lastActivityAt) facts.lastActivityAt = at
}

/** Returns whether anything changed: a restart re-reads the config and must not re-save every agent. */
export function applyConfigured(facts: FactsHead, e: AgentConfiguredEvent): boolean {
  const changed =
    !facts.configured ||
    facts.name !== e.name ||
    facts.stateDir !== e.stateDir ||
    facts.layout !== e.layout ||
    JSON.stringify(facts.config) !== JSON.stringify(e.config) ||
    JSON.stringify(facts.authProfileConfig) !== JSON.stringify(e.authProfiles)
  if (!changed) return false
  facts.name = e.name
  facts.config = e.config
  facts.stateDir = e.stateDir
  facts.layout = e.layout
  facts.authProfileConfig = e.authProfiles
  facts.configured = true
  return true
}

export function applyAttempt(facts: AgentFacts, e: ModelAttemptEvent): boolean {
  const model = intern(`${e.provider}/${e.model}`)
  const added = insertByTime(facts.attempts, {
    sessionId: intern(e.sessionId),
    runId: intern(e.runId),
    // Ids only need to tell records apart: a short hash keeps the window light.
    eventId: shortHash(`${e.source}:${e.eventId}`),
    source: e.source,
    model,
    at: e.at,
    outcome: e.outcome,
    reason: e.reason,
    httpStatus: e.httpStatus,
    message: intern(e.message),
    turnStart: e.turnStart,
  })
  if (!added) return false
  touch(facts, e.at)
  // Usage is counted from transcripts only: trajectories repeat the same answers.
  if (e.outcome === 'succeeded' && e.source === 'transcript') {
    const t = (facts.totals[model] ??= { tokens: emptyTokens(), costUsd: 0, answers: 0 })
    t.answers++
    if (e.usage) {
      t.tokens.input += e.usage.input
      t.tokens.output += e.usage.output
      t.tokens.cacheRead += e.usage.cacheRead
      t.tokens.cacheWrite += e.usage.cacheWrite
      t.tokens.total += e.usage.total
      t.costUsd += e.usage.costUsd
    }
  }
  return true
}

export function applyModelChanged(facts: AgentFacts, e: ModelChangedEvent): boolean {
  const added = insertByTime(facts.modelChanges, {
    sessionId: e.sessionId,
    eventId: e.eventId,
    model: `${e.provider}/${e.model}`,
    at: e.at,
    initial: e.initial,
  })
  if (added) touch(facts, e.at)
  return added
}

export function applyDecision(facts: AgentFacts, e: FallbackDecisionEvent): boolean {
  const added = insertByTime(facts.decisions, {
    sessionId: intern(e.sessionId),
    runId: intern(e.runId),
    eventId: shortHash(e.eventId),
    at: e.at,
    decision: e.decision,
    candidate: intern(e.candidate),
    next: intern(e.next),
    reason: e.reason,
    rawReason: e.rawReason,
    httpStatus: e.httpStatus,
    message: intern(e.message),
  })
  if (added) touch(facts, e.at)
  return added
}

/** Returns whether the auth state differs from what was known. */
export function applyAuthState(facts: FactsHead, e: AuthStateEvent): boolean {
  if (JSON.stringify(facts.auth) === JSON.stringify(e.profiles)) return false
  facts.auth = e.profiles
  facts.authAt = e.at
  return true
}
