/**
 * Folds one session's records — transcript entries (JSONL lines or `transcript_events` rows) and
 * trajectory records (`.trajectory.jsonl` lines or `trajectory_runtime_events` rows) — into the
 * facts of a conversation: its runs with their attempts and outcomes, its message count, tokens and
 * cost. Model attempts come from the same parsers the model-status source uses
 * (`translateTranscriptEntry`, `translateTrajectoryRecord`), so both views agree on every attempt.
 *
 * Runs: when OpenClaw writes trajectories, each `runId` is a run, opened by its first record and
 * closed by `session.ended` (whose `data.status` says how it ended). Without trajectories (legacy
 * layout) a run begins at each user message that is not OpenClaw's own retry prompt and ends with
 * its final answer (an assistant message that does not stop for a tool call), or when the next
 * prompt arrives first (then it answered, failed or was cut off, as its attempts say). Transcript
 * runs that match a trajectory run (same run id, or starting within it) are folded into it.
 *
 * Message count: the messages on the active branch. Transcript entries form a tree (`id` /
 * `parentId`); a `leaf` entry rewinds the branch, so abandoned messages are not counted — the same
 * number OpenClaw's own index keeps (`session_transcript_index_state.active_message_count`).
 */
import type { TokenTotals } from '../../../shared/model-status.js'
import type { RunAttemptFact, RunFact } from '../../core/conversation-facts.js'
import { emptyTokens } from '../../core/conversation-facts.js'
import type { ModelAttemptEvent } from '../../core/events.js'
import { epochMs, isObject, obj, str, time, type JsonObject } from './record-fields.js'
import { initialTranscriptState, RETRY_PREFIX, translateTranscriptEntry } from './transcript.parser.js'
import { translateTrajectoryRecord, type TrajectoryState } from './trajectory.parser.js'

export interface SessionScanResult {
  /** The session header's time, else the first record's. */
  createdAt: number | null
  /** The last record's time. */
  lastRecordAt: number | null
  transcriptEntries: number
  trajectoryRecords: number
  messageCount: number
  firstUserText: string | null
  tokens: TokenTotals
  costUsd: number
  /** Oldest first. */
  runs: RunFact[]
  /** Runs in all, when `runs` holds only the most recent (see `keepRecentRuns`). */
  runCount?: number
}

/** The result with only its most recent `max` runs: what a reader keeps between reads. */
export function keepRecentRuns(scan: SessionScanResult, max: number): SessionScanResult {
  return scan.runs.length <= max ? scan : { ...scan, runs: scan.runs.slice(-max), runCount: scan.runCount ?? scan.runs.length }
}

/**
 * The result with copies of its runs, for a reader that keeps the scanner (which goes on changing
 * the runs it returned). A reader that lets the scanner go keeps the runs as they are: one copy of
 * each run in memory, not two.
 */
export function detachRuns(scan: SessionScanResult): SessionScanResult {
  return { ...scan, runs: scan.runs.map((r) => ({ ...r, attempts: [...r.attempts] })) }
}

export interface TrajectoryRowMeta {
  /** The row seq or the 0-based line index. */
  position: number
  /** Run id of the row, when the record lacks one. */
  runId: string | null
  /** Row creation time, when the record lacks `ts`. */
  createdAt: number | null
}

export interface SessionScanner {
  /** One transcript entry, in file / seq order. `place` names it in rejections. */
  transcript(entry: unknown, place: string): void
  /** One trajectory record, in order. A record reduced to `{type}` still counts as run activity. */
  trajectory(record: unknown, meta: TrajectoryRowMeta, place: string): void
  finish(): SessionScanResult
}

/** Stop reasons after which the run goes on (a tool call is being made). */
const CONTINUING_STOPS = new Set(['toolUse', 'tool_use', 'tool_calls'])
/** A transcript run starting this close to a trajectory run's span is the same run. */
const SAME_RUN_SLACK_MS = 2_000
const TITLE_CHARS = 120

function firstText(content: unknown): string | null {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return null
  for (const part of content) {
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text
  }
  return null
}

function shortText(text: string): string | null {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat === '') return null
  return flat.length > TITLE_CHARS ? `${flat.slice(0, TITLE_CHARS - 1)}…` : flat
}

function newRun(at: number, lifecycle: RunFact['lifecycle']): RunFact {
  return {
    runId: null,
    startedAt: at,
    lastEventAt: at,
    endedAt: null,
    outcome: null,
    endReason: null,
    lifecycle,
    attempts: [],
    answeredBy: null,
    tokens: 0,
    costUsd: 0,
  }
}

/**
 * One string for each model name and error message seen: a long history repeats the same few in
 * every attempt, and each attempt kept would otherwise hold its own copy.
 */
const interned = new Map<string, string>()
const MAX_INTERNED = 20_000

function intern(text: string): string {
  const known = interned.get(text)
  if (known !== undefined) return known
  if (interned.size >= MAX_INTERNED) interned.clear()
  interned.set(text, text)
  return text
}

function attemptFact(e: ModelAttemptEvent): RunAttemptFact {
  return {
    model: intern(`${e.provider}/${e.model}`),
    at: e.at,
    outcome: e.outcome,
    reason: e.reason,
    httpStatus: e.httpStatus,
    message: e.message === null ? null : intern(e.message),
  }
}

/** How a trajectory `session.ended` says the run ended. */
function endOf(data: JsonObject, run: RunFact): { outcome: NonNullable<RunFact['outcome']>; reason: string | null } {
  const timedOut = data.timedOut === true || data.idleTimedOut === true || data.timedOutByRunBudget === true
  switch (str(data.status) ?? '') {
    case 'success':
    case 'succeeded':
    case 'completed':
    case 'done':
      return { outcome: 'succeeded', reason: null }
    case 'error':
    case 'failed':
      return { outcome: 'failed', reason: timedOut ? 'timeout' : null }
    case 'timeout':
    case 'timed_out':
      return { outcome: 'failed', reason: 'timeout' }
    case 'interrupted':
    case 'aborted':
    case 'cancelled':
    case 'killed':
      return timedOut ? { outcome: 'failed', reason: 'timeout' } : { outcome: 'aborted', reason: null }
    default: {
      if (timedOut) return { outcome: 'failed', reason: 'timeout' }
      if (data.aborted === true || data.externalAbort === true) return { outcome: 'aborted', reason: null }
      if (str(data.stopReason) === 'error' || str(data.promptError) !== null) return { outcome: 'failed', reason: null }
      return { outcome: run.answeredBy !== null ? 'succeeded' : 'failed', reason: null }
    }
  }
}

export function createSessionScanner(
  agentId: string,
  sessionId: string,
  reject: (place: string, reason: string) => void,
): SessionScanner {
  const state = initialTranscriptState()
  const nodes = new Map<string, { parent: string | null; message: boolean }>()
  let leaf: string | null = null
  let unlinkedMessages = 0
  let createdAt: number | null = null
  let firstAt: number | null = null
  let lastAt: number | null = null
  let transcriptEntries = 0
  let trajectoryRecords = 0
  let firstUserText: string | null = null
  const tokens = emptyTokens()
  let costUsd = 0

  const transcriptRuns: RunFact[] = []
  let current: RunFact | null = null
  // Attempts begun and not finished yet, with the transcript entry that began them: a model-snapshot
  // written just before a user message belongs to the run that message opens.
  let pending: { fact: RunAttemptFact; entryId: string | null }[] = []
  let previousEntryId: string | null = null
  const userMessagesSeen = new Set<string>()

  const trajectoryRuns = new Map<string, RunFact>()
  const finalAnswer = new Map<string, boolean>()
  const trajectoryState: TrajectoryState = { lastRunId: null }

  function seen(at: number | null): void {
    if (at === null) return
    firstAt = firstAt === null ? at : Math.min(firstAt, at)
    lastAt = lastAt === null ? at : Math.max(lastAt, at)
  }

  function takePending(): RunAttemptFact[] {
    const facts = pending.map((p) => p.fact)
    pending = []
    return facts
  }

  function startRun(at: number, attempts: RunAttemptFact[]): RunFact {
    const run = newRun(attempts.length > 0 ? Math.min(attempts[0]!.at, at) : at, 'transcript')
    run.attempts.push(...attempts)
    transcriptRuns.push(run)
    current = run
    return run
  }

  /** The run still open, if any. */
  function openRun(): RunFact | null {
    const run: RunFact | null = current
    return run !== null && run.outcome === null ? run : null
  }

  function ownRunId(runId: string | null): string | null {
    // Legacy releases write the session id where a run id belongs.
    return runId === null || runId === sessionId ? null : runId
  }

  function onAttempt(e: ModelAttemptEvent, entry: JsonObject): void {
    if (e.usage) {
      tokens.input += e.usage.input
      tokens.output += e.usage.output
      tokens.cacheRead += e.usage.cacheRead
      tokens.cacheWrite += e.usage.cacheWrite
      tokens.total += e.usage.total
      costUsd += e.usage.costUsd
    }
    const fact = attemptFact(e)
    if (e.outcome === 'started') {
      pending.push({ fact, entryId: str(entry.id) })
      return
    }
    const open = openRun()
    const begun = takePending()
    const run = open ?? startRun(e.at, begun)
    if (run === open) run.attempts.push(...begun)
    run.attempts.push(fact)
    if (e.usage) {
      run.tokens += e.usage.total
      run.costUsd += e.usage.costUsd
    }
    run.lastEventAt = Math.max(run.lastEventAt, e.at)
    run.runId ??= ownRunId(e.runId)
    if (e.outcome === 'succeeded') {
      run.answeredBy = fact.model
      const stop = str(obj(entry.message)?.stopReason)
      if (stop === null || !CONTINUING_STOPS.has(stop)) {
        run.endedAt = e.at
        run.outcome = 'succeeded'
      }
    }
  }

  function onUserMessage(entry: JsonObject, at: number | null): void {
    const msg = obj(entry.message)
    if (msg === null || str(msg.role) !== 'user') return
    const text = firstText(msg.content)
    if (text !== null && text.startsWith(RETRY_PREFIX)) return
    // A message copied onto a new branch after a rewind carries the moment of the original.
    const intrinsic = time(msg.timestamp)
    if (intrinsic !== null) {
      const identity = `${intrinsic}|${text ?? ''}`
      if (userMessagesSeen.has(identity)) return
      userMessagesSeen.add(identity)
    }
    if (firstUserText === null && text !== null) firstUserText = shortText(text)
    const start = at ?? intrinsic
    if (start === null) return
    // What began right before this prompt is its first attempt; anything older belongs to the open run.
    const parent = str(entry.parentId)
    const own = pending.filter((p) => p.entryId !== null && (p.entryId === parent || p.entryId === previousEntryId))
    const older = pending.filter((p) => !own.includes(p)).map((p) => p.fact)
    pending = []
    const open = openRun()
    if (open !== null) {
      open.attempts.push(...older)
      closeUnfinished(open)
    }
    startRun(start, open !== null ? own.map((p) => p.fact) : [...older, ...own.map((p) => p.fact)])
  }

  /**
   * A new prompt arrived while the previous run had no final answer: that run is over. It answered
   * (with a tool call last), or it failed on what it tried, or it was cut off before any outcome.
   */
  function closeUnfinished(run: RunFact): void {
    run.endedAt = run.lastEventAt
    if (run.answeredBy !== null) run.outcome = 'succeeded'
    else if (run.attempts.some((a) => a.outcome === 'failed' || a.outcome === 'aborted')) run.outcome = 'failed'
    else run.outcome = 'aborted'
  }

  function transcript(entry: unknown, place: string): void {
    if (!isObject(entry)) {
      reject(place, 'transcript entry is not a JSON object')
      return
    }
    transcriptEntries++
    const result = translateTranscriptEntry(entry, { agentId, sessionId, state })
    if ('reject' in result) reject(place, result.reject)
    const type = str(entry.type)
    const at = epochMs(entry.timestamp)
    seen(at)
    const id = str(entry.id)
    const isMessage = type === 'message' && isObject(entry.message)
    // A tree node names its parent (null at the root); an entry that does not is no part of the tree.
    const linked = id !== null && (entry.parentId === null || typeof entry.parentId === 'string')
    if (type === 'leaf') leaf = str(entry.targetId) ?? str(entry.parentId) ?? leaf
    else if (linked) {
      if (!nodes.has(id)) nodes.set(id, { parent: str(entry.parentId), message: isMessage })
      leaf = id
    } else if (isMessage) unlinkedMessages++
    if (type === 'session' && createdAt === null) createdAt = at
    if (type === 'message') onUserMessage(entry, at)
    if ('events' in result) {
      for (const e of result.events) if (e.kind === 'model_attempt') onAttempt(e, entry)
    }
    const run = openRun()
    if (run !== null) {
      if (at !== null) run.lastEventAt = Math.max(run.lastEventAt, at)
      if (type === 'custom') run.runId ??= ownRunId(str(obj(entry.data)?.runId))
    }
    if (type !== 'leaf' && id !== null) previousEntryId = id
  }

  function trajectory(record: unknown, meta: TrajectoryRowMeta, place: string): void {
    if (!isObject(record)) {
      reject(place, 'trajectory record is not a JSON object')
      return
    }
    trajectoryRecords++
    const at = epochMs(record.ts) ?? meta.createdAt
    const runId = str(record.runId) ?? meta.runId
    if (at === null) {
      reject(place, 'trajectory record without ts')
      return
    }
    seen(at)
    if (runId === null) return
    let run = trajectoryRuns.get(runId)
    if (!run) {
      run = newRun(at, 'trajectory')
      run.runId = runId
      trajectoryRuns.set(runId, run)
    }
    run.startedAt = Math.min(run.startedAt, at)
    run.lastEventAt = Math.max(run.lastEventAt, at)
    const data = obj(record.data) ?? {}
    const provider = str(record.provider)
    const model = str(record.modelId) ?? str(record.model)
    switch (str(record.type) ?? '') {
      case 'session.started':
        if (provider !== null && model !== null) {
          run.attempts.push({ model: `${provider}/${model}`, at, outcome: 'started', reason: null, httpStatus: null, message: null })
        }
        return
      case 'model.completed': {
        const result = translateTrajectoryRecord(record, {
          agentId,
          sessionId,
          position: meta.position,
          runId: meta.runId,
          createdAt: meta.createdAt,
          state: trajectoryState,
        })
        if ('reject' in result) {
          reject(place, result.reject)
          return
        }
        if (result.event === null) return
        const fact = attemptFact(result.event)
        run.attempts.push(fact)
        if (fact.outcome === 'succeeded') {
          run.answeredBy = fact.model
          const stop = str(data.stopReason)
          finalAnswer.set(runId, stop === null || !CONTINUING_STOPS.has(stop))
        } else finalAnswer.set(runId, false)
        return
      }
      case 'session.ended': {
        const end = endOf(data, run)
        run.endedAt = at
        run.outcome = end.outcome
        run.endReason = end.reason
        return
      }
      default:
        return
    }
  }

  function messageCount(): number {
    let count = unlinkedMessages
    const visited = new Set<string>()
    let at = leaf
    while (at !== null && !visited.has(at)) {
      visited.add(at)
      const node = nodes.get(at)
      if (!node) break
      if (node.message) count++
      at = node.parent
    }
    return count
  }

  /**
   * What the records so far say. Does not change the scanner: more records may be fed after it
   * (a transcript that grows is read from where it was left), and `finish` called again.
   */
  function finish(): SessionScanResult {
    const copy = (r: RunFact): RunFact => ({ ...r, attempts: [...r.attempts] })
    const transcriptRunsNow = transcriptRuns.map(copy)
    if (pending.length > 0) {
      const at = transcriptRuns.indexOf(current!)
      const open = at >= 0 && transcriptRunsNow[at]!.outcome === null ? transcriptRunsNow[at]! : null
      const begun = pending.map((p) => p.fact)
      // A trailing attempt with no prompt after it: a run has begun (its prompt may be written next).
      if (open !== null) open.attempts.push(...begun)
      else {
        const run = newRun(begun[0]!.at, 'transcript')
        run.attempts.push(...begun)
        transcriptRunsNow.push(run)
      }
    }
    const traced = [...trajectoryRuns.values()].map(copy)
    for (const run of traced) {
      // The answer is written; `session.ended` follows within milliseconds, or never if the process died then.
      if (run.outcome === null && finalAnswer.get(run.runId ?? '') === true) {
        const last = run.attempts[run.attempts.length - 1]
        if (last && last.outcome === 'succeeded') {
          run.endedAt = last.at
          run.outcome = 'succeeded'
        }
      }
    }
    let runs: RunFact[]
    if (traced.length === 0) runs = transcriptRunsNow
    else {
      runs = [...traced]
      for (const t of transcriptRunsNow) {
        const match =
          (t.runId !== null ? traced.find((r) => r.runId === t.runId) : undefined) ??
          traced.find(
            (r) => t.startedAt >= r.startedAt - SAME_RUN_SLACK_MS && t.startedAt <= (r.endedAt ?? r.lastEventAt) + SAME_RUN_SLACK_MS,
          )
        if (match) {
          if (match.outcome === null) match.lastEventAt = Math.max(match.lastEventAt, t.lastEventAt)
          match.answeredBy ??= t.answeredBy
          match.tokens += t.tokens
          match.costUsd += t.costUsd
        } else runs.push(t)
      }
    }
    runs.sort((a, b) => a.startedAt - b.startedAt)
    return {
      createdAt: createdAt ?? firstAt,
      lastRecordAt: lastAt,
      transcriptEntries,
      trajectoryRecords,
      messageCount: messageCount(),
      firstUserText,
      tokens: { ...tokens },
      costUsd,
      runs,
    }
  }

  return { transcript, trajectory, finish }
}
