import { describe, expect, it } from 'vitest'
import type { ConversationInfo, ConversationStatus, Task } from '../../shared/conversations.js'
import { emptyTokens, type ConversationFacts } from './conversation-facts.js'
import {
  conversationTitle,
  decodeCursor,
  encodeCursor,
  pageConversations,
  parseConversationsQuery,
  statusUpdateMessages,
  taskTrackingMessage,
  toConversationDetail,
  toConversationInfo,
  toConversationRun,
  type ConversationsFilter,
} from './conversation-view.js'

const T0 = Date.parse('2026-11-22T10:40:00.000Z')

function facts(over: Partial<ConversationFacts> = {}): ConversationFacts {
  return {
    source: 'openclaw',
    agentId: 'ops',
    sessionId: 's-1',
    sessionKey: 'agent:ops:main',
    layout: 'sqlite',
    label: null,
    firstUserText: 'hello ops',
    trigger: 'operator',
    createdAt: T0,
    indexUpdatedAt: T0 + 60_000,
    lastActivityAt: T0 + 30_000,
    messageCount: 2,
    tokens: { input: 1234, output: 56, cacheRead: 0, cacheWrite: 0, total: 1290 },
    costUsd: 0.0013459999999999998,
    indexModel: null,
    runs: [
      {
        runId: 'r1',
        startedAt: T0 + 10_000,
        lastEventAt: T0 + 30_000,
        endedAt: T0 + 30_000,
        outcome: 'succeeded',
        endReason: null,
        lifecycle: 'trajectory',
        attempts: [
          { model: 'mock/mock-primary', at: T0 + 10_000, outcome: 'started', reason: null, httpStatus: null, message: null },
          { model: 'mock/mock-primary', at: T0 + 11_000, outcome: 'failed', reason: 'rate_limit', httpStatus: 429, message: '429 Rate limit' },
          { model: 'backup/mock-fallback', at: T0 + 12_000, outcome: 'started', reason: null, httpStatus: null, message: null },
          { model: 'backup/mock-fallback', at: T0 + 30_000, outcome: 'succeeded', reason: null, httpStatus: null, message: null },
        ],
        answeredBy: 'backup/mock-fallback',
        tokens: 1290,
        costUsd: 0.0013459999999999998,
      },
    ],
    archive: null,
    observed: { status: 'done', startedAt: T0 + 10_000, endedAt: T0 + 30_000, abortedLastRun: false },
    ...over,
  }
}

const idle = { status: 'STOPPED', runtimeStatus: 'IDLE', reason: 'idle', inferred: false } as const

describe('conversation view', () => {
  it('maps facts to the snake_case ConversationInfo', () => {
    expect(toConversationInfo(facts(), idle)).toEqual({
      conversation_id: 's-1',
      title: 'hello ops',
      status: 'STOPPED',
      runtime_status: 'IDLE',
      status_reason: 'idle',
      status_inferred: false,
      trigger: 'operator',
      url: '/api/conversations/s-1',
      created_at: '2026-11-22T10:40:00.000Z',
      updated_at: '2026-11-22T10:41:00.000Z',
      source: 'openclaw',
      agent_id: 'ops',
      session_key: 'agent:ops:main',
      session_id: 's-1',
      current_model: 'backup/mock-fallback',
      tokens: { input: 1234, output: 56, cache_read: 0, cache_write: 0, total: 1290 },
      cost_usd: 0.001346,
      last_activity_at: '2026-11-22T10:40:30.000Z',
      message_count: 2,
      run_count: 1,
      last_run: {
        run_id: 'r1',
        started_at: '2026-11-22T10:40:10.000Z',
        ended_at: '2026-11-22T10:40:30.000Z',
        outcome: 'succeeded',
        answered_by: 'backup/mock-fallback',
        models_tried: ['mock/mock-primary', 'backup/mock-fallback'],
        failed_attempts: 1,
        tokens: 1290,
        cost_usd: 0.001346,
        attempts: [
          { model: 'mock/mock-primary', at: '2026-11-22T10:40:10.000Z', outcome: 'started', reason: null, http_status: null, message: null },
          { model: 'mock/mock-primary', at: '2026-11-22T10:40:11.000Z', outcome: 'failed', reason: 'rate_limit', http_status: 429, message: '429 Rate limit' },
          { model: 'backup/mock-fallback', at: '2026-11-22T10:40:12.000Z', outcome: 'started', reason: null, http_status: null, message: null },
          { model: 'backup/mock-fallback', at: '2026-11-22T10:40:30.000Z', outcome: 'succeeded', reason: null, http_status: null, message: null },
        ],
        last_error: { reason: 'rate_limit', message: '429 Rate limit', http_status: 429 },
      },
      archived_at: null,
    })
  })

  it('titles: label, else first prompt, else key, else id; current model falls back to the index', () => {
    expect(conversationTitle(facts({ label: 'Nightly report' }))).toBe('Nightly report')
    expect(conversationTitle(facts({ firstUserText: null }))).toBe('agent:ops:main')
    expect(conversationTitle(facts({ firstUserText: null, sessionKey: null }))).toBe('s-1')
    const info = toConversationInfo(facts({ runs: [], indexModel: 'backup/mock-fallback', sessionId: 'a b' }), idle, { apiBase: '/v2/c' })
    expect([info.current_model, info.last_run, info.url, info.run_count]).toEqual(['backup/mock-fallback', null, '/v2/c/a%20b', 0])
  })

  it('the detail adds every run and the task list', () => {
    const task: Task = { id: 't1', title: 'x', status: 'todo', notes: '', updated_at: '2026-11-22T10:40:00.000Z', source: 'api', outcome: null }
    const d = toConversationDetail(facts(), idle, [task])
    expect(d.runs).toHaveLength(1)
    expect(d.tasks).toEqual([task])
  })

  it('a run that did not change keeps its view; one that grew or ended gets a new one', () => {
    const f = facts()
    const run = f.runs[0]!
    run.endedAt = null
    run.outcome = null
    const first = toConversationRun(run)
    expect(toConversationRun(run)).toBe(first)
    expect(toConversationInfo(f, idle).last_run).toBe(first)

    // A scan appends attempts and ends the run in place.
    run.attempts.push({ model: 'backup/mock-fallback', at: T0 + 40_000, outcome: 'failed', reason: 'timeout', httpStatus: null, message: 'timed out' })
    const grown = toConversationRun(run)
    expect(grown).not.toBe(first)
    expect(grown.attempts).toHaveLength(5)
    expect(grown.failed_attempts).toBe(2)
    expect(grown.last_error).toEqual({ reason: 'timeout', message: 'timed out', http_status: null })

    run.endedAt = T0 + 40_000
    run.outcome = 'failed'
    const ended = toConversationRun(run)
    expect(ended).not.toBe(grown)
    expect(ended).toMatchObject({ outcome: 'failed', ended_at: '2026-11-22T10:40:40.000Z' })
    // The same facts in another object: an equal view of its own.
    expect(toConversationRun({ ...run, attempts: [...run.attempts] })).toEqual(ended)
  })
})

function info(id: string, agent: string, status: ConversationStatus, updatedAt: number): ConversationInfo {
  return {
    ...toConversationInfo(facts({ sessionId: id, agentId: agent, createdAt: updatedAt, indexUpdatedAt: updatedAt, lastActivityAt: updatedAt }), idle),
    status,
  }
}

const list = [
  info('a', 'main', 'STOPPED', T0 + 1000),
  info('b', 'ops', 'RUNNING', T0 + 5000),
  info('c', 'main', 'ERROR', T0 + 3000),
  info('d', 'main', 'STOPPED', T0 + 5000),
  info('e', 'rl', 'ARCHIVED', T0 + 2000),
]

function filter(query: Parameters<typeof parseConversationsQuery>[0]): ConversationsFilter {
  const parsed = parseConversationsQuery(query)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.filter
}

describe('listing conversations', () => {
  it('newest update first, ties by id; filters by agent, status and update time', () => {
    expect(pageConversations(list, filter({})).conversations.map((c) => c.conversation_id)).toEqual(['b', 'd', 'c', 'e', 'a'])
    expect(pageConversations(list, filter({ agent: 'main' })).conversations.map((c) => c.conversation_id)).toEqual(['d', 'c', 'a'])
    expect(pageConversations(list, filter({ status: 'stopped,ERROR' })).conversations.map((c) => c.conversation_id)).toEqual(['d', 'c', 'a'])
    expect(pageConversations(list, filter({ updated_since: new Date(T0 + 3000).toISOString() })).conversations.map((c) => c.conversation_id)).toEqual([
      'b',
      'd',
      'c',
    ])
    expect(pageConversations(list, filter({ updated_since: String(T0 + 5000) })).conversations.map((c) => c.conversation_id)).toEqual(['b', 'd'])
  })

  it('walks every page with the cursor, each item once', () => {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = pageConversations(list, filter({ limit: '2', ...(cursor ? { cursor } : {}) }))
      seen.push(...page.conversations.map((c) => c.conversation_id))
      cursor = page.next_cursor ?? undefined
      pages++
    } while (cursor !== undefined)
    expect([seen, pages]).toEqual([['b', 'd', 'c', 'e', 'a'], 3])
    expect(pageConversations(list, filter({ limit: '5' })).next_cursor).toBeNull()
  })

  it('a cursor stays valid when the item it points at is gone', () => {
    const cursor = encodeCursor(T0 + 5000, 'd')
    expect(decodeCursor(cursor)).toEqual({ updatedAt: T0 + 5000, id: 'd' })
    const without = list.filter((c) => c.conversation_id !== 'd')
    expect(pageConversations(without, filter({ cursor })).conversations.map((c) => c.conversation_id)).toEqual(['c', 'e', 'a'])
  })

  it('rejects bad query values with the field at fault', () => {
    expect(parseConversationsQuery({ status: 'RUNNING,PAUSED' })).toMatchObject({ ok: false, field: 'status' })
    expect(parseConversationsQuery({ updated_since: 'yesterday' })).toMatchObject({ ok: false, field: 'updated_since' })
    expect(parseConversationsQuery({ cursor: 'bm9wZQ' })).toMatchObject({ ok: false, field: 'cursor' })
    expect(parseConversationsQuery({ limit: '0' })).toMatchObject({ ok: false, field: 'limit' })
    expect(parseConversationsQuery({ limit: '201' })).toMatchObject({ ok: false, field: 'limit' })
    expect(parseConversationsQuery({ limit: '2.5' })).toMatchObject({ ok: false, field: 'limit' })
    expect(parseConversationsQuery({ agent: '', status: '', limit: '' })).toMatchObject({ ok: true, filter: { agent: null, statuses: null, limit: 50 } })
  })
})

describe('seed 001 messages', () => {
  const at = Date.parse('2026-11-22T10:50:40.000Z')

  it('status_update keeps the seed shape {type, id, timestamp, data}', () => {
    const { messages, forced } = statusUpdateMessages(toConversationInfo(facts(), idle), 'RUNNING', at)
    expect(forced).toBe(false)
    expect(messages).toEqual([
      {
        type: 'status_update',
        id: expect.stringMatching(/^status-[0-9a-z]+$/),
        timestamp: '2026-11-22T10:50:40.000Z',
        data: {
          conversation_id: 's-1',
          agent_id: 'ops',
          status: 'STOPPED',
          runtime_status: 'IDLE',
          message: 'Idle: the last run answered (backup/mock-fallback)',
          reason: 'idle',
          previous_status: 'RUNNING',
          inferred: false,
        },
      },
    ])
  })

  it('a skipped edge is walked: STARTING → STOPPED sends RUNNING (inferred) then STOPPED', () => {
    const { messages } = statusUpdateMessages(toConversationInfo(facts(), idle), 'STARTING', at)
    expect(messages.map((m) => [m.data.previous_status, m.data.status, m.data.inferred, m.data.reason])).toEqual([
      ['STARTING', 'RUNNING', true, 'run_in_progress'],
      ['RUNNING', 'STOPPED', false, 'idle'],
    ])
    expect(new Set(messages.map((m) => m.id)).size).toBe(2)
  })

  it('no change, no message; leaving ARCHIVED is forced', () => {
    expect(statusUpdateMessages(toConversationInfo(facts(), idle), 'STOPPED', at).messages).toEqual([])
    const back = statusUpdateMessages(toConversationInfo(facts(), idle), 'ARCHIVED', at)
    expect([back.forced, back.messages.map((m) => m.data.status)]).toEqual([true, ['STOPPED']])
  })

  it('task_tracking carries the list with the seed command', () => {
    const tasks: Task[] = [
      { id: 'task-1', title: 'Implement auth', status: 'todo', notes: 'OAuth flow', updated_at: '2026-11-22T10:50:00.000Z', source: 'api', outcome: null },
    ]
    expect(taskTrackingMessage({ conversation_id: 's-1', agent_id: 'ops' }, tasks, at, 'plan', 'Plan ready')).toEqual({
      type: 'task_tracking',
      id: expect.stringMatching(/^task-[0-9a-z]+$/),
      timestamp: '2026-11-22T10:50:40.000Z',
      data: { conversation_id: 's-1', agent_id: 'ops', command: 'plan', task_list: tasks, result: 'Plan ready' },
    })
  })

  it('an empty facts record still maps (no run, no activity)', () => {
    const bare = toConversationInfo(facts({ runs: [], createdAt: null, lastActivityAt: null, indexUpdatedAt: null, tokens: emptyTokens(), costUsd: 0, messageCount: null }), idle)
    expect([bare.created_at, bare.updated_at, bare.last_activity_at, bare.message_count]).toEqual([null, '1970-01-01T00:00:00.000Z', null, null])
  })
})
