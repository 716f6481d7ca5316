import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { FallbackDecisionEvent } from '../../core/events.js'
import { createGatewayLogLineFilter, translateGatewayLogRecord } from './gateway-log.parser.js'
import { CURRENT_LOG, LEGACY_LOG, LEGACY_MAIN_SESSION } from './openclaw.test-kit.js'

const sessionsOfAgents: Record<string, string> = {
  [LEGACY_MAIN_SESSION]: 'main',
  '95e2ffd0-cda7-4df4-b4e8-8fa535e84e2b': 'rl',
  '6b933608-a568-44e7-9ea3-71ec4e3dc678': 'main',
  '4440310b-342a-43c1-9dd7-66d2f286df48': 'research',
}

function decisions(path: string): FallbackDecisionEvent[] {
  const out: FallbackDecisionEvent[] = []
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .forEach((line, i) => {
      const r = translateGatewayLogRecord(JSON.parse(line), {
        placeId: `log:${i + 1}`,
        agentOfSession: (id) => sessionsOfAgents[id] ?? null,
      })
      if ('reject' in r) throw new Error(r.reject)
      if (r.event) out.push(r.event)
    })
  return out
}

describe('gateway log (2026.4.15)', () => {
  const events = decisions(LEGACY_LOG)

  it('finds every fallback decision and nothing else', () => {
    expect(events).toHaveLength(27)
  })

  it('main: primary → mockauth for timeout (408), mockauth → fallback for auth (401), runId as session id', () => {
    const main = events.filter((e) => e.agentId === 'main')
    expect(main.slice(0, 3).map((e) => [e.decision, e.candidate, e.next, e.reason, e.httpStatus])).toEqual([
      ['candidate_failed', 'mock/mock-primary', 'mockauth/mock-auth', 'timeout', 408],
      ['candidate_failed', 'mockauth/mock-auth', 'backup/mock-fallback', 'auth', 401],
      ['candidate_succeeded', 'backup/mock-fallback', null, null, null],
    ])
    expect(main[0]).toMatchObject({
      sessionId: LEGACY_MAIN_SESSION,
      runId: LEGACY_MAIN_SESSION,
      requested: 'mock/mock-primary',
      attempt: 1,
      rawReason: 'timeout',
      message: 'LLM request timed out.',
      at: Date.parse('2026-11-22T10:58:42.692Z'),
    })
    // Place of the line plus its time: a rotated file reusing an offset gets another id.
    expect(main[0]?.eventId).toMatch(new RegExp(`^log:\\d+@${Date.parse('2026-11-22T10:58:42.692Z')}$`))
    expect(main[2]?.previousAttempts).toEqual([
      { candidate: 'mock/mock-primary', reason: 'timeout', rawReason: 'timeout', httpStatus: 408, message: 'LLM request timed out.' },
      {
        candidate: 'mockauth/mock-auth',
        reason: 'auth',
        rawReason: 'auth',
        httpStatus: 401,
        message: 'HTTP 401: Incorrect API key provided: dummy. You can find your API key at https://example.invalid.',
      },
    ])
  })

  it('rl: a probe of a model in cooldown', () => {
    const probe = events.find((e) => e.decision === 'probe_cooldown_candidate')
    expect(probe).toMatchObject({ agentId: 'rl', candidate: 'mock/mock-ratelimit-short', reason: 'rate_limit', httpStatus: null })
  })

  it('leaves the agent null when the session is not known yet', () => {
    expect(events.filter((e) => e.agentId === null).map((e) => e.sessionId)).toContain('893c7f99-a633-4579-b6ea-5a7394d56204')
  })
})

describe('gateway log (2026.9.6)', () => {
  const events = decisions(CURRENT_LOG)

  it('reads sessionId when the log has it, and the chain-stopped event', () => {
    expect(events).toHaveLength(30)
    const stopped = events.filter((e) => e.decision === 'chain_stopped')
    expect(stopped).toEqual([
      expect.objectContaining({
        agentId: 'main',
        sessionId: '6b933608-a568-44e7-9ea3-71ec4e3dc678',
        runId: null,
        candidate: 'mock/mock-timeout',
        reason: 'timeout',
        rawReason: 'idle_timeout_circuit_breaker',
      }),
    ])
    const research = events.filter((e) => e.agentId === 'research')
    expect(research.at(-2)).toMatchObject({ runId: 'lab-chat-send-1', sessionId: '4440310b-342a-43c1-9dd7-66d2f286df48', reason: 'auth' })
  })

  it('a failure without an OpenClaw reason is unknown, not guessed from the wording', () => {
    const unavailable = events.find((e) => e.message?.startsWith('Auth profile "mock:manual" is temporarily unavailable'))
    expect(unavailable).toMatchObject({ decision: 'candidate_failed', reason: 'unknown', rawReason: null })
  })
})

describe('gateway log records that are not decisions', () => {
  it('are not events, and a decision without candidate is rejected', () => {
    const ctx = { placeId: 'x', agentOfSession: () => null }
    expect(translateGatewayLogRecord({ 0: 'hello', 1: 'plain text' }, ctx)).toEqual({ event: null })
    expect(translateGatewayLogRecord({ 1: { event: 'embedded_run_agent_end' } }, ctx)).toEqual({ event: null })
    expect(translateGatewayLogRecord([1, 2], ctx)).toEqual({ event: null })
    expect(translateGatewayLogRecord({ 1: { event: 'model_fallback_decision', decision: 'candidate_failed' }, time: '2026-11-22T10:00:00Z' }, ctx)).toEqual({
      reject: 'model_fallback_decision without candidate',
    })
  })

  it('the line filter passes decision lines and skips the others', () => {
    const filter = createGatewayLogLineFilter()
    const lines = readFileSync(CURRENT_LOG, 'utf8').split('\n').filter(Boolean)
    const buf = Buffer.from(lines.join('\n'))
    let start = 0
    let kept = 0
    for (const line of lines) {
      const end = start + Buffer.byteLength(line)
      if (filter.mayBeEvent(buf, start, end)) kept++
      start = end + 1
    }
    expect(kept).toBe(30)
  })
})
