/**
 * Conversations (seed 001) in memory: OpenClaw sessions read from every state dir, an OpenHands
 * server's conversations polled, and task lists agents post. Each conversation is judged by the
 * status rules; a change of status is pushed as the seed's `status_update` (through the steps the
 * seed's table allows), a change of task list as `task_tracking`, on topic `conversation:<id>`
 * (which `conversations` subscribers receive too).
 *
 * OpenClaw data is read again when the OpenClaw source reports a change, when a status would change
 * by the passage of time alone (one timer, at the earliest such moment), and every 30 s as a safety
 * net for changes no watcher reports (a transcript archived, a database replaced). A changed session
 * is read again whole, so reads are spaced by at least three times the last one took (and 250 ms):
 * on a large install conversations lag a little instead of taking the CPU from everything else.
 */
import type {
  ConversationDetail,
  ConversationInfo,
  ConversationRun,
  ConversationStatus,
  ConversationStatusReason,
  ConversationsPage,
  ConversationsQuery,
  RuntimeStatus,
  Task,
} from '../../shared/conversations.js'
import { conversationTopic } from '../../shared/protocol.js'
import type { ConversationFacts } from '../core/conversation-facts.js'
import { judgeConversation, nextStatusChangeAt, type ConversationStatusOptions } from '../core/conversation-status.rules.js'
import { mergeTaskLists, parseTaskListInput, type TaskInputIssue } from '../core/conversation-tasks.js'
import { pageConversations, parseConversationsQuery, statusUpdateMessages, taskTrackingMessage, toConversationInfo, toConversationRun } from '../core/conversation-view.js'
import type { ConversationsReader } from '../sources/openclaw/conversations.reader.js'
import type { OpenHandsConversation } from '../sources/openhands/openhands.client.js'
import type { ConversationTasksRepository, PostedTaskList } from '../store/conversation-tasks.repository.js'
import type { Hub } from '../ws/hub.js'

export interface ConversationServiceOptions {
  hub: Hub
  repository: ConversationTasksRepository
  /** One per OpenClaw state dir. */
  readers: ConversationsReader[]
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void }
  now?: () => number
  rules?: ConversationStatusOptions
  /** Counts malformed records met while reading. */
  onRejected?: (count: number) => void
  /** Safety-net re-read period. Default is 30000. */
  refreshEveryMs?: number
}

export type PostTasksResult =
  | { ok: true; conversation: ConversationInfo; tasks: Task[] }
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'forbidden'; owner: string }
  | { ok: false; code: 'invalid'; issues: TaskInputIssue[] }

export interface ConversationService {
  /** Reads everything once (no messages for what is found), then keeps it fresh. */
  start(): Promise<void>
  /** Asks for a re-read of OpenClaw data soon (debounced). */
  scheduleRefresh(): void
  /** Re-reads OpenClaw data now; resolves when it is folded in. */
  refresh(): Promise<void>
  /** Reads a state dir found after the start from now on (and soon). */
  addReader(reader: ConversationsReader): void
  /** Replaces what an OpenHands server holds (the poller calls this). */
  setOpenHands(agentId: string, conversations: OpenHandsConversation[]): void
  list(query: ConversationsQuery): { ok: true; page: ConversationsPage } | { ok: false; field: string; reason: string }
  get(id: string): ConversationDetail | null
  /** Who may post tasks for a conversation: its agent (null for an unknown conversation). */
  ownerOf(id: string): string | null
  /** Replaces the task list `agentId` posts for a conversation; an unknown id becomes an agent-reported conversation when `create`. */
  postTasks(id: string, agentId: string, body: unknown, create: boolean): Promise<PostTasksResult>
  /** Messages a new subscriber of a topic gets at once: the task list of `conversation:<id>`. */
  snapshot(topic: string): { type: 'task_tracking'; topic: string; data: ReturnType<typeof taskTrackingMessage> }[]
  readonly size: number
  /** The first read is done. */
  readonly ready: boolean
  /** Resolves when the first read is done, or after `timeoutMs`, whichever comes first. */
  whenReady(timeoutMs: number): Promise<void>
  /** Milliseconds the last OpenClaw read took. */
  readonly lastReadMs: number
  close(): void
}

interface Entry {
  info: ConversationInfo
  /** The runs as the API shows them, built when asked: a copy of every run of every conversation kept in view form would double what conversations hold. */
  runs: () => ConversationRun[]
  /** Tasks from the runtime (OpenClaw durable tasks, progress cards). */
  ownTasks: Task[]
  /** When the status changes by time alone; null when only data can change it. */
  changesAt: number | null
}

const RUNTIME_OF_OPENHANDS: Record<ConversationStatus, RuntimeStatus> = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  STOPPED: 'IDLE',
  ERROR: 'ERROR',
  ARCHIVED: 'ARCHIVED',
}
const REASON_OF_OPENHANDS: Record<ConversationStatus, ConversationStatusReason> = {
  STARTING: 'session_created',
  RUNNING: 'run_in_progress',
  STOPPED: 'idle',
  ERROR: 'run_failed',
  ARCHIVED: 'archived',
}

const NO_TOKENS = { input: 0, output: 0, cache_read: 0, cache_write: 0, total: 0 }
const url = (id: string): string => `/api/conversations/${encodeURIComponent(id)}`

/** OpenHands says the status itself: it is mapped one to one and counts as observed. */
export function fromOpenHands(agentId: string, c: OpenHandsConversation, now: number): ConversationInfo {
  const updated = c.last_updated_at ?? c.created_at ?? new Date(now).toISOString()
  return {
    conversation_id: c.conversation_id,
    title: c.title || c.conversation_id,
    status: c.status,
    runtime_status: RUNTIME_OF_OPENHANDS[c.status],
    status_reason: REASON_OF_OPENHANDS[c.status],
    status_inferred: false,
    trigger: c.trigger,
    url: url(c.conversation_id),
    created_at: c.created_at,
    updated_at: updated,
    source: 'openhands',
    agent_id: agentId,
    session_key: c.selected_repository ? `${c.selected_repository}${c.selected_branch ? `@${c.selected_branch}` : ''}` : null,
    session_id: c.conversation_id,
    current_model: null,
    tokens: { ...NO_TOKENS },
    cost_usd: 0,
    last_activity_at: c.last_updated_at,
    message_count: null,
    run_count: 0,
    last_run: null,
    archived_at: c.status === 'ARCHIVED' ? updated : null,
  }
}

/**
 * A conversation only an agent's posts tell of: its status follows its task list — nothing begun
 * yet (all `todo`) is STARTING, all `done` is STOPPED, anything else (a task in progress, or some
 * done and some left) is RUNNING. Its title is the first task's, which stays put while the tasks
 * move on.
 */
export function fromPostedList(l: PostedTaskList): ConversationInfo {
  const allDone = l.tasks.length > 0 && l.tasks.every((t) => t.status === 'done')
  const begun = l.tasks.some((t) => t.status !== 'todo')
  const working = begun && !allDone
  const status: ConversationStatus = allDone ? 'STOPPED' : working ? 'RUNNING' : 'STARTING'
  return {
    conversation_id: l.conversationId,
    title: l.tasks[0]?.title ?? l.conversationId,
    status,
    runtime_status: working ? 'RUNNING' : allDone ? 'IDLE' : 'STARTING',
    status_reason: working ? 'run_in_progress' : allDone ? 'idle' : 'session_created',
    status_inferred: true,
    trigger: 'agent',
    url: url(l.conversationId),
    created_at: new Date(l.createdAt).toISOString(),
    updated_at: new Date(l.updatedAt).toISOString(),
    source: 'agent',
    agent_id: l.agentId,
    session_key: null,
    session_id: l.conversationId,
    current_model: null,
    tokens: { ...NO_TOKENS },
    cost_usd: 0,
    last_activity_at: new Date(l.updatedAt).toISOString(),
    message_count: null,
    run_count: 0,
    last_run: null,
    archived_at: null,
  }
}

const noRuns = (): ConversationRun[] => []
const sameTasks = (a: readonly Task[], b: readonly Task[]): boolean => JSON.stringify(a) === JSON.stringify(b)

export function createConversationService(options: ConversationServiceOptions): ConversationService {
  const { hub, repository, log } = options
  const now = options.now ?? Date.now
  const refreshEveryMs = options.refreshEveryMs ?? 30_000
  /** OpenClaw facts by conversation id, as last read. */
  let openclaw = new Map<string, { facts: ConversationFacts; tasks: Task[] }>()
  const openhands = new Map<string, Map<string, OpenHandsConversation>>()
  const posted = new Map<string, PostedTaskList>()
  let entries = new Map<string, Entry>()
  let started = false
  let markReady: () => void = () => {}
  const readyPromise = new Promise<void>((r) => (markReady = r))
  let debounce: NodeJS.Timeout | null = null
  let statusTimer: NodeJS.Timeout | null = null
  let safetyTimer: NodeJS.Timeout | null = null
  let refreshing: Promise<void> | null = null
  let again = false
  /** How long the last OpenClaw read took, and when the next one may start. */
  let lastReadMs = 0
  let nextReadAt = 0
  const duplicates = new Set<string>()
  const forcedLogged = new Set<string>()

  const publishStatus = (info: ConversationInfo, previous: ConversationStatus | null, t: number): void => {
    const { messages, forced } = statusUpdateMessages(info, previous, t)
    if (forced && !forcedLogged.has(info.conversation_id)) {
      forcedLogged.add(info.conversation_id)
      log.warn({ conversation: info.conversation_id, from: previous, to: info.status }, 'conversation left ARCHIVED, which the seed table does not allow; accepted')
    }
    for (const m of messages) hub.publish('status_update', conversationTopic(info.conversation_id), m)
  }

  const tasksOf = (id: string, own: readonly Task[]): Task[] => mergeTaskLists(own, posted.get(id)?.tasks ?? [])

  /** Builds every entry from what the sources hold now, and pushes what changed. */
  const rebuild = (quiet: boolean): void => {
    const t = now()
    const next = new Map<string, Entry>()
    const add = (e: Entry): void => {
      const id = e.info.conversation_id
      if (next.has(id)) {
        if (!duplicates.has(id)) {
          duplicates.add(id)
          log.warn({ conversation: id, agents: [next.get(id)!.info.agent_id, e.info.agent_id] }, 'the same conversation id comes from two places; the first is kept')
        }
        return
      }
      next.set(id, e)
    }
    for (const { facts, tasks } of openclaw.values()) {
      const judgement = judgeConversation(facts, t, options.rules)
      add({ info: toConversationInfo(facts, judgement), runs: () => facts.runs.map(toConversationRun), ownTasks: tasks, changesAt: nextStatusChangeAt(facts, t, options.rules) })
    }
    for (const [agentId, conversations] of openhands) {
      for (const c of conversations.values()) add({ info: fromOpenHands(agentId, c, t), runs: noRuns, ownTasks: [], changesAt: null })
    }
    for (const l of posted.values()) if (!next.has(l.conversationId)) add({ info: fromPostedList(l), runs: noRuns, ownTasks: [], changesAt: null })
    if (!quiet) {
      for (const [id, e] of next) {
        const before = entries.get(id)
        if (!before || before.info.status !== e.info.status) publishStatus(e.info, before?.info.status ?? null, t)
        if (before && !sameTasks(before.ownTasks, e.ownTasks)) {
          hub.publish('task_tracking', conversationTopic(id), taskTrackingMessage(e.info, tasksOf(id, e.ownTasks), t))
        }
      }
    }
    entries = next
    armStatusTimer()
  }

  const armStatusTimer = (): void => {
    if (statusTimer) clearTimeout(statusTimer)
    statusTimer = null
    let soonest: number | null = null
    for (const e of entries.values()) if (e.changesAt !== null && (soonest === null || e.changesAt < soonest)) soonest = e.changesAt
    if (soonest === null) return
    statusTimer = setTimeout(() => rebuild(false), Math.max(0, soonest - now()) + 5)
    statusTimer.unref()
  }

  /** What each reader gave last time: a reader that fails keeps its last good read. */
  const lastScans = new Map<ConversationsReader, { facts: ConversationFacts; tasks: Task[] }[]>()

  const readOpenClaw = async (): Promise<void> => {
    const next = new Map<string, { facts: ConversationFacts; tasks: Task[] }>()
    let rejected = 0
    for (const reader of options.readers) {
      let found = lastScans.get(reader) ?? []
      try {
        const scan = await reader.read()
        rejected += scan.rejected.length
        for (const r of scan.rejected) log.warn({ stateDir: reader.stateDir, ...r }, 'conversation record skipped')
        found = scan.conversations.map((facts) => ({ facts, tasks: scan.tasks.get(facts.sessionId) ?? [] }))
        lastScans.set(reader, found)
      } catch (err) {
        log.error({ err, stateDir: reader.stateDir }, 'reading OpenClaw conversations failed; keeping the last read')
      }
      for (const f of found) if (!next.has(f.facts.sessionId)) next.set(f.facts.sessionId, f)
    }
    if (rejected > 0) options.onRejected?.(rejected)
    openclaw = next
  }

  const refresh = (): Promise<void> => {
    if (refreshing) {
      again = true
      return refreshing
    }
    refreshing = (async () => {
      do {
        again = false
        const wait = nextReadAt - now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        const t0 = performance.now()
        await readOpenClaw()
        lastReadMs = performance.now() - t0
        nextReadAt = now() + Math.max(250, 3 * lastReadMs)
        rebuild(!started)
      } while (again)
    })().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  return {
    async start() {
      for (const l of await repository.loadAll()) posted.set(l.conversationId, l)
      await refresh()
      started = true
      markReady()
      safetyTimer = setInterval(() => void refresh(), refreshEveryMs)
      safetyTimer.unref()
    },

    scheduleRefresh() {
      if (debounce || !started) return
      debounce = setTimeout(() => {
        debounce = null
        void refresh()
      }, 100)
      debounce.unref()
    },

    refresh,

    addReader(reader) {
      options.readers.push(reader)
      if (started) void refresh()
    },

    setOpenHands(agentId, conversations) {
      openhands.set(agentId, new Map(conversations.map((c) => [c.conversation_id, c])))
      rebuild(!started)
    },

    list(query) {
      const parsed = parseConversationsQuery(query)
      if (!parsed.ok) return { ok: false, field: parsed.field, reason: parsed.reason }
      return { ok: true, page: pageConversations([...entries.values()].map((e) => e.info), parsed.filter) }
    },

    get(id) {
      const e = entries.get(id)
      if (!e) return null
      return { ...e.info, runs: e.runs(), tasks: tasksOf(id, e.ownTasks), task_result: posted.get(id)?.result ?? null }
    },

    ownerOf(id) {
      return entries.get(id)?.info.agent_id ?? null
    },

    async postTasks(id, agentId, body, create) {
      const e = entries.get(id)
      if (!e && !create) return { ok: false, code: 'not_found' }
      if (e && e.info.agent_id !== agentId) return { ok: false, code: 'forbidden', owner: e.info.agent_id }
      const t = now()
      const previous = posted.get(id)
      const parsed = parseTaskListInput(body, t, previous?.tasks ?? [])
      if (!parsed.ok) return { ok: false, code: 'invalid', issues: parsed.issues }
      const list: PostedTaskList = { conversationId: id, agentId, tasks: parsed.tasks, result: parsed.result, createdAt: previous?.createdAt ?? t, updatedAt: t }
      await repository.put(list)
      posted.set(id, list)
      rebuild(false)
      const info = entries.get(id)!.info
      const tasks = tasksOf(id, entries.get(id)!.ownTasks)
      hub.publish('task_tracking', conversationTopic(id), taskTrackingMessage(info, tasks, t, 'plan', parsed.result))
      return { ok: true, conversation: info, tasks }
    },

    snapshot(topic) {
      if (!topic.startsWith('conversation:') || topic.endsWith(':*')) return []
      const id = topic.slice('conversation:'.length)
      const e = entries.get(id)
      if (!e) return []
      return [{ type: 'task_tracking', topic, data: taskTrackingMessage(e.info, tasksOf(id, e.ownTasks), now(), 'view', posted.get(id)?.result ?? null) }]
    },

    get size() {
      return entries.size
    },
    get ready() {
      return started
    },
    whenReady(timeoutMs) {
      if (started) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs)
        void readyPromise.then(() => {
          clearTimeout(t)
          resolve()
        })
      })
    },
    get lastReadMs() {
      return lastReadMs
    },

    close() {
      for (const t of [debounce, statusTimer]) if (t) clearTimeout(t)
      if (safetyTimer) clearInterval(safetyTimer)
      for (const r of options.readers) r.close()
    },
  }
}
