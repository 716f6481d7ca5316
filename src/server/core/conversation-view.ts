/**
 * From conversation facts to what the API and the WebSocket serve: `ConversationInfo`, pages of
 * them (filters and cursor), and the seed's `status_update` / `task_tracking` messages. Pure: the
 * caller passes the time.
 */
import {
  CONVERSATION_STATUSES,
  type ConversationDetail,
  type ConversationInfo,
  type ConversationRun,
  type ConversationsPage,
  type ConversationsQuery,
  type ConversationStatus,
  type ConversationStatusReason,
  type RuntimeStatus,
  type StatusUpdateMessage,
  type Task,
  type TaskTrackingMessage,
} from '../../shared/conversations.js'
import { currentModelOf, type ConversationFacts, type RunFact } from './conversation-facts.js'
import { planTransition, type ConversationJudgement } from './conversation-status.rules.js'
import { shortHash } from './short-hash.js'

export interface ConversationViewOptions {
  /** Path under which a conversation is served. Default is `/api/conversations`. */
  apiBase?: string
}

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

/**
 * ISO strings of the times seen lately: the list of conversations is rebuilt on every refresh and
 * its times mostly stay the same, so most are looked up rather than formatted again. Bounded: it
 * starts over past {@link ISO_CACHE_SIZE} entries.
 */
const isoCache = new Map<number, string>()
const ISO_CACHE_SIZE = 50_000
const iso = (ms: number): string => {
  let text = isoCache.get(ms)
  if (text === undefined) {
    text = new Date(ms).toISOString()
    if (isoCache.size >= ISO_CACHE_SIZE) isoCache.clear()
    isoCache.set(ms, text)
  }
  return text
}
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))
/** Costs are sums of small floats: keep nine decimals, drop the noise. */
const money = (usd: number): number => Math.round(usd * 1e9) / 1e9

export function conversationTitle(facts: Pick<ConversationFacts, 'label' | 'firstUserText' | 'sessionKey' | 'sessionId'>): string {
  return facts.label ?? facts.firstUserText ?? facts.sessionKey ?? facts.sessionId
}

/**
 * The view of each run, kept while the run stays as it was: every refresh rebuilds the list of all
 * conversations, and converting each one's last run again (a date string per attempt) was most of
 * that rebuild's time on the main thread. A scan only ever appends attempts and updates the run's
 * own fields, so those fields and the number of attempts tell whether the view is still the run's.
 * The view is shared: it is only ever serialized.
 */
type RunShape = Pick<RunFact, 'runId' | 'startedAt' | 'endedAt' | 'outcome' | 'answeredBy' | 'tokens' | 'costUsd'> & { attempts: number }
const runViews = new WeakMap<RunFact, { as: RunShape; view: ConversationRun }>()

const sameShape = (run: RunFact, as: RunShape): boolean =>
  run.attempts.length === as.attempts &&
  run.endedAt === as.endedAt &&
  run.outcome === as.outcome &&
  run.answeredBy === as.answeredBy &&
  run.tokens === as.tokens &&
  run.costUsd === as.costUsd &&
  run.startedAt === as.startedAt &&
  run.runId === as.runId

export function toConversationRun(run: RunFact): ConversationRun {
  const known = runViews.get(run)
  if (known !== undefined && sameShape(run, known.as)) return known.view
  const view = runView(run)
  const { runId, startedAt, endedAt, outcome, answeredBy, tokens, costUsd } = run
  runViews.set(run, { as: { runId, startedAt, endedAt, outcome, answeredBy, tokens, costUsd, attempts: run.attempts.length }, view })
  return view
}

function runView(run: RunFact): ConversationRun {
  const tried: string[] = []
  for (const a of run.attempts) if (!tried.includes(a.model)) tried.push(a.model)
  const failures = run.attempts.filter((a) => a.outcome === 'failed' || a.outcome === 'aborted')
  const last = failures[failures.length - 1]
  return {
    run_id: run.runId,
    started_at: iso(run.startedAt),
    ended_at: isoOrNull(run.endedAt),
    outcome: run.outcome,
    answered_by: run.answeredBy,
    models_tried: tried,
    failed_attempts: failures.length,
    attempts: run.attempts.map((a) => ({ model: a.model, at: iso(a.at), outcome: a.outcome, reason: a.reason, http_status: a.httpStatus, message: a.message })),
    tokens: run.tokens,
    cost_usd: money(run.costUsd),
    last_error: last ? { reason: last.reason ?? (last.outcome === 'aborted' ? 'aborted' : 'unknown'), message: last.message, http_status: last.httpStatus } : null,
  }
}

export function toConversationInfo(
  facts: ConversationFacts,
  judgement: ConversationJudgement,
  options: ConversationViewOptions = {},
): ConversationInfo {
  const base = options.apiBase ?? '/api/conversations'
  const lastRun = facts.runs[facts.runs.length - 1]
  const updated = Math.max(facts.indexUpdatedAt ?? 0, facts.lastActivityAt ?? 0, facts.createdAt ?? 0)
  return {
    conversation_id: facts.sessionId,
    title: conversationTitle(facts),
    status: judgement.status,
    runtime_status: judgement.runtimeStatus,
    status_reason: judgement.reason,
    status_inferred: judgement.inferred,
    trigger: facts.trigger,
    url: `${base}/${encodeURIComponent(facts.sessionId)}`,
    created_at: isoOrNull(facts.createdAt),
    updated_at: iso(updated),
    source: facts.source,
    agent_id: facts.agentId,
    session_key: facts.sessionKey,
    session_id: facts.sessionId,
    current_model: currentModelOf(facts),
    tokens: {
      input: facts.tokens.input,
      output: facts.tokens.output,
      cache_read: facts.tokens.cacheRead,
      cache_write: facts.tokens.cacheWrite,
      total: facts.tokens.total,
    },
    cost_usd: money(facts.costUsd),
    last_activity_at: isoOrNull(facts.lastActivityAt),
    message_count: facts.messageCount,
    run_count: facts.runCount ?? facts.runs.length,
    last_run: lastRun ? toConversationRun(lastRun) : null,
    archived_at: facts.archive ? isoOrNull(facts.archive.at) : null,
  }
}

export function toConversationDetail(
  facts: ConversationFacts,
  judgement: ConversationJudgement,
  tasks: Task[],
  options: ConversationViewOptions = {},
): ConversationDetail {
  return { ...toConversationInfo(facts, judgement, options), runs: facts.runs.map(toConversationRun), tasks: [...tasks], task_result: null }
}

// ---------------------------------------------------------------------------------------------
// Listing: filters and cursor pagination over conversations sorted by update time, newest first.

export interface ConversationsFilter {
  agent: string | null
  statuses: ConversationStatus[] | null
  /** Epoch ms. */
  updatedSince: number | null
  /** Lower-cased text searched in title, agent, id and current model. */
  q: string | null
  after: { updatedAt: number; id: string } | null
  limit: number
}

export type ParsedQuery = { ok: true; filter: ConversationsFilter } | { ok: false; field: keyof ConversationsQuery; reason: string }

export function encodeCursor(updatedAt: number, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id]), 'utf8').toString('base64url')
}

export function decodeCursor(cursor: string): { updatedAt: number; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { updatedAt: value[0] as number, id: value[1] }
    }
  } catch {
    // Not one of ours.
  }
  return null
}

/** Validates the query string of `GET /api/conversations`. */
export function parseConversationsQuery(query: ConversationsQuery): ParsedQuery {
  let statuses: ConversationStatus[] | null = null
  if (query.status !== undefined && query.status !== '') {
    statuses = []
    for (const s of query.status.split(',')) {
      const status = s.trim().toUpperCase()
      if (!(CONVERSATION_STATUSES as readonly string[]).includes(status)) {
        return { ok: false, field: 'status', reason: `unknown status ${JSON.stringify(s)}; one of ${CONVERSATION_STATUSES.join(', ')}` }
      }
      statuses.push(status as ConversationStatus)
    }
  }
  let updatedSince: number | null = null
  if (query.updated_since !== undefined && query.updated_since !== '') {
    updatedSince = /^\d+$/.test(query.updated_since) ? Number(query.updated_since) : Date.parse(query.updated_since)
    if (!Number.isFinite(updatedSince)) return { ok: false, field: 'updated_since', reason: 'not an ISO 8601 time or epoch milliseconds' }
  }
  let after: ConversationsFilter['after'] = null
  if (query.cursor !== undefined && query.cursor !== '') {
    after = decodeCursor(query.cursor)
    if (after === null) return { ok: false, field: 'cursor', reason: 'not a cursor this server gave' }
  }
  let limit = DEFAULT_PAGE_SIZE
  if (query.limit !== undefined && query.limit !== '') {
    limit = /^\d+$/.test(query.limit) ? Number(query.limit) : NaN
    if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) return { ok: false, field: 'limit', reason: `an integer from 1 to ${MAX_PAGE_SIZE}` }
  }
  let q: string | null = null
  if (query.q !== undefined && query.q.trim() !== '') {
    if (query.q.length > 200) return { ok: false, field: 'q', reason: 'at most 200 characters' }
    q = query.q.trim().toLowerCase()
  }
  const agent = query.agent !== undefined && query.agent !== '' ? query.agent : null
  return { ok: true, filter: { agent, statuses, updatedSince, q, after, limit } }
}

function newestFirst(a: { updatedAt: number; id: string }, b: { updatedAt: number; id: string }): number {
  return b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export function pageConversations(conversations: readonly ConversationInfo[], filter: ConversationsFilter): ConversationsPage {
  const keyed = conversations
    .map((c) => ({ c, updatedAt: Date.parse(c.updated_at), id: c.conversation_id }))
    .filter(({ c, updatedAt }) => {
      if (filter.agent !== null && c.agent_id !== filter.agent) return false
      if (filter.statuses !== null && !filter.statuses.includes(c.status)) return false
      if (filter.updatedSince !== null && updatedAt < filter.updatedSince) return false
      if (filter.q !== null) {
        const q = filter.q
        const hay = [c.title, c.agent_id, c.conversation_id, c.current_model ?? '', c.session_key ?? '']
        if (!hay.some((h) => h.toLowerCase().includes(q))) return false
      }
      return true
    })
    .sort(newestFirst)
  const after = filter.after
  const start = after === null ? 0 : keyed.findIndex((k) => newestFirst(after, k) < 0)
  const rest = start === -1 ? [] : keyed.slice(start)
  const page = rest.slice(0, filter.limit)
  const last = page[page.length - 1]
  return {
    conversations: page.map((k) => k.c),
    next_cursor: rest.length > filter.limit && last ? encodeCursor(last.updatedAt, last.id) : null,
  }
}

// ---------------------------------------------------------------------------------------------
// Seed 001 messages.

const REASON_TEXT: Record<ConversationStatusReason, string> = {
  archived: 'Archived',
  deleted: 'Deleted',
  reset: 'Reset: the session key started a new session',
  superseded: 'Replaced by a newer session of the same key',
  detached: 'No longer in the session index',
  session_created: 'Session created, waiting for its first run',
  first_run_in_progress: 'First run in progress',
  run_in_progress: 'Run in progress',
  falling_back: 'A model failed in this run; trying the next one',
  all_candidates_failed: 'The last run failed on every model it tried',
  run_failed: 'The last run failed',
  run_timed_out: 'The last run timed out',
  run_lost: 'A run went silent and is presumed lost',
  idle: 'Idle: the last run answered',
  run_aborted: 'The last run was aborted',
  never_started: 'No run since the session was created',
}

export function statusMessageText(reason: ConversationStatusReason, currentModel: string | null): string {
  const text = REASON_TEXT[reason]
  return reason === 'idle' && currentModel !== null ? `${text} (${currentModel})` : text
}

/** The reasons an intermediate step of a walked transition is given. */
const STEP_REASON: Record<ConversationStatus, { reason: ConversationStatusReason; runtime: RuntimeStatus }> = {
  STARTING: { reason: 'session_created', runtime: 'STARTING' },
  RUNNING: { reason: 'run_in_progress', runtime: 'RUNNING' },
  STOPPED: { reason: 'idle', runtime: 'IDLE' },
  ERROR: { reason: 'run_failed', runtime: 'ERROR' },
  ARCHIVED: { reason: 'archived', runtime: 'ARCHIVED' },
}

/**
 * The `status_update` messages for a conversation whose status went from `previous` (null: first
 * seen) to the one in `info`: one per step of `planTransition`, intermediate steps marked
 * `inferred`. Empty when the status did not change. `forced` is true when the table allowed no
 * path (leaving ARCHIVED): the caller logs it.
 */
export function statusUpdateMessages(
  info: ConversationInfo,
  previous: ConversationStatus | null,
  at: number,
): { messages: StatusUpdateMessage[]; forced: boolean } {
  const plan = planTransition(previous, info.status)
  let from = previous
  const messages = plan.path.map((status, i): StatusUpdateMessage => {
    const final = i === plan.path.length - 1
    const step = STEP_REASON[status]
    const reason = final ? info.status_reason : step.reason
    const message: StatusUpdateMessage = {
      type: 'status_update',
      id: `status-${shortHash(`${info.conversation_id}|${at}|${i}|${status}`)}`,
      timestamp: iso(at),
      data: {
        conversation_id: info.conversation_id,
        agent_id: info.agent_id,
        status,
        runtime_status: final ? info.runtime_status : step.runtime,
        message: statusMessageText(reason, info.current_model),
        reason,
        previous_status: from,
        inferred: final ? info.status_inferred : true,
      },
    }
    from = status
    return message
  })
  return { messages, forced: plan.forced }
}

export function taskTrackingMessage(
  conversation: Pick<ConversationInfo, 'conversation_id' | 'agent_id'>,
  tasks: readonly Task[],
  at: number,
  command: 'plan' | 'view' = 'plan',
  result: string | null = null,
): TaskTrackingMessage {
  return {
    type: 'task_tracking',
    id: `task-${shortHash(`${conversation.conversation_id}|${at}|${command}|${tasks.length}`)}`,
    timestamp: iso(at),
    data: { conversation_id: conversation.conversation_id, agent_id: conversation.agent_id, command, task_list: [...tasks], result },
  }
}
