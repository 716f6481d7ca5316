import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { splitModelRef } from '../../src/shared/model-status.js'
import {
  AGENT_DATABASE_DDL,
  AGENT_SCHEMA_VERSION,
  APP_VERSION,
  GLOBAL_DATABASE_DDL,
  GLOBAL_SCHEMA_VERSION,
} from './agent-schema.sql.js'
import { serialiseUsageStats } from './auth-state.rules.js'
import { IDLE_TIMEOUT_MESSAGE, idleTimeoutPromptError, RETRY_PREFIX, TURN_ABORTED_TEXT } from './failure-catalogue.js'
import { DUMMY_SECRETS, renderConfig, writeConfigFile } from './openclaw-config.js'
import { harness, skillsSnapshot, systemPromptReport, TOOLS } from './session-extras.js'
import type { PlannedAttempt, PlannedUsage, TurnPlan } from './turn-plan.js'
import { zeroUsage } from './turn-plan.js'
import type { UsageStats } from './types.js'
import {
  resetSession,
  sessionKeyOf,
  type AgentRecord,
  type HistoryMessage,
  type LayoutContext,
  type LayoutFactory,
  type LayoutTurnWrite,
  type WriterConfig,
} from './writer-model.js'

type Db = Database.Database

interface AgentDb {
  db: Db
  insertEvent: Database.Statement
  insertIdentity: Database.Statement
  insertTrajectory: Database.Statement
  upsertNode: Database.Statement
  insertWindow: Database.Statement
  updateWindow: Database.Statement
  upsertAuthState: Database.Statement
  upsertAuthStore: Database.Statement
}

interface Cursor {
  seq: number
  trajectorySeq: number
}

interface PendingEvent {
  event: Record<string, unknown>
  id: string
  type: string
  parentId: string | null
  idempotencyKey: string | null
  at: number
}

const HISTORY_KEEP = 4

export const agentDatabasePath = (stateDir: string, agentId: string): string =>
  join(stateDir, 'agents', agentId, 'agent', 'openclaw-agent.sqlite')

export const globalDatabasePath = (stateDir: string): string => join(stateDir, 'state', 'openclaw.sqlite')

/** OpenClaw 2026.8+: one SQLite database per agent, WAL mode, no JSONL. */
export const createSqliteLayoutWriter: LayoutFactory = (ctx: LayoutContext) => {
  const open = new Map<string, AgentDb>()
  const cursors = new Map<string, Cursor>()
  let globalDb: Db | null = null

  const iso = (ms: number): string => new Date(ms).toISOString()
  const workspaceOf = (agentId: string): string => join(ctx.stateDir, `workspace-${agentId}`)

  function global(): Db {
    if (globalDb) return globalDb
    const file = globalDatabasePath(ctx.stateDir)
    mkdirSync(join(ctx.stateDir, 'state'), { recursive: true })
    const fresh = !existsSync(file)
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    if (fresh) {
      db.exec(GLOBAL_DATABASE_DDL)
      db.pragma(`user_version = ${GLOBAL_SCHEMA_VERSION}`)
      const now = ctx.now()
      db.prepare(
        `INSERT INTO schema_meta (meta_key, role, schema_version, agent_id, app_version, created_at, updated_at)
         VALUES ('primary', 'global', ?, NULL, ?, ?, ?)`,
      ).run(GLOBAL_SCHEMA_VERSION, APP_VERSION, now, now)
    }
    globalDb = db
    return db
  }

  function agentDb(agentId: string, at: number): AgentDb {
    const cached = open.get(agentId)
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      open.delete(agentId)
      open.set(agentId, cached)
      return cached
    }
    const file = agentDatabasePath(ctx.stateDir, agentId)
    mkdirSync(join(ctx.stateDir, 'agents', agentId, 'agent'), { recursive: true })
    const fresh = !existsSync(file)
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    if (fresh) {
      db.exec(AGENT_DATABASE_DDL)
      db.pragma(`user_version = ${AGENT_SCHEMA_VERSION}`)
      db.prepare(
        `INSERT INTO schema_meta (meta_key, role, schema_version, agent_id, app_version, created_at, updated_at)
         VALUES ('primary', 'agent', ?, ?, ?, ?, ?)`,
      ).run(AGENT_SCHEMA_VERSION, agentId, APP_VERSION, at, at)
    }
    const handle: AgentDb = {
      db,
      insertEvent: db.prepare(
        `INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_utf8_bytes) VALUES (?, ?, ?, ?, ?)`,
      ),
      insertIdentity: db.prepare(
        `INSERT INTO transcript_event_identities (session_id, event_id, seq, event_type, parent_id, message_idempotency_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertTrajectory: db.prepare(
        `INSERT INTO trajectory_runtime_events (session_id, seq, run_id, event_json, created_at) VALUES (?, ?, ?, ?, ?)`,
      ),
      upsertNode: db.prepare(
        `INSERT INTO session_nodes (session_key, current_session_id, entry_json, entry_valid, updated_at, status,
                                    last_interaction_at, last_activity_at)
         VALUES (@key, @sessionId, @entry, 0, @updatedAt, @status, @interactionAt, @activityAt)
         ON CONFLICT(session_key) DO UPDATE SET current_session_id = excluded.current_session_id,
           entry_json = excluded.entry_json, entry_valid = 0, updated_at = excluded.updated_at,
           status = excluded.status, last_interaction_at = excluded.last_interaction_at,
           last_activity_at = excluded.last_activity_at`,
      ),
      insertWindow: db.prepare(
        `INSERT INTO session_windows (session_id, session_key, previous_session_id, reason, created_at, updated_at,
                                      transcript_updated_at, transcript_observed_at, session_entry_provenance)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      ),
      updateWindow: db.prepare(
        `UPDATE session_windows SET updated_at = @updatedAt, transcript_updated_at = @transcriptAt,
           transcript_observed_at = @transcriptAt, started_at = @startedAt, ended_at = @endedAt, status = @status
         WHERE session_id = @sessionId`,
      ),
      upsertAuthState: db.prepare(
        `INSERT INTO auth_profile_state (state_key, state_json, updated_at) VALUES ('primary', ?, ?)
         ON CONFLICT(state_key) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
      ),
      upsertAuthStore: db.prepare(
        `INSERT INTO auth_profile_store (store_key, store_json, updated_at) VALUES ('primary', ?, ?)
         ON CONFLICT(store_key) DO UPDATE SET store_json = excluded.store_json, updated_at = excluded.updated_at`,
      ),
    }
    open.set(agentId, handle)
    while (open.size > ctx.maxOpenDatabases) {
      const [oldest, h] = open.entries().next().value as [string, AgentDb]
      open.delete(oldest)
      recordSize(oldest, ctx.now())
      h.db.close()
    }
    return handle
  }

  function recordSize(agentId: string, at: number): void {
    const file = agentDatabasePath(ctx.stateDir, agentId)
    let size: number | null = null
    try {
      size = statSync(file).size
    } catch {
      size = null
    }
    global()
      .prepare(
        `INSERT INTO agent_databases (agent_id, path, schema_version, last_seen_at, size_bytes) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(agent_id, path) DO UPDATE SET last_seen_at = excluded.last_seen_at, size_bytes = excluded.size_bytes`,
      )
      .run(agentId, `agents/${agentId}/agent/openclaw-agent.sqlite`, AGENT_SCHEMA_VERSION, at, size)
  }

  function append(h: AgentDb, sessionId: string, cursor: Cursor, events: PendingEvent[]): number {
    let bytes = 0
    for (const e of events) {
      const json = JSON.stringify(e.event)
      const size = Buffer.byteLength(json)
      bytes += size
      h.insertEvent.run(sessionId, cursor.seq, json, e.at, size)
      h.insertIdentity.run(sessionId, e.id, cursor.seq, e.type, e.parentId, e.idempotencyKey, e.at)
      cursor.seq++
    }
    return bytes
  }

  /** Builds transcript entries chained by `parentId`, in the key order 2026.9.6 writes. */
  function chain(agent: AgentRecord): {
    add(type: string, at: number, body: Record<string, unknown>, idempotencyKey?: string): string
    events: PendingEvent[]
  } {
    const events: PendingEvent[] = []
    return {
      events,
      add(type, at, body, idempotencyKey) {
        const id = ctx.random.uuid()
        const parentId = agent.lastEntryId
        const ts = iso(at)
        // `message` entries put id/parentId first; the others put them after their payload.
        const event =
          type === 'message'
            ? { type, id, parentId, timestamp: ts, ...body }
            : { type, ...body, id, parentId, timestamp: ts }
        events.push({ event, id, type, parentId, idempotencyKey: idempotencyKey ?? null, at })
        agent.lastEntryId = id
        return id
      },
    }
  }

  function entryJson(agent: AgentRecord, plan: TurnPlan | null, runId: string | null, at: number): object {
    const base: Record<string, unknown> = {
      sessionId: agent.sessionId,
      updatedAt: at,
      sessionStartedAt: agent.sessionStartedAt,
      delivery: { kind: 'none' },
      skillsSnapshot: skillsSnapshot(agent.sessionStartedAt),
    }
    if (!plan || !runId) return base
    const last = plan.attempts[plan.attempts.length - 1]
    const shown = plan.answered ?? last
    const firstFailure = plan.attempts.find((a) => a.outcome !== 'ok')
    const aborted = !plan.answered && last?.outcome === 'timeout'
    Object.assign(base, {
      lastInteractionAt: plan.promptAt,
      activeWriterRunId: runId,
      abortedLastRun: aborted,
      lastActivityAt: plan.endAt,
      systemPromptReport: systemPromptReport({
        at: plan.startAt,
        sessionId: agent.sessionId ?? '',
        sessionKey: sessionKeyOf(agent.id),
        provider: shown?.provider ?? '',
        model: shown?.modelId ?? '',
        workspaceDir: workspaceOf(agent.id),
        promptChars: plan.prompt.length,
      }),
      inputTokens: plan.usage.input,
      outputTokens: plan.usage.output,
      cacheRead: plan.usage.cacheRead,
      cacheWrite: plan.usage.cacheWrite,
      estimatedCostUsd: plan.usage.cost.total,
      totalTokens: plan.usage.input + plan.usage.cacheRead,
      totalTokensFresh: true,
      totalTokensVersion: 1,
      status: plan.answered ? 'done' : 'failed',
      startedAt: plan.startAt,
      endedAt: plan.endAt,
      runtimeMs: plan.endAt - plan.startAt,
      lastRunId: runId,
    })
    if (plan.answered && plan.answered.modelRef !== agent.chain.primary) {
      base.fallbackNotice = {
        kind: 'active',
        selectedModel: agent.chain.primary,
        activeModel: plan.answered.modelRef,
        reason: firstFailure?.failure?.reason ?? 'unknown',
      }
    }
    return base
  }

  function trajectory(
    agent: AgentRecord,
    plan: TurnPlan,
    runId: string,
    responseId: string,
    attempt: PlannedAttempt,
    retry: boolean,
    last: boolean,
  ): { at: number; event: object }[] {
    const sessionId = agent.sessionId ?? ''
    const api = ctx.apiFor(attempt.provider)
    const promptText = retry ? RETRY_PREFIX + plan.prompt : plan.prompt
    const systemPrompt = { truncated: true, reason: 'trajectory-field-size-limit', originalChars: 48330, limitChars: 32768 }
    const timedOut = attempt.outcome === 'timeout'
    const flags = {
      aborted: timedOut,
      externalAbort: false,
      timedOut,
      idleTimedOut: timedOut,
      timedOutDuringCompaction: false,
      timedOutDuringToolExecution: false,
      timedOutByRunBudget: false,
    }
    const userSnap = {
      role: 'user',
      content: [{ type: 'text', text: promptText }],
      timestamp: attempt.startAt + 3,
      idempotencyKey: `${runId}:user`,
    }
    const usage = plan.usage
    const usageSummary = {
      input: usage.input,
      output: usage.output,
      cacheRead: usage.cacheRead,
      cacheWrite: usage.cacheWrite,
      total: usage.totalTokens,
      cost: { total: usage.cost.total },
    }
    const promptCache = {
      lastCallUsage: { ...usageSummary, total: usage.totalTokens },
      lastCacheTouchAt: attempt.endAt - 1,
    }
    const ok = attempt.outcome === 'ok'
    const finalStatus = ok ? 'success' : timedOut ? 'interrupted' : 'error'
    const stop = ok ? { stopReason: 'stop' } : timedOut ? {} : { stopReason: 'error' }
    const promptError = timedOut ? { promptError: IDLE_TIMEOUT_MESSAGE } : {}

    let completed: Record<string, unknown>
    if (ok) {
      completed = {
        ...flags,
        promptErrorSource: null,
        usage: usageSummary,
        promptCache,
        compactionCount: 0,
        assistantTexts: [plan.reply],
        stopReason: 'stop',
        finalPromptText: plan.prompt,
        messagesSnapshot: [...agent.history, userSnap, assistantMessage(attempt, plan.reply, usage, api, null, responseId)],
      }
    } else if (timedOut) {
      completed = {
        ...flags,
        promptError: IDLE_TIMEOUT_MESSAGE,
        promptErrorSource: 'prompt',
        compactionCount: 0,
        assistantTexts: [],
        finalPromptText: plan.prompt,
        messagesSnapshot: [...agent.history, userSnap],
      }
    } else {
      completed = {
        ...flags,
        promptErrorSource: null,
        compactionCount: 0,
        assistantTexts: [],
        stopReason: 'error',
        finalPromptText: plan.prompt,
        messagesSnapshot: [
          ...agent.history,
          userSnap,
          {
            role: 'assistant',
            content: [],
            api,
            provider: attempt.provider,
            model: attempt.modelId,
            usage: usageRecord(zeroUsage()),
            stopReason: 'error',
            timestamp: attempt.endAt - 2,
            errorMessage: attempt.errorMessage,
            errorCode: attempt.failure?.errorCode ?? null,
            errorType: attempt.failure?.errorType ?? null,
            errorBody: JSON.stringify({
              code: attempt.failure?.errorCode ?? null,
              message: attempt.failure?.errorBodyMessage({
                modelId: attempt.modelId,
                modelRef: attempt.modelRef,
                windowMs: attempt.windowMs,
                profileId: attempt.profileId,
              }),
              param: null,
              type: attempt.failure?.errorType ?? null,
            }),
          },
        ],
      }
    }
    const artifacts: Record<string, unknown> = {
      capturedAt: iso(attempt.endAt),
      finalStatus,
      ...flags,
      ...promptError,
      promptErrorSource: timedOut ? 'prompt' : null,
      ...(ok ? { usage: usageSummary, promptCache } : {}),
      compactionCount: 0,
      assistantTexts: ok ? [plan.reply] : [],
      ...stop,
      finalPromptText: plan.prompt,
      itemLifecycle: { startedCount: 0, completedCount: 0, activeCount: 0 },
      toolMetas: [],
      didSendViaMessagingTool: false,
      successfulCronAdds: 0,
      messagingToolSentTexts: [],
      messagingToolSentMediaUrls: [],
      messagingToolSentTargets: [],
    }
    const records: [string, number, object][] = [
      [
        'session.started',
        attempt.startAt + 1,
        {
          trigger: 'user',
          sessionFile: sessionKeyOf(agent.id),
          workspaceDir: workspaceOf(agent.id),
          agentId: agent.id,
          localModelLean: false,
          toolCount: TOOLS.length,
          clientToolCount: 0,
        },
      ],
      [
        'trace.metadata',
        attempt.startAt + 2,
        {
          capturedAt: iso(attempt.startAt + 1),
          harness: harness(agent.id, plan.prompt),
          model: { provider: attempt.provider, name: attempt.modelId, api, fastMode: false, thinkLevel: 'off', reasoningLevel: 'off' },
          config: {
            redacted: {
              agents: { defaults: { model: { primary: ctx.config.defaults.primary } }, ownership: 'explicit' },
              gateway: { port: 18789, mode: 'local', bind: 'loopback', auth: { mode: 'token' } },
            },
            runtime: { timeoutMs: 89996, trigger: 'user', disableTools: false, toolResultFormat: 'markdown' },
          },
          plugins: { source: 'active-registry', importedRuntimePluginIds: ['anthropic', 'browser', 'memory-core', 'openai'] },
          skills: '[Truncated]',
          prompting: '[Truncated]',
          redaction: '[Truncated]',
          metadata: '[Truncated]',
        },
      ],
      [
        'context.compiled',
        attempt.startAt + 3,
        {
          systemPrompt,
          prompt: promptText,
          messages: agent.history,
          tools: TOOLS,
          providerVisibleTools: '[Truncated]',
          imagesCount: 0,
          streamStrategy: `boundary-aware:${api}`,
          transport: 'auto',
          transcriptLeafId: agent.lastEntryId,
        },
      ],
      ['prompt.submitted', attempt.startAt + 4, { prompt: promptText, systemPrompt, messages: agent.history, imagesCount: 0 }],
      ['model.completed', attempt.endAt, completed],
      ['trace.artifacts', attempt.endAt + 1, artifacts],
    ]
    if (last) {
      records.push(['session.ended', attempt.endAt + 30, { status: finalStatus, ...flags, ...promptError, ...stop }])
    }
    return records.map(([type, at, data], i) => ({
      at,
      event: {
        traceSchema: 'openclaw-trajectory',
        schemaVersion: 1,
        traceId: sessionId,
        source: 'runtime',
        type,
        ts: iso(at),
        seq: i + 1,
        sourceSeq: i + 1,
        sessionId,
        sessionKey: sessionKeyOf(agent.id),
        runId,
        workspaceDir: workspaceOf(agent.id),
        provider: attempt.provider,
        modelId: attempt.modelId,
        modelApi: api,
        data,
      },
    }))
  }

  function writeAuth(h: AgentDb, agent: AgentRecord, at: number): void {
    h.upsertAuthState.run(JSON.stringify(serialiseUsageStats(agent.usage, 'sqlite')), at)
  }

  return {
    layout: 'sqlite',

    writeConfig(config: WriterConfig, at: number) {
      mkdirSync(ctx.stateDir, { recursive: true })
      writeConfigFile(ctx.stateDir, renderConfig(config, 'sqlite', at))
      global()
    },

    createAgent(agent, at) {
      const h = agentDb(agent.id, at)
      const profiles: Record<string, object> = {}
      for (const p of ctx.config.providers.values()) {
        if (p.auth === 'profile') profiles[`${p.id}:default`] = { type: 'api_key', provider: p.id, key: DUMMY_SECRETS.profileKey(p.id) }
      }
      h.upsertAuthStore.run(JSON.stringify({ version: 1, profiles }), at)
      recordSize(agent.id, at)
    },

    startSession(agent, at, previousSessionId) {
      const h = agentDb(agent.id, at)
      const sessionId = ctx.random.uuid()
      resetSession(agent, sessionId, at)
      const cursor: Cursor = { seq: 0, trajectorySeq: 0 }
      cursors.set(agent.id, cursor)
      const key = sessionKeyOf(agent.id)
      const { provider, model: modelId } = splitModelRef(agent.chain.primary)
      h.db.transaction(() => {
        h.upsertNode.run({
          key,
          sessionId,
          entry: JSON.stringify(entryJson(agent, null, null, at)),
          updatedAt: at,
          status: null,
          interactionAt: null,
          activityAt: null,
        })
        h.insertWindow.run(sessionId, key, previousSessionId, previousSessionId ? 'reset' : null, at, at, at, at)
        const header = { type: 'session', version: 4, id: sessionId, timestamp: iso(at), cwd: workspaceOf(agent.id) }
        const headerJson = JSON.stringify(header)
        h.insertEvent.run(sessionId, cursor.seq, headerJson, at, Buffer.byteLength(headerJson))
        h.insertIdentity.run(sessionId, sessionId, cursor.seq, 'session', null, null, at)
        cursor.seq++
        const c = chain(agent)
        c.add('model_change', at + 2, { provider, modelId })
        c.add('thinking_level_change', at + 40, { thinkingLevel: 'off' })
        append(h, sessionId, cursor, c.events)
      })()
    },

    writeTurn(agent, { plan, runId, authChanged }): LayoutTurnWrite {
      const sessionId = agent.sessionId
      const cursor = cursors.get(agent.id)
      if (!sessionId || !cursor) throw new Error(`agent ${agent.id} has no session`)
      const h = agentDb(agent.id, plan.endAt)
      const c = chain(agent)
      const userText = plan.prompt
      const userMessage: HistoryMessage = {
        role: 'user',
        content: userText,
        timestamp: plan.promptAt,
        __openclaw: { senderIsOwner: true },
        idempotencyKey: `${runId}:user`,
      }
      const executed = plan.attempts.filter((a) => a.outcome !== 'cooldown_skip')
      const trajectoryRows: { at: number; event: object }[] = []
      const responseId = `chatcmpl-${ctx.random.hex(24)}`
      let userWritten = false
      let answer: HistoryMessage | null = null

      for (const [k, attempt] of executed.entries()) {
        const api = ctx.apiFor(attempt.provider)
        if (agent.lastSnapshotRef !== attempt.modelRef) {
          c.add('custom', attempt.startAt, {
            customType: 'model-snapshot',
            data: { timestamp: attempt.startAt - 1, provider: attempt.provider, modelApi: api, modelId: attempt.modelId },
          })
          agent.lastSnapshotRef = attempt.modelRef
        }
        if (!userWritten) {
          c.add('message', attempt.startAt + 5, { message: userMessage }, `${runId}:user`)
          userWritten = true
        }
        trajectoryRows.push(...trajectory(agent, plan, runId, responseId, attempt, k > 0, k === executed.length - 1))
        const bootstrap = (at: number): void => {
          c.add('custom', at, { customType: 'openclaw:bootstrap-context:full', data: { timestamp: at, runId, sessionId } })
        }
        switch (attempt.outcome) {
          case 'ok': {
            answer = assistantMessage(attempt, plan.reply, plan.usage, api, runId, responseId)
            c.add('message', attempt.endAt, { message: answer })
            bootstrap(attempt.endAt + 15)
            break
          }
          case 'timeout': {
            c.add('custom', attempt.endAt, idleTimeoutPromptError({ at: attempt.endAt, runId, sessionId, provider: attempt.provider, model: attempt.modelId, api }))
            c.add('message', attempt.endAt + 12, {
              message: {
                role: 'assistant',
                content: [{ type: 'text', text: '' }],
                api,
                provider: attempt.provider,
                model: attempt.modelId,
                stopReason: 'aborted',
                errorMessage: IDLE_TIMEOUT_MESSAGE,
                timestamp: attempt.endAt + 4,
                usage: usageRecord(zeroUsage()),
                __openclaw: { runId },
              },
            })
            c.add('custom_message', attempt.endAt + 22, {
              customType: 'openclaw:turn-aborted',
              content: TURN_ABORTED_TEXT,
              display: false,
            })
            break
          }
          case 'rate_limit':
          case 'auth':
          case 'billing':
          case 'overloaded':
          case 'cooldown_skip':
            bootstrap(attempt.endAt + 5)
            break
        }
      }
      if (!userWritten) c.add('message', plan.startAt + 5, { message: userMessage }, `${runId}:user`)

      let bytes = 0
      h.db.transaction(() => {
        bytes += append(h, sessionId, cursor, c.events)
        for (const row of trajectoryRows) {
          const json = JSON.stringify(row.event)
          bytes += Buffer.byteLength(json)
          h.insertTrajectory.run(sessionId, cursor.trajectorySeq++, runId, json, row.at)
        }
        const end = plan.endAt + 40
        h.upsertNode.run({
          key: sessionKeyOf(agent.id),
          sessionId,
          entry: JSON.stringify(entryJson(agent, plan, runId, end)),
          updatedAt: end,
          status: plan.answered ? 'done' : 'failed',
          interactionAt: plan.promptAt,
          activityAt: plan.endAt,
        })
        h.updateWindow.run({
          sessionId,
          updatedAt: end,
          transcriptAt: plan.endAt + 20,
          startedAt: plan.startAt,
          endedAt: plan.endAt,
          status: plan.answered ? 'done' : 'failed',
        })
        if (authChanged) writeAuth(h, agent, plan.endAt)
      })()
      const committedAt = performance.now()

      agent.history.push(userMessage)
      if (answer) agent.history.push(answer)
      if (agent.history.length > HISTORY_KEEP) agent.history.splice(0, agent.history.length - HISTORY_KEEP)
      agent.sessionCostUsd += plan.usage.cost.total
      return { transcriptEvents: c.events.length, trajectoryEvents: trajectoryRows.length, bytes, committedAt }
    },

    writeAuthState(agent, at) {
      writeAuth(agentDb(agent.id, at), agent, at)
    },

    loadAgent(agent) {
      const h = agentDb(agent.id, ctx.now())
      const node = h.db
        .prepare(
          `SELECT current_session_id AS sessionId, entry_json AS entry, updated_at AS updatedAt FROM session_nodes WHERE session_key = ?`,
        )
        .get(sessionKeyOf(agent.id)) as { sessionId: string; entry: string; updatedAt: number } | undefined
      const state = h.db.prepare(`SELECT state_json AS json FROM auth_profile_state WHERE state_key = 'primary'`).get() as
        | { json: string }
        | undefined
      if (state) {
        const parsed = JSON.parse(state.json) as { usageStats?: Record<string, UsageStats> }
        agent.usage = new Map(Object.entries(parsed.usageStats ?? {}))
      }
      if (!node) return
      const entry = JSON.parse(node.entry) as { sessionStartedAt?: number }
      agent.sessionId = node.sessionId
      agent.sessionStartedAt = entry.sessionStartedAt ?? node.updatedAt
      agent.lastTurnEndAt = node.updatedAt
      const maxSeq = h.db.prepare(`SELECT max(seq) AS m FROM transcript_events WHERE session_id = ?`).get(node.sessionId) as {
        m: number | null
      }
      const maxTrajectory = h.db
        .prepare(`SELECT max(seq) AS m FROM trajectory_runtime_events WHERE session_id = ?`)
        .get(node.sessionId) as { m: number | null }
      cursors.set(agent.id, { seq: (maxSeq.m ?? -1) + 1, trajectorySeq: (maxTrajectory.m ?? -1) + 1 })
      const lastId = h.db
        .prepare(`SELECT event_id AS id FROM transcript_event_identities WHERE session_id = ? ORDER BY seq DESC LIMIT 1`)
        .get(node.sessionId) as { id: string } | undefined
      agent.lastEntryId = lastId?.id ?? null
      const snapshot = h.db
        .prepare(
          `SELECT event_json AS json FROM transcript_events WHERE session_id = ? AND event_json LIKE '%"model-snapshot"%'
           ORDER BY seq DESC LIMIT 1`,
        )
        .get(node.sessionId) as { json: string } | undefined
      if (snapshot) {
        const data = (JSON.parse(snapshot.json) as { data?: { provider?: string; modelId?: string } }).data
        agent.lastSnapshotRef = data?.provider && data.modelId ? `${data.provider}/${data.modelId}` : null
      }
    },

    flush() {
      const now = ctx.now()
      for (const agentId of open.keys()) recordSize(agentId, now)
    },

    close() {
      const now = ctx.now()
      for (const [agentId, h] of open) {
        recordSize(agentId, now)
        h.db.close()
      }
      open.clear()
      globalDb?.close()
      globalDb = null
    },
  }
}

function usageRecord(u: PlannedUsage): object {
  return {
    input: u.input,
    output: u.output,
    cacheRead: u.cacheRead,
    cacheWrite: u.cacheWrite,
    totalTokens: u.totalTokens,
    cost: { ...u.cost },
  }
}

function assistantMessage(
  attempt: PlannedAttempt,
  text: string,
  usage: PlannedUsage,
  api: string,
  runId: string | null,
  responseId: string,
): HistoryMessage {
  return {
    role: 'assistant',
    content: [{ type: 'text', text }],
    api,
    provider: attempt.provider,
    model: attempt.modelId,
    usage: usageRecord(usage),
    stopReason: 'stop',
    timestamp: attempt.endAt - 3,
    responseId,
    ...(runId ? { __openclaw: { runId } } : {}),
  }
}
