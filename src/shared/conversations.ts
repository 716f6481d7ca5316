/**
 * Conversations (seed 001): one session of one agent, its lifecycle status and what it is working
 * on. These shapes are a public contract shared by the REST API, the WebSocket messages, the web UI
 * and the CLI. Field names are snake_case on the wire, as in the seed; the seed's status names,
 * message types (`status_update`, `task_tracking`) and `{type, id, timestamp, data}` shape are kept.
 */

export type ConversationStatus = 'STARTING' | 'RUNNING' | 'STOPPED' | 'ARCHIVED' | 'ERROR'

export const CONVERSATION_STATUSES: readonly ConversationStatus[] = ['STARTING', 'RUNNING', 'STOPPED', 'ARCHIVED', 'ERROR']

/**
 * What the agent runtime is doing in the session, one level finer than `status` (the seed leaves
 * `RuntimeStatus` open; these are the states the data can tell apart):
 * - `STARTING`: the session exists, no run has begun yet;
 * - `RUNNING`: a run is in progress and no candidate model has failed in it;
 * - `FALLING_BACK`: a run is in progress after a candidate failed (the next one is being tried);
 * - `IDLE`: the last run answered; nothing in progress;
 * - `ABORTED`: the last run was stopped before answering (user abort, kill);
 * - `ERROR`: the last run failed on every candidate it tried;
 * - `LOST`: a run began and went silent for longer than any run may last: presumed dead;
 * - `ARCHIVED`: the session was archived, deleted or reset.
 */
export type RuntimeStatus = 'STARTING' | 'RUNNING' | 'FALLING_BACK' | 'IDLE' | 'ABORTED' | 'ERROR' | 'LOST' | 'ARCHIVED'

export const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  'STARTING',
  'RUNNING',
  'FALLING_BACK',
  'IDLE',
  'ABORTED',
  'ERROR',
  'LOST',
  'ARCHIVED',
]

/**
 * Why a conversation has its status: one machine-readable phrase.
 * ARCHIVED: `archived` (OpenClaw archived the session), `deleted` / `reset` (its transcript was
 * archived on delete / reset), `superseded` (its session key moved on to a newer session),
 * `detached` (no longer referenced by the session index).
 * STARTING: `session_created` (no run yet), `first_run_in_progress`.
 * RUNNING: `run_in_progress`, `falling_back`.
 * ERROR: `all_candidates_failed`, `run_failed`, `run_timed_out`, `run_lost`.
 * STOPPED: `idle`, `run_aborted`, `never_started`.
 */
export type ConversationStatusReason =
  | 'archived'
  | 'deleted'
  | 'reset'
  | 'superseded'
  | 'detached'
  | 'session_created'
  | 'first_run_in_progress'
  | 'run_in_progress'
  | 'falling_back'
  | 'all_candidates_failed'
  | 'run_failed'
  | 'run_timed_out'
  | 'run_lost'
  | 'idle'
  | 'run_aborted'
  | 'never_started'

/**
 * The allowed transitions, as data: seed 001's transition table (状态转换规则) and its diagram
 * (which adds STOPPED → RUNNING). ARCHIVED has no way out.
 */
export const CONVERSATION_TRANSITIONS: Readonly<Record<ConversationStatus, readonly ConversationStatus[]>> = {
  STARTING: ['RUNNING'],
  RUNNING: ['STOPPED', 'ERROR'],
  STOPPED: ['STARTING', 'RUNNING', 'ARCHIVED'],
  ERROR: ['STOPPED'],
  ARCHIVED: [],
}

/** Whether the seed's table allows going from `from` to `to`. Staying in the same status is always allowed. */
export function canTransition(from: ConversationStatus, to: ConversationStatus): boolean {
  return from === to || CONVERSATION_TRANSITIONS[from].includes(to)
}

/**
 * How often a client polls one conversation when it has no live push, by status (seed 001's
 * "智能轮询间隔"): fast while starting, slow when stopped, never once archived.
 */
export const CONVERSATION_POLLING_INTERVALS_MS: Readonly<Record<ConversationStatus, number | false>> = {
  STARTING: 3_000,
  RUNNING: 30_000,
  STOPPED: 60_000,
  ERROR: 10_000,
  ARCHIVED: false,
}

/** Where a conversation comes from. */
export type ConversationSource = 'openclaw' | 'openhands' | 'agent'

export interface TokenUsage {
  input: number
  output: number
  cache_read: number
  cache_write: number
  total: number
}

export type RunOutcome = 'succeeded' | 'failed' | 'aborted'

/** One run (turn) of a conversation: a prompt and the model attempts that answered it, or failed to. */
export interface ConversationRun {
  /** OpenClaw's run id when the data has one. */
  run_id: string | null
  started_at: string
  /** Null while the run is in progress (or when its end was never written). */
  ended_at: string | null
  /** Null while the run is in progress. */
  outcome: RunOutcome | null
  /** `provider/model` that answered; null when none did. */
  answered_by: string | null
  /** Every model the run tried, in order, each once (`provider/model`). */
  models_tried: string[]
  /** Failed or aborted attempts before the answer (or all of them when nothing answered). */
  failed_attempts: number
  /** Tokens of the run's answers, all kinds together. */
  tokens: number
  cost_usd: number
  /** Every model attempt of the run, oldest first (`started`: begun, no outcome written yet). */
  attempts: ConversationAttempt[]
  /** The last failure of the run, if any. */
  last_error: { reason: string; message: string | null; http_status: number | null } | null
}

export interface ConversationAttempt {
  /** `provider/model`. */
  model: string
  /** ISO 8601. */
  at: string
  outcome: 'started' | 'succeeded' | 'failed' | 'aborted'
  /** Why it failed (`rate_limit`, `timeout`, `auth`…), when it did and the data says. */
  reason: string | null
  http_status: number | null
  message: string | null
}

/**
 * One conversation as the list and the detail endpoints return it: the seed's `ConversationInfo`
 * fields that make sense for agent sessions, plus what an operator of a fleet needs.
 */
export interface ConversationInfo {
  conversation_id: string
  title: string
  status: ConversationStatus
  runtime_status: RuntimeStatus | null
  status_reason: ConversationStatusReason
  /** True when the status is deduced by Switchboard rather than written down by the agent runtime. */
  status_inferred: boolean
  /** How the session was created, when known (OpenClaw's `created_via`: operator, channel, cron…). */
  trigger: string | null
  /** API address of this conversation. */
  url: string
  /** ISO 8601. Null when the data does not say. */
  created_at: string | null
  /** ISO 8601: the later of the index's update time and the last activity. */
  updated_at: string
  source: ConversationSource
  agent_id: string
  /** OpenClaw's session key (e.g. `agent:main:main`); one key holds one session at a time. */
  session_key: string | null
  session_id: string
  /** `provider/model` that answered last; null before any answer. */
  current_model: string | null
  tokens: TokenUsage
  cost_usd: number
  /** ISO 8601 of the last record of the session. */
  last_activity_at: string | null
  /** Messages on the session's active branch; null when the transcript is not readable. */
  message_count: number | null
  run_count: number
  last_run: ConversationRun | null
  /** ISO 8601 when the session was archived, deleted or reset. */
  archived_at: string | null
}

/** `GET /api/conversations/{id}`: the conversation with its runs (oldest first) and its task list. */
export interface ConversationDetail extends ConversationInfo {
  runs: ConversationRun[]
  tasks: Task[]
  /** The summary the agent posted with its task list (`result`), if any. */
  task_result: string | null
}

/** `GET /api/conversations`, newest update first. */
export interface ConversationsPage {
  conversations: ConversationInfo[]
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  next_cursor: string | null
}

/** Query parameters of `GET /api/conversations` (all optional, as strings on the URL). */
export interface ConversationsQuery {
  /** Only this agent's conversations. */
  agent?: string
  /** One status or several, comma-separated. */
  status?: string
  /** ISO 8601 or epoch ms: only conversations updated at or after this moment. */
  updated_since?: string
  cursor?: string
  /** Text searched in title, agent, id and current model (case-insensitive). */
  q?: string
  /** Page size. Default is 50, at most 200. */
  limit?: string
}

export type TaskStatus = 'todo' | 'in_progress' | 'done'

export const TASK_STATUSES: readonly TaskStatus[] = ['todo', 'in_progress', 'done']

/** One item of a conversation's task list (seed 001's `task_list` entries, plus where it came from). */
export interface Task {
  id: string
  title: string
  status: TaskStatus
  /** Free text; empty when there is none. */
  notes: string
  /** ISO 8601. */
  updated_at: string
  /** `openclaw`: read from OpenClaw's durable tasks or progress card. `api`: posted by an agent. */
  source: 'openclaw' | 'api'
  /** How a finished OpenClaw task ended (`succeeded`, `failed`, `timed_out`, `cancelled`, `lost`); null otherwise. */
  outcome: string | null
}

/** Body of `POST /api/conversations/{id}/tasks`: the whole task list, replacing the previous one. */
export interface TaskListInput {
  command?: 'plan'
  task_list: { id?: string; title: string; status: TaskStatus; notes?: string }[]
  /** A short summary shown with the list. */
  result?: string
}

/** The seed's message shape. */
export interface ConversationMessage<T extends string, D> {
  type: T
  id: string
  /** ISO 8601. */
  timestamp: string
  data: D
}

export interface StatusUpdateData {
  conversation_id: string
  agent_id: string
  status: ConversationStatus
  runtime_status: RuntimeStatus | null
  /** A short human sentence. */
  message: string
  reason: ConversationStatusReason
  previous_status: ConversationStatus | null
  /**
   * True when the status is deduced rather than observed, and for the intermediate steps that a
   * jump the seed's table does not allow is walked through (see `conversation-status.rules.ts`).
   */
  inferred: boolean
}

export interface TaskTrackingData {
  conversation_id: string
  agent_id: string
  /** `plan`: the list was (re)written. `view`: the current list, sent on request or on subscribe. */
  command: 'plan' | 'view'
  task_list: Task[]
  result: string | null
}

export type StatusUpdateMessage = ConversationMessage<'status_update', StatusUpdateData>
export type TaskTrackingMessage = ConversationMessage<'task_tracking', TaskTrackingData>
export type ConversationEvent = StatusUpdateMessage | TaskTrackingMessage
