import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { splitModelRef } from '../../src/shared/model-status.js'
import { serialiseUsageStats } from './auth-state.rules.js'
import { idleTimeoutPromptError, RETRY_PREFIX } from './failure-catalogue.js'
import { DUMMY_SECRETS, renderConfig, writeConfigFile } from './openclaw-config.js'
import { skillsSnapshot, systemPromptReport } from './session-extras.js'
import { zeroUsage, type PlannedAttempt, type TurnPlan } from './turn-plan.js'
import type { UsageStats } from './types.js'
import { resetSession, sessionKeyOf, type AgentRecord, type LayoutContext, type LayoutFactory, type LayoutTurnWrite } from './writer-model.js'

type SessionEntry = Record<string, unknown>

const TAIL_BYTES = 256 * 1024

export const sessionsDir = (stateDir: string, agentId: string): string => join(stateDir, 'agents', agentId, 'sessions')
export const agentDir = (stateDir: string, agentId: string): string => join(stateDir, 'agents', agentId, 'agent')
export const transcriptPath = (stateDir: string, agentId: string, sessionId: string): string =>
  join(sessionsDir(stateDir, agentId), `${sessionId}.jsonl`)

/** OpenClaw ≤ 2026.6: `sessions.json` + one JSONL transcript per session + `auth-state.json`. */
export const createLegacyLayoutWriter: LayoutFactory = (ctx: LayoutContext) => {
  const indexes = new Map<string, Record<string, SessionEntry>>()
  const dirty = new Set<string>()
  const dirtyAuth = new Map<string, AgentRecord>()
  const iso = (ms: number): string => new Date(ms).toISOString()
  const workspaceOf = (agentId: string): string => join(ctx.stateDir, `workspace-${agentId}`)

  function index(agentId: string): Record<string, SessionEntry> {
    let idx = indexes.get(agentId)
    if (!idx) {
      const file = join(sessionsDir(ctx.stateDir, agentId), 'sessions.json')
      idx = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, SessionEntry>) : {}
      indexes.set(agentId, idx)
    }
    return idx
  }

  function saveIndex(agentId: string): void {
    const idx = indexes.get(agentId)
    if (!idx) return
    const file = join(sessionsDir(ctx.stateDir, agentId), 'sessions.json')
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(idx, null, 2))
    renameSync(tmp, file)
    dirty.delete(agentId)
  }

  function touchIndex(agentId: string): void {
    if (ctx.deferRewrites) dirty.add(agentId)
    else saveIndex(agentId)
  }

  /** Entries chained by `parentId`, in the key order 2026.4.15 writes (ids first). */
  function chain(agent: AgentRecord): { add(type: string, at: number, body: Record<string, unknown>): void; lines: string[] } {
    const lines: string[] = []
    return {
      lines,
      add(type, at, body) {
        const id = ctx.random.hex(8)
        const entry =
          type === 'custom'
            ? { type, ...body, id, parentId: agent.lastEntryId, timestamp: iso(at) }
            : { type, id, parentId: agent.lastEntryId, timestamp: iso(at), ...body }
        lines.push(JSON.stringify(entry))
        agent.lastEntryId = id
      },
    }
  }

  function errorText(attempt: PlannedAttempt): string {
    if (attempt.outcome === 'rate_limit') {
      return `429 Rate limit reached for ${attempt.modelId}. Please try again in ${Math.max(1, Math.round(attempt.windowMs / 1000))}s.`
    }
    return attempt.errorMessage ?? ''
  }

  function writeAuth(agent: AgentRecord): void {
    if (ctx.deferRewrites) {
      dirtyAuth.set(agent.id, agent)
      return
    }
    saveAuth(agent)
  }

  function saveAuth(agent: AgentRecord): void {
    dirtyAuth.delete(agent.id)
    if (agent.usage.size === 0) return
    const dir = agentDir(ctx.stateDir, agent.id)
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'auth-state.json')
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(serialiseUsageStats(agent.usage, 'legacy'), null, 2))
    renameSync(tmp, file)
  }

  return {
    layout: 'legacy',

    writeConfig(config, at) {
      mkdirSync(ctx.stateDir, { recursive: true })
      writeConfigFile(ctx.stateDir, renderConfig(config, 'legacy', at))
    },

    createAgent(agent) {
      mkdirSync(sessionsDir(ctx.stateDir, agent.id), { recursive: true })
      const dir = agentDir(ctx.stateDir, agent.id)
      mkdirSync(dir, { recursive: true })
      const profiles: Record<string, object> = {}
      for (const p of ctx.config.providers.values()) {
        if (p.auth === 'profile') profiles[`${p.id}:default`] = { type: 'token', provider: p.id, token: DUMMY_SECRETS.profileKey(p.id) }
      }
      if (Object.keys(profiles).length > 0) {
        writeFileSync(join(dir, 'auth-profiles.json'), JSON.stringify({ version: 1, profiles }, null, 2))
      }
    },

    startSession(agent, at) {
      const sessionId = ctx.random.uuid()
      resetSession(agent, sessionId, at)
      const file = transcriptPath(ctx.stateDir, agent.id, sessionId)
      mkdirSync(sessionsDir(ctx.stateDir, agent.id), { recursive: true })
      const { provider, model } = splitModelRef(agent.chain.primary)
      const c = chain(agent)
      const header = JSON.stringify({ type: 'session', version: 3, id: sessionId, timestamp: iso(at), cwd: workspaceOf(agent.id) })
      c.add('model_change', at + 3, { provider, modelId: model })
      c.add('thinking_level_change', at + 3, { thinkingLevel: 'off' })
      appendFileSync(file, [header, ...c.lines].join('\n') + '\n')
      index(agent.id)[sessionKeyOf(agent.id)] = {
        sessionId,
        updatedAt: at,
        skillsSnapshot: skillsSnapshot(at),
        sessionFile: file,
        contextTokens: 128000,
      }
      touchIndex(agent.id)
    },

    writeTurn(agent, { plan, runId, authChanged }): LayoutTurnWrite {
      const sessionId = agent.sessionId
      if (!sessionId) throw new Error(`agent ${agent.id} has no session`)
      const c = chain(agent)
      const executed = plan.attempts.filter((a) => a.outcome !== 'cooldown_skip')
      for (const [k, attempt] of executed.entries()) {
        const api = ctx.apiFor(attempt.provider)
        if (agent.lastSnapshotRef !== attempt.modelRef) {
          c.add('custom', attempt.startAt, {
            customType: 'model-snapshot',
            data: { timestamp: attempt.startAt, provider: attempt.provider, modelApi: api, modelId: attempt.modelId },
          })
          agent.lastSnapshotRef = attempt.modelRef
        }
        const text = k === 0 ? plan.prompt : RETRY_PREFIX + plan.prompt
        c.add('message', attempt.startAt + 4, {
          message: { role: 'user', content: [{ type: 'text', text }], timestamp: attempt.startAt + 3 },
        })
        const bootstrap = (at: number): void => {
          c.add('custom', at, { customType: 'openclaw:bootstrap-context:full', data: { timestamp: at, runId, sessionId } })
        }
        const usage = (u: TurnPlan['usage']): object => ({
          input: u.input,
          output: u.output,
          cacheRead: u.cacheRead,
          cacheWrite: u.cacheWrite,
          totalTokens: u.totalTokens,
          cost: { ...u.cost },
        })
        switch (attempt.outcome) {
          case 'ok':
            c.add('message', attempt.endAt, {
              message: {
                role: 'assistant',
                content: [{ type: 'text', text: plan.reply }],
                api,
                provider: attempt.provider,
                model: attempt.modelId,
                usage: usage(plan.usage),
                stopReason: 'stop',
                timestamp: attempt.endAt - 2,
                responseId: `chatcmpl-${ctx.random.hex(24)}`,
              },
            })
            bootstrap(attempt.endAt + 2)
            break
          case 'timeout':
            c.add('custom', attempt.endAt, idleTimeoutPromptError({ at: attempt.endAt, runId, sessionId, provider: attempt.provider, model: attempt.modelId, api }))
            break
          case 'rate_limit':
          case 'auth':
          case 'billing':
          case 'overloaded':
          case 'cooldown_skip':
            c.add('message', attempt.endAt, {
              message: {
                role: 'assistant',
                content: [],
                api,
                provider: attempt.provider,
                model: attempt.modelId,
                usage: usage(zeroUsage()),
                stopReason: 'error',
                timestamp: attempt.startAt + 5,
                errorMessage: errorText(attempt),
              },
            })
            bootstrap(attempt.endAt + 8)
            break
        }
      }
      if (executed.length === 0) {
        c.add('message', plan.startAt + 4, {
          message: { role: 'user', content: [{ type: 'text', text: plan.prompt }], timestamp: plan.startAt + 3 },
        })
      }
      const text = c.lines.join('\n') + '\n'
      appendFileSync(transcriptPath(ctx.stateDir, agent.id, sessionId), text)
      const committedAt = performance.now()

      agent.sessionCostUsd += plan.usage.cost.total
      const key = sessionKeyOf(agent.id)
      const idx = index(agent.id)
      const previous = idx[key] ?? {}
      const answered = plan.answered
      const last = plan.attempts[plan.attempts.length - 1]
      const shown = answered ?? last
      idx[key] = {
        sessionId,
        updatedAt: plan.endAt + 20,
        skillsSnapshot: previous.skillsSnapshot ?? skillsSnapshot(agent.sessionStartedAt),
        sessionFile: transcriptPath(ctx.stateDir, agent.id, sessionId),
        contextTokens: 128000,
        // The last model that answered; a failed turn leaves the previous one in place.
        modelProvider: answered ? answered.provider : (previous.modelProvider ?? shown?.provider),
        model: answered ? answered.modelId : (previous.model ?? shown?.modelId),
        abortedLastRun: !answered && last?.outcome === 'timeout',
        systemPromptReport: systemPromptReport({
          at: plan.startAt,
          sessionId,
          sessionKey: key,
          provider: shown?.provider ?? '',
          model: shown?.modelId ?? '',
          workspaceDir: workspaceOf(agent.id),
          promptChars: plan.prompt.length,
        }),
        inputTokens: plan.usage.input,
        outputTokens: plan.usage.output,
        totalTokens: plan.usage.input + plan.usage.cacheRead,
        totalTokensFresh: true,
        cacheRead: plan.usage.cacheRead,
        cacheWrite: plan.usage.cacheWrite,
        estimatedCostUsd: Math.round(agent.sessionCostUsd * 1e9) / 1e9,
      }
      touchIndex(agent.id)
      if (authChanged) writeAuth(agent)
      return { transcriptEvents: c.lines.length, trajectoryEvents: 0, bytes: Buffer.byteLength(text), committedAt }
    },

    writeAuthState(agent) {
      writeAuth(agent)
    },

    loadAgent(agent) {
      const stateFile = join(agentDir(ctx.stateDir, agent.id), 'auth-state.json')
      if (existsSync(stateFile)) {
        const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as { usageStats?: Record<string, UsageStats> }
        agent.usage = new Map(Object.entries(parsed.usageStats ?? {}))
      }
      const entry = index(agent.id)[sessionKeyOf(agent.id)]
      const sessionId = typeof entry?.sessionId === 'string' ? entry.sessionId : null
      if (!entry || !sessionId) return
      agent.sessionId = sessionId
      agent.sessionCostUsd = typeof entry.estimatedCostUsd === 'number' ? entry.estimatedCostUsd : 0
      agent.lastTurnEndAt = typeof entry.updatedAt === 'number' ? entry.updatedAt : 0
      const file = transcriptPath(ctx.stateDir, agent.id, sessionId)
      if (!existsSync(file)) return
      const { head, tail } = readEnds(file)
      const header = JSON.parse(head.split('\n', 1)[0] ?? '{}') as { timestamp?: string }
      agent.sessionStartedAt = header.timestamp ? Date.parse(header.timestamp) : agent.lastTurnEndAt
      // The first tail line may be cut in half; complete lines are enough to find the cursor.
      const lines = tail.split('\n').filter((l) => l.trim() !== '')
      for (let i = lines.length - 1; i >= 0; i--) {
        try {
          const e = JSON.parse(lines[i] ?? '') as {
            type?: string
            id?: string
            customType?: string
            data?: { provider?: string; modelId?: string }
          }
          if (agent.lastEntryId === null && e.id && e.type !== 'session') agent.lastEntryId = e.id
          if (e.customType === 'model-snapshot' && e.data?.provider && e.data.modelId) {
            agent.lastSnapshotRef = `${e.data.provider}/${e.data.modelId}`
            break
          }
        } catch {
          // A partial first line of the tail window.
        }
      }
    },

    flush() {
      for (const agentId of [...dirty]) saveIndex(agentId)
      for (const agent of [...dirtyAuth.values()]) saveAuth(agent)
    },

    close() {
      for (const agentId of [...dirty]) saveIndex(agentId)
      for (const agent of [...dirtyAuth.values()]) saveAuth(agent)
    },
  }
}

function readEnds(file: string): { head: string; tail: string } {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const headBuf = Buffer.alloc(Math.min(size, 4096))
    readSync(fd, headBuf, 0, headBuf.length, 0)
    const start = Math.max(0, size - TAIL_BYTES)
    const tailBuf = Buffer.alloc(size - start)
    readSync(fd, tailBuf, 0, tailBuf.length, start)
    return { head: headBuf.toString('utf8'), tail: tailBuf.toString('utf8') }
  } finally {
    closeSync(fd)
  }
}
